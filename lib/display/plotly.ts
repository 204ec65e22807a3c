/**
 * Used by lessons 00–12; by `deno task denoise`, `deno task segment` and `deno task train:base`.
 *
 * Plotly figures as one mime bundle: plotly JSON for front ends with a plotly renderer (VS Code,
 * JupyterLab with the plotly extension), offline HTML for the rest, and a text summary.
 *
 * The HTML needs plotly.js in the page. The first figure a kernel shows carries plotly.js itself
 * (from the npm package, so no network is needed); later figures reuse it.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { createRequire } from "node:module";
import { writeFileAtomic } from "../../contract/files.ts";
import { Rich } from "./show.ts";

/** A plotly trace: `{ x, y, type: "scatter", mode: "lines", name }` and friends. */
export type Trace = Record<string, unknown>;

/** A plotly figure. */
export interface Figure {
  /** The traces, as plotly.js takes them. */
  data: Trace[];
  /** Plotly's layout: titles, axes, size. */
  layout?: Record<string, unknown>;
  /** Plotly's configuration: mode bar, responsiveness. */
  config?: Record<string, unknown>;
}

let plotlyShipped = false;

/**
 * Whether a figure of this kernel session has already carried plotly.js to the page.
 *
 * @example
 * ```ts
 * import { plotlyShippedYet } from "./plotly.ts";
 * if (!plotlyShippedYet()) console.log("the next figure carries plotly.js");
 * ```
 */
export function plotlyShippedYet(): boolean {
  return plotlyShipped;
}

/** Marks the script that carries plotly.js (tests and tools look for it). */
export const PLOTLY_LOADER_ID = "course-plotly-loader";

let loader: string | undefined;

/**
 * plotly.js (4.8 MB) gzipped and base64-encoded (1.9 MB), unpacked in the page with the browser's
 * DecompressionStream: a smaller kernel message and notebook. It runs as a function whose `define`,
 * `module` and `exports` are undefined, so it defines `window.Plotly` even where RequireJS is on the
 * page (classic Notebook).
 */
function plotlyLoader(): string {
  if (loader) return loader;
  const path = createRequire(import.meta.url).resolve("plotly.js-dist-min");
  const packed = gzipSync(readFileSync(path)).toString("base64");
  loader = `<script type="text/javascript" id="${PLOTLY_LOADER_ID}">(function() {
  if (window.Plotly || window.__coursePlotlyLoading) return;
  window.__coursePlotlyLoading = true;
  const bytes = Uint8Array.from(atob("${packed}"), (c) => c.charCodeAt(0));
  new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).text()
    .then((source) => new Function("define", "module", "exports", source).call(window));
})();</script>`;
  return loader;
}

/** Stops data from closing the script element it is embedded in. */
function escapeScript(text: string): string {
  return text.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}

function summary(figure: Figure): string {
  const kinds = figure.data.map((t) => String(t.type ?? "scatter"));
  const title = figure.layout?.title;
  const titleText = typeof title === "string" ? title : (title as { text?: string })?.text;
  return `Figure${titleText ? ` "${titleText}"` : ""}: ${figure.data.length} trace(s) ` +
    `(${[...new Set(kinds)].join(", ")})`;
}

function figureHtml(figure: Figure, id: string): string {
  const json = escapeScript(JSON.stringify({
    data: figure.data,
    layout: figure.layout ?? {},
    config: { responsive: true, ...figure.config },
  }));
  // Waits briefly for plotly.js: in a reopened notebook the loader's output may render later.
  return `<div id="${id}" class="course-plot" style="min-height:360px"></div>
<script type="text/javascript">(function() {
  const fig = ${json};
  const el = document.getElementById("${id}");
  let tries = 0;
  (function draw() {
    if (window.Plotly) return window.Plotly.newPlot(el, fig.data, fig.layout, fig.config);
    if (++tries < 50) return setTimeout(draw, 100);
    el.textContent = "plotly.js is not loaded in this page: run the notebook's cells again to see the plot.";
  })();
})();</script>`;
}

/** Options of {@linkcode plot}. */
export interface PlotOptions {
  /**
   * Whether the HTML carries plotly.js: `"auto"` (default) for the first figure of the kernel
   * session only; `"always"` for a figure that must stand alone; `"never"` for in-place updates of a
   * figure already on the page.
   */
  plotlyJs?: "auto" | "always" | "never";
}

/**
 * A plotly figure, shown as an interactive plot.
 *
 * @example
 * ```ts
 * import { plot } from "@course/lib";
 * plot({
 *   data: [{ x: [1, 2, 3], y: [2, 1, 3], type: "scatter", mode: "lines+markers" }],
 *   layout: { title: { text: "a line" } },
 * });
 * ```
 */
export function plot(figure: Figure, options: PlotOptions = {}): Rich {
  if (!figure || !Array.isArray(figure.data)) {
    throw new Error(
      `Cannot plot as the figure must have a 'data' array of traces: current value is ` +
        `${JSON.stringify(figure)?.slice(0, 80)}`,
    );
  }
  const mode = options.plotlyJs ?? "auto";
  const loader = mode === "always" || (mode === "auto" && !plotlyShipped) ? plotlyLoader() : "";
  if (loader) plotlyShipped = true;
  const id = `course-plot-${crypto.randomUUID()}`;
  return new Rich({
    "application/vnd.plotly.v1+json": {
      data: figure.data,
      layout: figure.layout ?? {},
      config: figure.config ?? {},
    },
    "text/html": loader + figureHtml(figure, id),
    "text/plain": summary(figure),
  });
}

/**
 * Writes a figure or any HTML output (an image grid, a table) as a standalone HTML page that works
 * offline: a plotly figure carries plotly.js with it.
 *
 * @example
 * ```ts
 * import { plot, saveHtml } from "@course/lib";
 * await saveHtml(plot({ data: [{ y: [1, 3, 2] }] }), "out/figure.html");
 * ```
 */
export async function saveHtml(
  output: Rich | Promise<Rich>,
  path: string,
  title = "figure",
): Promise<void> {
  const view = await output;
  const figure = view.bundle["application/vnd.plotly.v1+json"] as Figure | undefined;
  const shipped = plotlyShipped; // a file is not the notebook page: keep the page's state
  const body = figure
    ? plot(figure, { plotlyJs: "always" }).bundle["text/html"]
    : view.bundle["text/html"];
  plotlyShipped = shipped;
  if (typeof body !== "string") {
    throw new Error(
      `Cannot save as HTML as the output has neither a plotly figure nor HTML: current keys are ` +
        Object.keys(view.bundle).join(", "),
    );
  }
  const page = `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${
    title.replace(/[<&]/g, "")
  }</title></head>\n<body>\n${body}\n</body></html>\n`;
  await writeFileAtomic(path, page);
}
