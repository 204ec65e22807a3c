/**
 * The native kernels' differential test, in a process started as a notebook's kernel starts the
 * course: `await init()`, so that with oneDNN the wasm backend runs its one-thread build beside
 * oneDNN's threads, as in production. A family of cases (one per kernel the native path registers,
 * and transposed convolutions) gets `count` cases drawn from `seed`: random shapes of rank 1–4 (and
 * scalars), every broadcast pattern, zero-size tensors, NaN and ±Infinity, int32 inputs. Each case
 * runs on the wasm backend (where the native kernels sit) and on the cpu backend, and the two are
 * compared. Prints one JSON line: the backend line, the cases, how many oneDNN computed, and the
 * failures (each replayable from the seed and its number; a replayed case says what it runs).
 *
 * ```
 * deno run -A tests/native/differential.ts <seed> <count> <family> [case]
 * ```
 *
 * One family a process: a kernel that corrupts the wasm heap would fail every later case.
 *
 * @module
 */
import { backendLine } from "../../lib/backend/init.ts";
import { nativeCalls } from "../../lib/backend/native_kernels.ts";
import { gaussian, init, integer, type Random, seededRandom, tf } from "@course/lib";

/** An input's numbers, made into a tensor on whichever backend runs the case. */
interface Input {
  values: number[];
  shape: number[];
  dtype: "float32" | "int32";
}

/** A case: what it computes from tensors of its inputs, described for a failure's report. */
interface Case {
  what: string;
  inputs: Input[];
  /** The kernel's computation on the current backend. */
  compute: (...x: tf.Tensor[]) => tf.Tensor;
  /** What the cpu backend computes as the answer; by default `compute`. */
  reference?: (...x: tf.Tensor[]) => tf.Tensor;
  /**
   * Per output, the scale of float32 rounding errors: the same computation on the inputs'
   * absolute values (a sum of |terms|); by default the answer's own size.
   */
  magnitude?: (...x: tf.Tensor[]) => tf.Tensor;
  /** Largest error allowed, relative to the magnitude. */
  tolerance: number;
  /**
   * Whether wasm must throw the cpu backend's very error (tfjs's own, for shapes it refuses); else
   * any error agrees with an error (the cpu backend's are often a typed array's).
   */
  sameError?: boolean;
}

/** A computation's values and shape, or the first line of the error it threw. */
type Outcome = { values: number[]; shape: number[]; dtype: string } | { error: string };

// --- drawing shapes and values ------------------------------------------------------------------

const chance = (random: Random, p: number) => random() < p;
const pick = <T>(random: Random, items: readonly T[]): T =>
  items[integer(random, 0, items.length - 1)];

/** `rank` sizes whose product is log-uniform in [smallest, largest]: small and large alike. */
function sizes(random: Random, rank: number, largest: number, smallest = 1): number[] {
  const total = Math.exp(Math.log(smallest) + random() * Math.log(largest / smallest));
  const weights = Array.from({ length: rank }, () => random() + 0.05);
  const sum = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => Math.max(1, Math.round(total ** (w / sum))));
}

/**
 * Values for a shape: gaussian floats, or integers in [-9, 9]; in a quarter of the float cases
 * about one value in 30 is NaN, Infinity or -Infinity. A convolution's filter gets none: where a
 * filter value meets padding (or the zeros a strided gradient inserts), oneDNN and XNNPACK compute
 * 0 · ∞ = NaN, as PyTorch does, while the cpu backend skips the term: two conventions, not a fault.
 */
function input(
  random: Random,
  shape: number[],
  dtype: Input["dtype"] = "float32",
  specials = true,
): Input {
  const n = shape.reduce((a, b) => a * b, 1);
  const special = specials && dtype === "float32" && chance(random, 0.25);
  const values = Array.from({ length: n }, () => {
    if (dtype === "int32") return integer(random, -9, 9);
    if (special && chance(random, 1 / 30)) return pick(random, [NaN, Infinity, -Infinity]);
    return gaussian(random);
  });
  return { values, shape, dtype };
}

/** `shape` with the axes where `keep` is false set to 1. */
const masked = (shape: number[], keep: boolean[]) => shape.map((d, i) => keep[i] ? d : 1);

