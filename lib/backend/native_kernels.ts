/**
 * Used by lessons 00 and 04–12; by the commands.
 *
 * The wasm backend's heavy kernels run natively by oneDNN, in place on the backend's heap: forward
 * convolutions (with a bias), both convolution gradients (and so transposed convolutions), matrix
 * products (dense layers and their gradients), sums over a batch's leading axes, and element-wise
 * arithmetic on large tensors (batch norm's and the loss's gradients are made of these). Each sits
 * in front of the wasm kernel it replaces and takes only the cases it computes right; the wasm
 * kernel runs every other case, every case oneDNN failed on, and everything while the native path
 * is off.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import {
  type Backend,
  type FastPath,
  type Info,
  leadingReduction,
  padded,
  productSizes,
  withFastPath,
} from "./wasm_kernel.ts";
import { loadOneDnn, type OneDnn, sgemm } from "./onednn.ts";
import { built, computed } from "./native_cache.ts";
import { convolution, type ConvolutionShape, type Direction } from "./onednn_convolution.ts";
import { type Arithmetic, binary } from "./onednn_arithmetic.ts";
import { convInfo, exactPadding } from "./convolution_frame.ts";

/** The loaded library while the native path is on; `undefined` while it is off. */
let active: OneDnn | undefined;
/** Whether the kernels are registered (once per process). */
let registered = false;
/**
 * Element-wise results smaller than this stay on the wasm kernels: for an optimiser's few hundred
 * values, a native call costs more than it saves (and each shape would build a primitive).
 */
const SMALLEST = 4096;

/** Where a tensor lies on the wasm heap, for oneDNN; read after every allocation of the call. */
const address = (backend: Backend, info: Info) =>
  Deno.UnsafePointer.of(backend.typedArrayFromHeap(info) as Float32Array<ArrayBuffer>);

/** A convolution's case, in words: what its primitive depends on (the output's shape follows). */
function convolutionKey(direction: Direction, s: ConvolutionShape): string {
  return `${direction} x [${s.x}], filter [${s.filter}], strides ${s.strides}, dilations ` +
    `${s.dilations}, pad ${s.pad}${s.bias ? ", bias" : ""}`;
}

/** Runs a convolution natively into a new output; `undefined` where oneDNN refuses the case. */
function convolved(
  kernel: string,
  direction: Direction,
  shape: ConvolutionShape,
  backend: Backend,
  inputs: Info[],
  outShape: number[],
): Info | undefined {
  const dnnl = active!, key = convolutionKey(direction, shape);
  const conv = built(kernel, key, () => convolution(dnnl, direction, shape));
  return conv &&
    computed(
      kernel,
      key,
      backend,
      outShape,
      (out) => conv.run([...inputs, out].map((t) => address(backend, t))),
    );
}

/** Whether a bias is one value per output channel, over the last axis ([n], [1, …, 1, n]). */
const perChannel = (bias: Info, n: number) =>
  bias.dtype === "float32" && bias.shape.length > 0 &&
  bias.shape.every((d, i) => i === bias.shape.length - 1 ? d === n : d === 1);

/** tfjs's convolution attributes. */
type ConvAttrs = {
  strides: number | [number, number];
  pad: "same" | "valid" | number;
  dilations?: number | [number, number];
  dimRoundingMode?: "floor" | "round" | "ceil";
  dataFormat?: string;
};

/**
 * The geometry of a convolution from tfjs's shapes and attributes, and whether the stride leaves
 * input rows or columns that no window reaches.
 */
