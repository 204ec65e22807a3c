/**
 * Used by lessons 00–12; by the commands.
 *
 * Showing rich results in a notebook: one mime bundle per result, plain text everywhere else.
 *
 * Every helper of the library returns a {@linkcode Rich} value, or, where it must first read
 * tensors (which is asynchronous, see `read.ts`), a {@linkcode RichPromise} of one. As the last
 * expression of a cell Jupyter shows either; inside a loop or a function, `await show(value)`
 * shows it at once.
 *
 * @module
 */

/** A Jupyter mime bundle: mime type to data (strings, or JSON objects for `+json` types). */
export type MimeBundle = Record<string, unknown>;

/** The symbol Deno's Jupyter kernel looks for to display a value. */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for("Jupyter.display") as never;

/**
 * A value that knows how to show itself: a mime bundle with `text/plain` for terminals.
 *
 * @example
 * ```ts
 * import { Rich } from "@course/lib";
 * new Rich({ "text/html": "<b>bold</b>", "text/plain": "bold" }); // shown as HTML in a notebook
 * ```
 */
export class Rich {
  /**
   * Wraps a mime bundle.
   * @param bundle must hold `text/plain`, the fallback of every front end.
   */
  constructor(readonly bundle: MimeBundle) {
    if (typeof bundle["text/plain"] !== "string") {
      throw new Error(
        `Cannot create a displayable value as its bundle must have a "text/plain" string: ` +
          `current keys are ${Object.keys(bundle).join(", ") || "none"}`,
      );
    }
  }

  /** Plain-text form, used by `console.log`, terminals and string templates. */
  toString(): string {
    return this.bundle["text/plain"] as string;
  }

  /** The mime bundle, for Deno's Jupyter kernel. */
  [JUPYTER_DISPLAY](): MimeBundle {
    return this.bundle;
  }

  /** The plain text, for `console.log` and Deno's REPL. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }
}

/**
 * A {@linkcode Rich} value still being made, e.g. while the tensors it shows are read: `await` it
 * for the value, or leave it as a cell's last expression, which Deno's kernel awaits and shows.
 */
export type RichPromise = Promise<Rich> & { [JUPYTER_DISPLAY](): Promise<MimeBundle> };

/**
 * Makes a promise of a {@linkcode Rich} value displayable as it is, so that a cell ending in
 * `image(x)` shows the image even without `await`.
 *
 * @example
 * ```ts
 * import { Rich } from "@course/lib";
 * import { displayable } from "./show.ts";
 * const later = displayable(Promise.resolve(new Rich({ "text/plain": "ready" })));
 * (await later).toString(); // "ready"
 * ```
 */
export function displayable(work: Promise<Rich>): RichPromise {
  return Object.assign(work, { [JUPYTER_DISPLAY]: async () => (await work).bundle });
}

interface JupyterApi {
  broadcast(type: string, content: Record<string, unknown>): Promise<void>;
}

function jupyter(): JupyterApi | undefined {
  try {
    return (Deno as unknown as { jupyter?: JupyterApi }).jupyter;
  } catch {
    return undefined; // outside `deno jupyter`, reading Deno.jupyter throws
  }
}

/**
 * Whether this code runs inside Deno's Jupyter kernel.
 *
 * @example
 * ```ts
 * import { inJupyter } from "./show.ts";
 * if (!inJupyter()) console.log("running as a script");
 * ```
 */
export function inJupyter(): boolean {
  return typeof jupyter()?.broadcast === "function";
}

/** Options of {@linkcode show}. */
export interface ShowOptions {
  /**
   * Give the output an id; showing again with the same id and `update: true` replaces it in place
   * (progress bars, live plots).
   */
  displayId?: string;
  /** Replace the output with this `displayId` instead of adding a new one. */
  update?: boolean;
}

/**
 * Shows a value now: in Jupyter as a rich output, elsewhere as its plain text on stdout.
 *
 * Awaiting it matters: the kernel then sends the output before the cell ends.
 *
 * @example
 * ```ts
 * import { show, table } from "@course/lib";
 * for (const n of [1, 2]) await show(table([[n, n * n]]));
 * ```
 */
export async function show(
  value: Rich | Promise<Rich> | string,
  options: ShowOptions = {},
): Promise<void> {
  const rich = typeof value === "string" ? new Rich({ "text/plain": value }) : await value;
  const api = jupyter();
  if (!api) {
    if (!options.update) console.log(rich.toString());
    return;
  }
  const transient = options.displayId ? { display_id: options.displayId } : {};
  await api.broadcast(options.update ? "update_display_data" : "display_data", {
    data: rich.bundle,
    metadata: {},
    transient,
  });
}

/**
 * Escapes text for HTML element content and attribute values.
 *
 * @example
 * ```ts
 * import { escapeHtml } from "./show.ts";
 * escapeHtml("a < b"); // "a &lt; b"
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}