/** A random mask that drops at least one axis (where there are any). */
function dropSome(random: Random, rank: number): boolean[] {
  const keep = Array.from({ length: rank }, () => chance(random, 0.5));
  if (rank > 0 && keep.every((k) => k)) keep[integer(random, 0, rank - 1)] = false;
  return keep;
}

// --- the kernels' cases -------------------------------------------------------------------------

/** The broadcast patterns of two operands, taken in turn so that none is missed. */
const PATTERNS = [
  "same shape",
  "b broadcasts",
  "a broadcasts",
  "both broadcast",
  "b is a scalar",
  "a is a scalar",
  "both are scalars",
  "b has a lower rank",
  "a has a lower rank",
  "a lower rank, b broadcasts",
  "size-1 axes in both",
  "zero-size",
] as const;

/** Two operand shapes of a broadcast pattern, and a draw of the result's shape. */
function operandShapes(random: Random, pattern: typeof PATTERNS[number]): [number[], number[]] {
  const rank = integer(random, 1, 4);
  const out = sizes(random, rank, 30_000);
  const lower = (shape: number[]) => shape.slice(integer(random, 1, shape.length));
  switch (pattern) {
    case "same shape":
      return [out, out];
    case "b broadcasts":
      return [out, masked(out, dropSome(random, rank))];
    case "a broadcasts":
      return [masked(out, dropSome(random, rank)), out];
    case "both broadcast": {
      // Each axis is kept by a, by b or by both, and each operand drops at least one.
      const owner = out.map(() => integer(random, 0, 2));
      if (rank > 1) [owner[0], owner[rank - 1]] = [0, 1];
      return [masked(out, owner.map((o) => o !== 1)), masked(out, owner.map((o) => o !== 0))];
    }
    case "b is a scalar":
      return [out, []];
    case "a is a scalar":
      return [[], out];
    case "both are scalars":
      return [[], []];
    case "b has a lower rank":
      return [out, lower(out)];
    case "a has a lower rank":
      return [lower(out), out];
    case "a lower rank, b broadcasts":
      return [lower(out), masked(out, dropSome(random, rank))];
    case "size-1 axes in both": {
      const ones = out.map((d) => chance(random, 0.4) ? 1 : d);
      return [ones, masked(ones, dropSome(random, rank))];
    }
    case "zero-size": {
      const zero = [...out];
      zero[integer(random, 0, rank - 1)] = 0;
      return [zero, masked(zero, dropSome(random, rank))];
    }
  }
}

/** Add, Sub, Multiply and RealDiv over every broadcast pattern, int32 operands too. */
function arithmeticCase(op: "add" | "sub" | "mul" | "div") {
  return (random: Random, i: number): Case => {
    const pattern = PATTERNS[i % PATTERNS.length];
    const [sa, sb] = operandShapes(random, pattern);
    const dtype = op !== "div" && chance(random, 0.15) ? "int32" : "float32";
    const [a, b] = [input(random, sa, dtype), input(random, sb, dtype)];
    if (op === "div" && chance(random, 0.2)) {
      b.values = b.values.map((v) => chance(random, 0.1) ? 0 : v);
    }
    return {
      what: `${op} ${dtype} [${sa}] and [${sb}] (${pattern})`,
      inputs: [a, b],
      compute: (x, y) => tf[op](x, y),
      tolerance: 1e-6,
    };
  };
}

/** The axis patterns of a reduction. */
const AXES = ["leading axes", "all axes", "the last axis", "any axes", "leading, kept"] as const;

/** Sum and Mean over any axes, leading ones (the native case) most of all. */
function reductionCase(op: "sum" | "mean") {
  return (random: Random, i: number): Case => {
    const kind = AXES[i % AXES.length];
    const rank = integer(random, 1, 4);
    // Leading axes are the native case: those tensors are mostly as large as oneDNN takes.
    const leading = kind === "leading axes" || kind === "leading, kept";
    const shape = sizes(random, rank, 40_000, leading ? 4096 : 1);
    if (chance(random, 0.06)) shape[integer(random, 0, rank - 1)] = 0;
    const all = shape.map((_, j) => j);
    const axes = kind === "all axes"
      ? all
      : kind === "the last axis"
      ? [rank - 1]
      : kind === "any axes"
      ? all.filter(() => chance(random, 0.5))
      : all.slice(0, integer(random, 1, Math.max(1, rank - 1)));
    const keepDims = kind === "leading, kept" || chance(random, 0.3);
    const dtype = chance(random, 0.15) ? "int32" : "float32";
    return {
      what: `${op} ${dtype} [${shape}] over [${axes}]${keepDims ? " keeping dims" : ""}`,
      inputs: [input(random, shape, dtype)],
      compute: (x) => tf[op](x, axes, keepDims),
      magnitude: (x) => tf[op](tf.abs(x), axes, keepDims),
      tolerance: 1e-5,
    };
  };
}