function geometry(
  xShape: number[],
  filterShape: number[],
  attrs: ConvAttrs,
  bias: boolean,
): ConvolutionShape & { leftOver: boolean } {
  const info = convInfo(xShape, filterShape, attrs);
  const exact = exactPadding(info), p = info.padInfo;
  return {
    x: xShape,
    filter: filterShape,
    y: info.outShape,
    strides: [info.strideHeight, info.strideWidth],
    dilations: [info.dilationHeight, info.dilationWidth],
    // oneDNN takes a padding only where it gives exactly the output's size: tfjs's own, with more
    // at the bottom and right where a rounding mode of "ceil" or "round" adds an output row. Never
    // less than tfjs's (rows never reached are left to oneDNN's own division to drop), so oneDNN
    // refuses what tfjs's shapes make inconsistent.
    pad: [exact[0], Math.max(exact[1], p.bottom), exact[2], Math.max(exact[3], p.right)],
    bias,
    leftOver: exact[1] < 0 || exact[3] < 0,
  };
}

/** Whether every tensor is float32 and not empty, in NHWC: the cases the native kernels take. */
function plain(attrs: { dataFormat?: string }, ...infos: Info[]): boolean {
  return (attrs.dataFormat ?? "NHWC") === "NHWC" &&
    infos.every((t) => t.dtype === "float32" && tf.util.sizeFromShape(t.shape) > 0);
}

/** Conv2D and FusedConv2D with at most a bias per channel (no activation): forward convolutions. */
const forward = (kernel: string): FastPath => (args, backend) => {
  const { x, filter, bias, preluActivationWeights } = args.inputs;
  const attrs = args.attrs as ConvAttrs & { activation?: string };
  if (
    !active || !plain(attrs, x, filter) || x.shape.length !== 4 || filter.shape.length !== 4 ||
    x.shape[3] !== filter.shape[2] || (bias && !perChannel(bias, filter.shape[3])) ||
    preluActivationWeights || (attrs.activation ?? "linear") !== "linear"
  ) return undefined;
  const shape = geometry(x.shape, filter.shape, attrs, bias !== undefined);
  if (shape.y.some((d) => d <= 0)) return undefined;
  return convolved(
    kernel,
    "forward",
    shape,
    backend,
    [x, filter, ...(bias ? [bias] : [])],
    shape.y,
  );
};

/**
 * The convolution gradients: Conv2DBackpropInput, (dy, filter) → dx, which is also every transposed
 * convolution's forward pass; and Conv2DBackpropFilter, (x, dy) → dFilter. The output's shape comes
 * as an attribute.
 */
const gradient =
  (kernel: string, direction: "backwardData" | "backwardWeights"): FastPath => (args, backend) => {
    const toInput = direction === "backwardData";
    const { x, dy, filter } = args.inputs;
    const [first, second] = toInput ? [dy, filter] : [x, dy];
    const attrs = args.attrs as ConvAttrs & { inputShape: number[]; filterShape: number[] };
    if (!active || !plain(attrs, first, second)) return undefined;
    const [xShape, filterShape] = toInput
      ? [attrs.inputShape, filter.shape]
      : [x.shape, attrs.filterShape];
    if (xShape[3] !== filterShape[2] || dy.shape[3] !== filterShape[3]) return undefined;
    const shape = geometry(xShape, filterShape, attrs, false);
    const outShape = toInput ? xShape : filterShape;
    // oneDNN 2.6.3's filter gradient writes past its memory (a segmentation fault, or a corrupt
    // heap later) where a stride leaves input rows no window reaches: x [1, 9, 7, 10], stride 3.
    const crashes = !toInput && shape.leftOver;
    if (!tf.util.arraysEqual(shape.y, dy.shape) || outShape.some((d) => d <= 0) || crashes) {
      return undefined;
    }
    return convolved(kernel, direction, shape, backend, [first, second], outShape);
  };

/**
 * A batched matrix product's sizes, for batches oneDNN's products run right: equal batch shapes,
 * or one side's batch all ones (a dense layer's weights). Batches that both broadcast go to the
 * wasm kernels; batches that do not broadcast get tfjs's own error.
 */
