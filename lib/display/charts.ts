/**
 * Used by lessons 02–12.
 *
 * The course's charts, drawn with plotly.js: curves, classes, decision boundaries, heatmaps,
 * confusion matrices, loss surfaces with optimizer trajectories, and histograms. Each returns a
 * displayable value; `saveHtml(view, path)` writes it as a standalone page.
 *
 * @module
 */
import { displayable, type Rich, type RichPromise } from "./show.ts";
import { plot, type Trace } from "./plotly.ts";

/** Titles of a plot. */
export interface Titles {
  /** The plot's title. */
  title?: string;
  /** The horizontal axis's title. */
  xTitle?: string;
  /** The vertical axis's title. */
  yTitle?: string;
  /** Height in pixels (default 360). */
  height?: number;
}

function layout(t: Titles, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: { text: t.title ?? "" },
    xaxis: { title: { text: t.xTitle ?? "" } },
    yaxis: { title: { text: t.yTitle ?? "" } },
    height: t.height ?? 360,
    ...extra,
  };
}

/** A palette of distinct colours (Tableau 10), for classes and instance labels. */
export const PALETTE = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
];

/**
 * Lines of several series, e.g. training and validation loss per epoch.
 *
 * @example
 * ```ts
 * import { linePlot } from "@course/lib";
 * linePlot({ train: [0.9, 0.5, 0.3], validation: [1, 0.7, 0.6] }, { xTitle: "epoch", yTitle: "loss" });
 * ```
 */
export function linePlot(
  series: Record<string, number[]>,
  options: Titles & { x?: number[]; logY?: boolean } = {},
): Rich {
  const data = Object.entries(series).map(([name, y]) => ({
    x: options.x ?? y.map((_, i) => i + 1),
    y,
    name,
    type: "scatter",
    mode: "lines",
  }));
  const yaxis = { title: { text: options.yTitle ?? "" }, type: options.logY ? "log" : "linear" };
  return plot({ data, layout: layout(options, { yaxis }) });
}

/**
 * Points of a 2-D data set coloured by class.
 *
 * @example
 * ```ts
 * import { scatterByClass } from "@course/lib";
 * scatterByClass([[0, 0], [1, 1], [0, 1]], [0, 1, 1], { classNames: ["no", "yes"] });
 * ```
 */
export function scatterByClass(
  points: number[][],
  labels: ArrayLike<number>,
  options: Titles & { classNames?: string[] } = {},
): Rich {
  return plot({ data: classTraces(points, labels, options.classNames), layout: layout(options) });
}

function classTraces(points: number[][], labels: ArrayLike<number>, names?: string[]): Trace[] {
  if (points.length !== labels.length) {
    throw new Error(
      `Cannot plot classes as there must be one label per point: current values are ` +
        `${points.length} points and ${labels.length} labels`,
    );
  }
  const classes = [...new Set(Array.from(labels))].sort((a, b) => a - b);
  return classes.map((c) => {
    const mine = points.filter((_, i) => labels[i] === c);
    return {
      x: mine.map((p) => p[0]),
      y: mine.map((p) => p[1]),
      name: names?.[c] ?? `class ${c}`,
      type: "scatter",
      mode: "markers",
      marker: { color: PALETTE[c % PALETTE.length], size: 7, line: { width: 1, color: "white" } },
    };
  });
}

/** Options of {@linkcode decisionBoundary}. */
export interface BoundaryOptions extends Titles {
  /** Range of the first coordinate (default: the points', with a margin, else [-1, 1]). */
  xRange?: [number, number];
  /** Range of the second coordinate (default as for `xRange`). */
  yRange?: [number, number];
  /** Grid points per side (default 100). */
  resolution?: number;
  /** Data to show on top, with its labels. */
  points?: number[][];
  /** The class of each of `points`. */
  labels?: ArrayLike<number>;
  /** Names of the classes, for the legend (default "class 0", "class 1", …). */
  classNames?: string[];
}

function rangeOf(values: number[] | undefined, fallback: [number, number]): [number, number] {
  if (!values?.length) return fallback;
  const lo = Math.min(...values), hi = Math.max(...values), margin = 0.1 * (hi - lo || 1);
  return [lo - margin, hi + margin];
}

/**
 * The decision surface of a 2-D classifier: `predict` gives, for a batch of points, the probability
 * of class 1 (or any score); shown as a heatmap with the 0.5 contour and, optionally, the data. A
 * `predict` that reads a model's output asynchronously (as tensors on a GPU must be read) gives a
 * promise of the plot.
 *
 * @example
 * ```ts
 * import { decisionBoundary, read, tf } from "@course/lib";
 * decisionBoundary((ps) => ps.map(([x, y]) => (x + y > 1 ? 1 : 0)), { xRange: [0, 1], yRange: [0, 1] });
 * const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 1 })] });
 * await decisionBoundary((ps) => read(() => model.predict(tf.tensor2d(ps)) as tf.Tensor));
 * ```
 */
export function decisionBoundary<S extends ArrayLike<number> | Promise<ArrayLike<number>>>(
  predict: (points: number[][]) => S,
  options: BoundaryOptions = {},
): S extends Promise<unknown> ? RichPromise : Rich {
  type Result = S extends Promise<unknown> ? RichPromise : Rich;
  const n = options.resolution ?? 100;
  const [x0, x1] = options.xRange ?? rangeOf(options.points?.map((p) => p[0]), [-1, 1]);
  const [y0, y1] = options.yRange ?? rangeOf(options.points?.map((p) => p[1]), [-1, 1]);
  const xs = Array.from({ length: n }, (_, i) => x0 + ((x1 - x0) * i) / (n - 1));
  const ys = Array.from({ length: n }, (_, i) => y0 + ((y1 - y0) * i) / (n - 1));
  const scores = predict(ys.flatMap((y) => xs.map((x) => [x, y])));
  const draw = (s: ArrayLike<number>) => surfacePlot(xs, ys, s, options);
  return (scores instanceof Promise ? displayable(scores.then(draw)) : draw(scores)) as Result;
}