/** Batch shapes of a matrix product: equal, one side of ones, both sides broadcast, refused. */
const BATCHES = [
  "no batch",
  "equal batches",
  "a's batch of ones",
  "b's batch of ones",
  "a without batch",
  "both sides broadcast",
  "batches that do not broadcast",
  "zero-size",
] as const;

function batchShapes(random: Random, kind: typeof BATCHES[number]): [number[], number[]] {
  const batch = sizes(random, integer(random, 1, 2), 12);
  switch (kind) {
    case "no batch":
      return [[], []];
    case "equal batches":
      return [batch, batch];
    case "a's batch of ones":
      return [batch.map(() => 1), batch];
    case "b's batch of ones":
      return [batch, batch.map(() => 1)];
    case "a without batch":
      return [[], batch];
    case "both sides broadcast": {
      const [p, q] = [integer(random, 2, 4), integer(random, 2, 4)];
      return chance(random, 0.5) ? [[1, p], [q, 1]] : [[p, 1, q], [1, q]];
    }
    case "batches that do not broadcast":
      return [[2, 3], [3, 2]];
    case "zero-size":
      return [[0], [1]];
  }
}

/** A matrix product's operands: shapes (transposed or not), and the broadcast batch shape. */
function productOperands(random: Random, kind: typeof BATCHES[number], dtype: Input["dtype"]) {
  const [ba, bb] = batchShapes(random, kind);
  const [m, k, n] = sizes(random, 3, 30_000).map((d) => Math.min(d, 96));
  const [ta, tb] = [chance(random, 0.4), chance(random, 0.4)];
  const sa = [...ba, ...(ta ? [k, m] : [m, k])], sb = [...bb, ...(tb ? [n, k] : [k, n])];
  return { a: input(random, sa, dtype), b: input(random, sb, dtype), ta, tb, ba, bb, m, n };
}

/** The operands broadcast to their common batch shape: the cpu backend's kernel needs that. */
function broadcastBatches(a: tf.Tensor, b: tf.Tensor): [tf.Tensor, tf.Tensor] {
  const batch = tf.backend_util.assertAndGetBroadcastShape(
    a.shape.slice(0, -2),
    b.shape.slice(0, -2),
  );
  // tf.broadcastTo leaves a size-1 axis at 1 where the broadcast size is 0.
  const to = (t: tf.Tensor) =>
    batch.includes(0)
      ? tf.zeros([...batch, ...t.shape.slice(-2)], t.dtype)
      : tf.broadcastTo(t, [...batch, ...t.shape.slice(-2)]);
  return [to(a), to(b)];
}

/**
 * BatchMatMul over every batch pattern. tfjs's own cpu and wasm kernels compute only one product
 * per batch entry of the larger side when both sides broadcast (a result of 16 values declared
 * [4, 4, 2, 2]), so the answer is the cpu backend's product of the operands broadcast explicitly.
 */
function matMulCase(random: Random, i: number): Case {
  const kind = BATCHES[i % BATCHES.length];
  const dtype = chance(random, 0.08) ? "int32" : "float32";
  const { a, b, ta, tb } = productOperands(random, kind, dtype);
  const product = (x: tf.Tensor, y: tf.Tensor) => tf.matMul(x, y, ta, tb);
  const explicit = (x: tf.Tensor, y: tf.Tensor) =>
    kind === "batches that do not broadcast" ? product(x, y) : product(...broadcastBatches(x, y));
  return {
    what: `matMul ${dtype} [${a.shape}]${ta ? "ᵀ" : ""} × [${b.shape}]${tb ? "ᵀ" : ""} (${kind})`,
    inputs: [a, b],
    compute: product,
    reference: explicit,
    magnitude: (x, y) => explicit(tf.abs(x), tf.abs(y)),
    tolerance: 1e-5,
    sameError: kind === "batches that do not broadcast",
  };
}