function productShape(a: Info, b: Info, transposeA: boolean, transposeB: boolean) {
  if (a.shape.length < 2 || b.shape.length < 2) return undefined;
  const p = productSizes(a, b, transposeA, transposeB);
  if (!p || ![1, p.batches].includes(p.sizeA) || ![1, p.batches].includes(p.sizeB)) {
    return undefined;
  }
  return { ...p, shape: [...p.batch, p.m, p.n] };
}

/**
 * BatchMatMul and _FusedMatMul (with a bias per output column, and a ReLU or no activation): one
 * oneDNN product per batch entry; a bias is written into the output first and added by the product.
 */
const matMul = (kernel: string): FastPath => (args, backend) => {
  const { a, b, bias, preluActivationWeights } = args.inputs;
  const { transposeA, transposeB, activation } = args.attrs as {
    transposeA: boolean;
    transposeB: boolean;
    activation?: string;
  };
  const p = productShape(a, b, transposeA, transposeB);
  const act = activation ?? "linear";
  if (
    !active || !p || !plain({}, a, b) || preluActivationWeights ||
    !["linear", "relu"].includes(act) || (bias && !perChannel(bias, p.n))
  ) return undefined;
  const dnnl = active;
  const key = `[${a.shape}]${transposeA ? "ᵀ" : ""} × [${b.shape}]${transposeB ? "ᵀ" : ""}`;
  return computed(kernel, key, backend, p.shape, (out) => {
    const c = backend.typedArrayFromHeap(out) as Float32Array;
    if (bias) {
      const row = backend.typedArrayFromHeap(bias);
      for (let r = 0; r < c.length; r += p.n) c.set(row, r);
    }
    const [pa, pb, pc] = [address(backend, a), address(backend, b), address(backend, out)];
    const g = { m: p.m, n: p.n, k: p.k, transposeA, transposeB, beta: bias ? 1 : 0 };
    for (let i = 0; i < p.batches; i++) {
      const at = (base: Deno.PointerValue, size: number, elements: number) =>
        size === 1 ? base : Deno.UnsafePointer.offset(base!, 4 * i * elements);
      sgemm(
        dnnl,
        g,
        at(pa, p.sizeA, p.m * p.k),
        at(pb, p.sizeB, p.k * p.n),
        at(pc, p.batches, p.m * p.n),
      );
    }
    if (act === "relu") { for (let i = 0; i < c.length; i++) if (c[i] < 0) c[i] = 0; }
  });
};

/**
 * Add, Sub, Multiply and RealDiv of float32 tensors where one operand has the result's shape and
 * the other broadcasts against it (a bias, a batch norm's per-channel scale, a scalar). oneDNN
 * reads its first operand at the result's shape and broadcasts only its second, so the first must
 * be the whole one: Add and Multiply swap their operands for that, Sub and RealDiv cannot. Where
 * both operands broadcast ([64, 1] + [1, 64]), the wasm kernel runs.
 */
const arithmetic = (kernel: string, kind: Arithmetic): FastPath => (args, backend) => {
  const { a, b } = args.inputs;
  if (!active || a.dtype !== "float32" || b.dtype !== "float32") return undefined;
  const shape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
  const whole = (t: Info) => tf.util.arraysEqual(padded(t.shape, shape.length), shape);
  const swap = !whole(a) && whole(b) && (kind === "add" || kind === "mul");
  const [first, second] = swap ? [b, a] : [a, b];
  if (tf.util.sizeFromShape(shape) < SMALLEST || shape.length > 6 || !whole(first)) {
    return undefined;
  }
  const other = padded(second.shape, shape.length), dnnl = active;
  const key = `${kind} [${shape}] and [${other}]`;
  const op = built(kernel, key, () => binary(dnnl, kind, shape, other));
  return op &&
    computed(
      kernel,
      key,
      backend,
      shape,
      (out) => op.run([first, second, out].map((t) => address(backend, t))),
    );
};

/** Ones, on the JavaScript heap: a row that sums a matrix's rows when multiplied with it. */
let ones = new Float32Array(0);