function surfacePlot(
  xs: number[],
  ys: number[],
  scores: ArrayLike<number>,
  options: BoundaryOptions,
): Rich {
  const n = xs.length;
  const z = ys.map((_, j) => xs.map((_, i) => scores[j * n + i]));
  const surface: Trace[] = [
    {
      x: xs,
      y: ys,
      z,
      type: "heatmap",
      colorscale: "RdBu",
      reversescale: true,
      opacity: 0.6,
      showscale: true,
    },
    {
      x: xs,
      y: ys,
      z,
      type: "contour",
      contours: { start: 0.5, end: 0.5, coloring: "none" },
      line: { width: 2, color: "black" },
      showscale: false,
      name: "boundary",
    },
  ];
  const points = options.points && options.labels
    ? classTraces(options.points, options.labels, options.classNames)
    : [];
  return plot({ data: [...surface, ...points], layout: layout(options) });
}

/**
 * A heatmap of a matrix, with row and column labels.
 *
 * @example
 * ```ts
 * import { heatmap } from "@course/lib";
 * heatmap([[1, 2], [3, 4]], { x: ["a", "b"], y: ["c", "d"] });
 * ```
 */
export function heatmap(
  z: number[][],
  options: Titles & { x?: (string | number)[]; y?: (string | number)[]; colorscale?: string } = {},
): Rich {
  return plot({
    data: [{
      z,
      x: options.x,
      y: options.y,
      type: "heatmap",
      colorscale: options.colorscale ?? "Viridis",
    }],
    layout: layout(options, {
      yaxis: { title: { text: options.yTitle ?? "" }, autorange: "reversed" },
    }),
  });
}

/**
 * A confusion matrix as an annotated heatmap: rows are true classes, columns predicted ones.
 *
 * @example
 * ```ts
 * import { confusionMatrixPlot } from "@course/lib";
 * confusionMatrixPlot([[5, 1], [2, 7]], ["cat", "dog"]);
 * ```
 */
export function confusionMatrixPlot(
  matrix: number[][],
  classNames?: string[],
  options: Titles = {},
): Rich {
  const names = classNames ?? matrix.map((_, i) => String(i));
  const annotations = matrix.flatMap((row, i) =>
    row.map((count, j) => ({ x: names[j], y: names[i], text: String(count), showarrow: false }))
  );
  return plot({
    data: [{ z: matrix, x: names, y: names, type: "heatmap", colorscale: "Blues" }],
    layout: layout({ title: "Confusion matrix", xTitle: "predicted", yTitle: "true", ...options }, {
      annotations,
      yaxis: { title: { text: options.yTitle ?? "true" }, autorange: "reversed" },
    }),
  });
}

/** A named path of points, e.g. an optimiser's steps. */
export interface Trajectory {
  /** The optimizer's name, for the legend. */
  name: string;
  /** The (x, y) points it visited, in order. */
  points: [number, number][];
}

/**
 * Contours of a function of two variables (a loss surface) with trajectories drawn on top.
 *
 * @example
 * ```ts
 * import { lossSurface } from "@course/lib";
 * lossSurface((x, y) => x * x + 10 * y * y, {
 *   xRange: [-2, 2], yRange: [-1, 1],
 *   trajectories: [{ name: "SGD", points: [[-1.5, 0.8], [-1.2, -0.6], [-0.9, 0.4]] }],
 * });
 * ```
 */
export function lossSurface(
  f: (x: number, y: number) => number,
  options: Titles & {
    xRange: [number, number];
    yRange: [number, number];
    trajectories?: Trajectory[];
    resolution?: number;
    /** Contour the logarithm of f: shows narrow valleys better (default false). */
    logScale?: boolean;
  },
): Rich {
  const n = options.resolution ?? 80;
  const axis = ([lo, hi]: [number, number]) =>
    Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
  const xs = axis(options.xRange), ys = axis(options.yRange);
  const z = ys.map((y) =>
    xs.map((x) => (options.logScale ? Math.log10(f(x, y) + 1e-12) : f(x, y)))
  );
  const paths = (options.trajectories ?? []).map((t, k) => ({
    x: t.points.map((p) => p[0]),
    y: t.points.map((p) => p[1]),
    name: t.name,
    type: "scatter",
    mode: "lines+markers",
    marker: { size: 4, color: PALETTE[k % PALETTE.length] },
    line: { color: PALETTE[k % PALETTE.length] },
  }));
  return plot({
    data: [{
      x: xs,
      y: ys,
      z,
      type: "contour",
      colorscale: "Greys",
      ncontours: 30,
      showscale: false,
    }, ...paths],
    layout: layout(options),
  });
}

/**
 * A histogram of values.
 *
 * @example
 * ```ts
 * import { histogram } from "@course/lib";
 * histogram([1, 2, 2, 3, 3, 3], { bins: 3, xTitle: "value" });
 * ```
 */
export function histogram(
  values: ArrayLike<number>,
  options: Titles & { bins?: number } = {},
): Rich {
  return plot({
    data: [{ x: Array.from(values), type: "histogram", nbinsx: options.bins ?? 50 }],
    layout: layout(options, { bargap: 0.05 }),
  });
}