/** The activations tfjs fuses into matrix products and convolutions. */
const ACTIVATIONS = ["linear", "relu", "relu6", "elu", "sigmoid", "leakyrelu", "prelu"] as const;

/** _FusedMatMul: a bias of every shape that broadcasts, every activation. */
function fusedMatMulCase(random: Random, i: number): Case {
  const kind = BATCHES[i % BATCHES.length];
  const { a, b, ta, tb, m, n } = productOperands(random, kind, "float32");
  const activation = ACTIVATIONS[Math.floor(i / BATCHES.length) % ACTIVATIONS.length];
  const biasShape = pick(random, [undefined, [n], [1], [1, n], [m, n], [m, 1]]);
  const extra = [
    ...(biasShape ? [input(random, biasShape)] : []),
    ...(activation === "prelu" ? [input(random, [n], "float32", false)] : []),
  ];
  const fused =
    (act: typeof ACTIVATIONS[number]) => (x: tf.Tensor, y: tf.Tensor, ...rest: tf.Tensor[]) =>
      tf.fused.matMul({
        a: x,
        b: y,
        transposeA: ta,
        transposeB: tb,
        bias: biasShape ? rest[0] : undefined,
        activation: act,
        preluActivationWeights: act === "prelu" ? rest.at(-1) : undefined,
        leakyreluAlpha: 0.3,
      });
  return {
    what: `fused matMul [${a.shape}]${ta ? "ᵀ" : ""} × [${b.shape}]${tb ? "ᵀ" : ""}` +
      ` + bias [${biasShape ?? "none"}], ${activation} (${kind})`,
    inputs: [a, b, ...extra],
    compute: fused(activation),
    // tf.fused.matMul reshapes both operands to rank 3 first: batches that both broadcast fail
    // there on every backend. An empty batch is computed (as one product) by the cpu backend's
    // kernel: the answer is then the cpu backend's for operands broadcast explicitly.
    reference: kind === "zero-size"
      ? (x, y, ...rest) => fused(activation)(...broadcastBatches(x, y), ...rest)
      : undefined,
    magnitude: (x, y, ...rest) =>
      tf.abs(fused("linear")(...broadcastBatches(tf.abs(x), tf.abs(y)), ...rest.map(tf.abs))),
    tolerance: 1e-5,
  };
}

/** A convolution's geometry: strides, dilations (only with strides of 1), padding. */
interface Geometry {
  strides: [number, number];
  dilations: [number, number];
  pad: "same" | "valid" | number | [[0, 0], [number, number], [number, number], [0, 0]];
  dimRoundingMode?: "floor" | "round" | "ceil";
}

const PADS = ["same", "valid", "a number", "explicit"] as const;

function geometry(random: Random, i: number, dilated: boolean): Geometry {
  const kind = PADS[i % PADS.length];
  const strides: [number, number] = [integer(random, 1, 3), integer(random, 1, 3)];
  const dilate = dilated && chance(random, 0.3);
  const pad = kind === "a number"
    ? integer(random, 0, 2)
    : kind === "explicit"
    ? [[0, 0], [integer(random, 0, 2), integer(random, 0, 2)], [
      integer(random, 0, 2),
      integer(random, 0, 2),
    ], [0, 0]] as Geometry["pad"]
    : kind;
  // tfjs computes a numeric padding's output width from the filter's height and the height's
  // stride (conv_util's computeOutputShape2D): only square geometry has a convolution's shape then.
  const square = kind === "a number";
  if (square) strides[1] = strides[0];
  const dilations: [number, number] = [integer(random, 1, 3), integer(random, 1, 3)];
  if (square) dilations[1] = dilations[0];
  return {
    strides: dilate ? [1, 1] : strides,
    dilations: dilate ? dilations : [1, 1],
    pad,
    dimRoundingMode: kind === "a number"
      ? pick(random, ["floor", "round", "ceil"] as const)
      : undefined,
  };
}

const describeGeometry = (g: Geometry) =>
  `strides ${g.strides}, dilations ${g.dilations}, pad ${JSON.stringify(g.pad)}` +
  (g.dimRoundingMode ? ` ${g.dimRoundingMode}` : "");