/**
 * Sum and Mean over leading axes (a bias's and batch norm's gradients, batch norm's statistics:
 * [N, H, W, C] → [C]) as one matrix product, ones[1, rows] · x[rows, C], on oneDNN's threads; a
 * mean scales it by 1 / rows. Other reductions go to the wasm kernels.
 */
const leadingSum = (kernel: string, mean: boolean): FastPath => (args, backend) => {
  const { x } = args.inputs;
  const r = leadingReduction(x, args.attrs);
  if (!active || !r || r.rows * r.cols < SMALLEST) return undefined;
  const dnnl = active, key = `[${x.shape}] → [${r.shape}]`;
  if (ones.length < r.rows) ones = new Float32Array(r.rows).fill(1);
  const g = { m: 1, n: r.cols, k: r.rows, transposeA: false, transposeB: false };
  return computed(kernel, key, backend, r.shape, (out) =>
    sgemm(
      dnnl,
      { ...g, alpha: mean ? 1 / r.rows : 1 },
      Deno.UnsafePointer.of(ones),
      address(backend, x),
      address(backend, out),
    ));
};

/** oneDNN once loaded, or why it could not be: a process loads it once. */
let loaded: OneDnn | Error | undefined;

/**
 * Turns the native kernels on (loading oneDNN with `threads` threads the first time) and returns
 * the library's name and the threads it runs on, or throws why they cannot run; `threads: 0` turns
 * them off. They sit in front of the wasm backend's kernels, so `init()` calls this after
 * registering the wasm training kernels.
 *
 * @example
 * ```ts
 * import { useNativeKernels } from "./native_kernels.ts";
 * useNativeKernels(2); // { name: "oneDNN 2.6.3", threads: 2 }: convolutions now run natively
 * useNativeKernels(0); // back to the wasm kernels
 * ```
 */
export function useNativeKernels(
  threads: number,
): { name: string; threads: number } | undefined {
  active = undefined;
  if (threads === 0) return undefined;
  if (!loaded) {
    try {
      loaded = loadOneDnn(threads);
    } catch (error) {
      loaded = error as Error;
    }
  }
  if (loaded instanceof Error) throw loaded;
  active = loaded;
  register();
  return { name: loaded.name, threads: loaded.threads };
}

/** Puts the native kernels in front of the wasm backend's, once per process. */
function register(): void {
  if (registered) return;
  registered = true;
  const kernels: [string, (kernel: string) => FastPath][] = [
    ["Conv2D", forward],
    ["FusedConv2D", forward],
    ["Conv2DBackpropInput", (k) => gradient(k, "backwardData")],
    ["Conv2DBackpropFilter", (k) => gradient(k, "backwardWeights")],
    ["BatchMatMul", matMul],
    ["_FusedMatMul", matMul],
    ["Add", (k) => arithmetic(k, "add")],
    ["Sub", (k) => arithmetic(k, "sub")],
    ["Multiply", (k) => arithmetic(k, "mul")],
    ["RealDiv", (k) => arithmetic(k, "div")],
    ["Sum", (k) => leadingSum(k, false)],
    ["Mean", (k) => leadingSum(k, true)],
  ];
  for (const [kernelName, make] of kernels) {
    const fast = make(kernelName);
    withFastPath(kernelName, (args, backend, original) => {
      const out = fast(args, backend, original);
      if (out) calls.set(kernelName, (calls.get(kernelName) ?? 0) + 1);
      return out;
    });
  }
}

/** How many calls of each kernel oneDNN computed. */
const calls = new Map<string, number>();

/**
 * How many calls of each kernel oneDNN has computed in this process (the rest ran on the wasm
 * kernels): what a test reads to know that a case reached the native path.
 *
 * @example
 * ```ts
 * import { nativeCalls } from "./native_kernels.ts";
 * nativeCalls().get("Conv2D") ?? 0; // e.g. 12 after a few training steps of a CNN
 * ```
 */
export function nativeCalls(): ReadonlyMap<string, number> {
  return calls;
}