/** An image batch and a filter of random sizes (square for a numeric padding); sometimes no batch. */
function convolutionShapes(random: Random, g: Geometry) {
  const [h, w] = [integer(random, 1, 18), integer(random, 1, 18)];
  const kh = integer(random, 1, Math.min(5, h + 1));
  const kw = typeof g.pad === "number" ? kh : integer(random, 1, Math.min(5, w + 1));
  const n = chance(random, 0.04) ? 0 : integer(random, 1, 4);
  return { x: [n, h, w, integer(random, 1, 12)], kh, kw, cout: integer(random, 1, 12) };
}

/** Conv2D: every padding, strides and dilations. */
function convCase(random: Random, i: number): Case {
  const g = geometry(random, i, true), s = convolutionShapes(random, g);
  const x = input(random, s.x), f = input(random, [s.kh, s.kw, s.x[3], s.cout], "float32", false);
  const conv = (a: tf.Tensor, b: tf.Tensor) =>
    tf.conv2d(
      a as tf.Tensor4D,
      b as tf.Tensor4D,
      g.strides,
      g.pad,
      "NHWC",
      g.dilations,
      g.dimRoundingMode,
    );
  return {
    what: `conv2d [${s.x}] * [${f.shape}], ${describeGeometry(g)}`,
    inputs: [x, f],
    compute: conv,
    magnitude: (a, b) => conv(tf.abs(a), tf.abs(b)),
    tolerance: 1e-5,
  };
}

/** FusedConv2D: a bias of every shape that broadcasts, every activation. */
function fusedConvCase(random: Random, i: number): Case {
  const g = geometry(random, i, true), s = convolutionShapes(random, g);
  const activation = ACTIVATIONS[Math.floor(i / PADS.length) % ACTIVATIONS.length];
  const biasShape = pick(random, [undefined, [s.cout], [1], [1, 1, 1, s.cout]]);
  const x = input(random, s.x), f = input(random, [s.kh, s.kw, s.x[3], s.cout], "float32", false);
  const extra = [
    ...(biasShape ? [input(random, biasShape)] : []),
    ...(activation === "prelu" ? [input(random, [s.cout], "float32", false)] : []),
  ];
  const fused =
    (act: typeof ACTIVATIONS[number]) => (a: tf.Tensor, b: tf.Tensor, ...rest: tf.Tensor[]) =>
      tf.fused.conv2d({
        x: a as tf.Tensor4D,
        filter: b as tf.Tensor4D,
        strides: g.strides,
        pad: g.pad,
        dilations: g.dilations,
        dimRoundingMode: g.dimRoundingMode,
        bias: biasShape ? rest[0] : undefined,
        activation: act,
        preluActivationWeights: act === "prelu" ? rest.at(-1) : undefined,
        leakyreluAlpha: 0.3,
      });
  return {
    what: `fused conv2d [${s.x}] * [${f.shape}] + bias [${biasShape ?? "none"}], ${activation}, ` +
      describeGeometry(g),
    inputs: [x, f, ...extra],
    compute: fused(activation),
    magnitude: (x, f, ...rest) =>
      tf.abs(fused("linear")(tf.abs(x), tf.abs(f), ...rest.map(tf.abs))),
    tolerance: 1e-5,
  };
}

/** The output shape of a convolution, or undefined where the geometry leaves none. */
function convolved(xShape: number[], filterShape: number[], g: Geometry): number[] | undefined {
  try {
    const info = tf.backend_util.computeConv2DInfo(
      xShape as [number, number, number, number],
      filterShape as [number, number, number, number],
      g.strides,
      1,
      g.pad,
      g.dimRoundingMode,
    );
    return info.outShape.every((d) => d >= 0) ? info.outShape : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A geometry and shapes whose forward convolution has an output (drawn again until one has): a
 * gradient's dy, or a transposed convolution's input, of any other shape is not one tfjs makes.
 */
function consistent(random: Random, i: number, noExplicit = false) {
  for (;;) {
    const g = geometry(random, i, false);
    if (noExplicit && typeof g.pad === "object") g.pad = "same";
    const s = convolutionShapes(random, g), filterShape = [s.kh, s.kw, s.x[3], s.cout];
    const y = convolved(s.x, filterShape, g);
    if (y) return { g, s, filterShape, y };
  }
}

/** The two convolution gradients, by tfjs's kernels (no dilations: tfjs has none there). */
function gradientCase(kernel: "Conv2DBackpropInput" | "Conv2DBackpropFilter") {
  return (random: Random, i: number): Case => {
    const { g, s, filterShape, y: dyShape } = consistent(random, i);
    const attrs: tf.NamedAttrMap = {
      strides: g.strides,
      pad: g.pad,
      dataFormat: "NHWC",
      ...(g.dimRoundingMode ? { dimRoundingMode: g.dimRoundingMode } : {}),
      ...(kernel === "Conv2DBackpropInput" ? { inputShape: s.x } : { filterShape }),
    };
    // The data gets NaN and ±Infinity: dy for the input gradient, x for the filter gradient.
    const toInput = kernel === "Conv2DBackpropInput";
    const first = toInput ? input(random, dyShape) : input(random, s.x);
    const second = toInput
      ? input(random, filterShape, "float32", false)
      : input(random, dyShape, "float32", false);
    const names = kernel === "Conv2DBackpropInput" ? ["dy", "filter"] : ["x", "dy"];
    const grad = (a: tf.Tensor, b: tf.Tensor) =>
      tf.engine().runKernel(kernel, { [names[0]]: a, [names[1]]: b }, attrs) as tf.Tensor;
    return {
      what: `${kernel} ${names[0]} [${first.shape}], ${names[1]} [${second.shape}], ${
        describeGeometry(g)
      }`,
      inputs: [first, second],
      compute: grad,
      magnitude: (a, b) => grad(tf.abs(a), tf.abs(b)),
      tolerance: 1e-5,
    };
  };
}

/** Transposed convolutions (Conv2DBackpropInput's forward use): a U-Net's up-sampling, and more. */
function transposedCase(random: Random, i: number): Case {
  // tfjs takes no explicit padding here.
  const { g: geo, s, filterShape, y: xShape } = consistent(random, i, true);
  const out = s.x, pad = geo.pad as "same" | "valid" | number;
  const transposed = (a: tf.Tensor, b: tf.Tensor) =>
    tf.conv2dTranspose(
      a as tf.Tensor4D,
      b as tf.Tensor4D,
      out as [number, number, number, number],
      geo.strides,
      pad,
      geo.dimRoundingMode,
    );
  return {
    what: `conv2dTranspose [${xShape}] * [${filterShape}] → [${out}], ${describeGeometry(geo)}`,
    inputs: [input(random, xShape), input(random, filterShape, "float32", false)],
    compute: transposed,
    magnitude: (a, b) => transposed(tf.abs(a), tf.abs(b)),
    tolerance: 1e-5,
  };
}

/** The cases of each kernel the native path registers: a name, the kernel, the draw. */
const FAMILIES: [string, string, (random: Random, i: number) => Case][] = [
  ["Add", "Add", arithmeticCase("add")],
  ["Sub", "Sub", arithmeticCase("sub")],
  ["Multiply", "Multiply", arithmeticCase("mul")],
  ["RealDiv", "RealDiv", arithmeticCase("div")],
  ["Sum", "Sum", reductionCase("sum")],
  ["Mean", "Mean", reductionCase("mean")],
  ["BatchMatMul", "BatchMatMul", matMulCase],
  ["_FusedMatMul", "_FusedMatMul", fusedMatMulCase],
  ["Conv2D", "Conv2D", convCase],
  ["FusedConv2D", "FusedConv2D", fusedConvCase],
  ["Conv2DBackpropInput", "Conv2DBackpropInput", gradientCase("Conv2DBackpropInput")],
  ["Conv2DBackpropFilter", "Conv2DBackpropFilter", gradientCase("Conv2DBackpropFilter")],
  ["conv2dTranspose", "Conv2DBackpropInput", transposedCase],
];

/** The families' names, for the test that runs each in a process of its own. */
export const FAMILY_NAMES = FAMILIES.map(([name]) => name);

// --- running and comparing ----------------------------------------------------------------------

/** Runs `f` on a backend with tensors of the inputs made there. */
async function outcome(
  backend: string,
  inputs: Input[],
  f: (...x: tf.Tensor[]) => tf.Tensor,
): Promise<Outcome> {
  await tf.setBackend(backend);
  if (Deno.env.get("DIFF_TRACE")) console.error("  on", backend);
  try {
    const result = tf.tidy(() => f(...inputs.map((x) => tf.tensor(x.values, x.shape, x.dtype))));
    if (Deno.env.get("DIFF_TRACE")) console.error("  computed", result.shape);
    const values = Array.from(await result.data());
    if (Deno.env.get("DIFF_TRACE")) console.error("  read");
    const { shape, dtype } = result;
    result.dispose();
    // The cpu backend makes an empty batch's convolution [0, -1, 13, 8] where the filter does
    // not fit: no result.
    if (shape.some((d) => d < 0)) return { error: `a shape of a negative size: [${shape}]` };
    return { values, shape, dtype };
  } catch (error) {
    return { error: (error as Error).message.split("\n")[0] };
  }
}

/** Where the wasm outcome differs from the answer, in words; undefined where it agrees. */
function difference(
  got: Outcome,
  want: Outcome,
  scale: number[],
  tolerance: number,
  sameError = false,
) {
  if ("error" in want) {
    return "error" in got && (got.error === want.error || !sameError)
      ? undefined
      : `the cpu backend throws "${want.error}"; wasm ${
        "error" in got ? `throws "${got.error}"` : "computes"
      }`;
  }
  if ("error" in got) return `wasm throws "${got.error}"`;
  if (!tf.util.arraysEqual(got.shape, want.shape)) {
    return `shape [${got.shape}], expected [${want.shape}]`;
  }
  if (got.dtype !== want.dtype) return `${got.dtype}, expected ${want.dtype}`;
  if (got.values.length !== want.values.length) {
    return `${got.values.length} values, expected ${want.values.length}`;
  }
  for (let i = 0; i < want.values.length; i++) {
    const [g, w] = [got.values[i], want.values[i]];
    const agree = Number.isNaN(w)
      ? Number.isNaN(g)
      : !Number.isFinite(w)
      ? g === w
      : Math.abs(g - w) <=
        tolerance * Math.max(Number.isFinite(scale[i]) ? scale[i] : 0, Math.abs(w)) +
          1e-30;
    if (!agree) return `value ${i} is ${g}, expected ${w}`;
  }
  return undefined;
}

/** Per kernel: the cases run, how many oneDNN computed, and the failures. */
interface Report {
  cases: number;
  native: number;
  failures: string[];
}

/** Runs a family's cases (or only case `only`) and compares each with the cpu backend. */
async function test(
  seed: number,
  count: number,
  name: string,
  kernel: string,
  draw: (random: Random, i: number) => Case,
  only?: number,
): Promise<Report> {
  const report: Report = { cases: 0, native: 0, failures: [] };
  const random = seededRandom(seed + FAMILY_NAMES.indexOf(name) * 7919);
  for (let i = 0; i < count; i++) {
    const c = draw(random, i);
    if (only !== undefined && i !== only) continue;
    if (only !== undefined) console.error(`case ${i}: ${c.what}`); // a replay says what it runs
    const before = nativeCalls().get(kernel) ?? 0;
    const got = await outcome("wasm", c.inputs, c.compute);
    if ((nativeCalls().get(kernel) ?? 0) > before) report.native++;
    const want = await outcome("cpu", c.inputs, c.reference ?? c.compute);
    const scale = c.magnitude && !("error" in want)
      ? await outcome("cpu", c.inputs, c.magnitude)
      : undefined;
    const why = difference(
      got,
      want,
      scale && "values" in scale ? scale.values : [],
      c.tolerance,
      c.sameError,
    );
    if (why) report.failures.push(`case ${i}: ${c.what}: ${why}`);
    report.cases++;
  }
  return report;
}

if (import.meta.main) {
  const [seedArg, countArg, family, caseArg] = Deno.args;
  const [seed, count] = [Number(seedArg), Number(countArg)];
  const choice = await init({ quiet: true });
  const chosen = FAMILIES.find(([name]) => name === family);
  if (!chosen) {
    throw new Error(`Cannot run the cases as '${family}' is not one of ${FAMILY_NAMES.join(", ")}`);
  }
  const report = await test(
    seed,
    count,
    ...chosen,
    caseArg === undefined ? undefined : Number(caseArg),
  );
  console.log(JSON.stringify({ line: backendLine(choice), ...report }));
  Deno.exit(0);
}
