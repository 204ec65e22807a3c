/**
 * Used by lessons 00 and 04–12; by the commands.
 *
 * The wasm backend's heavy kernels run natively by oneDNN, in place on the backend's heap: forward
 * convolutions (with a bias), both convolution gradients (and so transposed convolutions), matrix
 * products (dense layers and their gradients), sums over a batch's leading axes, and element-wise
 * arithmetic on large tensors (batch norm's and the loss's gradients are made of these). Each sits
 * in front of the wasm kernel it replaces, which still runs any case oneDNN does not take, and
 * everything while the native path is off.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import {
  type Backend,
  type FastPath,
  type Info,
  leadingReduction,
  withFastPath,
} from "./wasm_kernel.ts";
import { loadOneDnn, type OneDnn, type Operation, sgemm } from "./onednn.ts";
import { convolution, type ConvolutionShape, type Direction } from "./onednn_convolution.ts";
import { type Arithmetic, binary } from "./onednn_arithmetic.ts";

/** The loaded library while the native path is on; `undefined` while it is off. */
let active: OneDnn | undefined;
/** Whether the kernels are registered (once per process). */
let registered = false;
/** Built operations by kind and shape; `null` for a case oneDNN refused (the wasm kernel runs it). */
const operations = new Map<string, Operation | null>();
/**
 * Element-wise results smaller than this stay on the wasm kernels: for an optimiser's few hundred
 * values, a native call costs more than it saves (and each shape would build a primitive).
 */
const SMALLEST = 4096;

/** Where a tensor lies on the wasm heap, for oneDNN; read after every allocation of the call. */
const address = (backend: Backend, info: Info) =>
  Deno.UnsafePointer.of(backend.typedArrayFromHeap(info) as Float32Array<ArrayBuffer>);

/** The operation for a key, built on first use; `null` where oneDNN refuses it. */
function built(key: string, build: () => Operation): Operation | null {
  if (!operations.has(key)) {
    let op: Operation | null = null;
    try {
      op = build();
    } catch {
      // a case oneDNN does not take: the wasm kernel runs it
    }
    operations.set(key, op);
  }
  return operations.get(key)!;
}

/** The convolution for a direction and shape. */
function builtConvolution(dnnl: OneDnn, direction: Direction, shape: ConvolutionShape) {
  return built(`${direction} ${JSON.stringify(shape)}`, () => convolution(dnnl, direction, shape));
}

/** tfjs's convolution attributes. */
type ConvAttrs = {
  strides: number | [number, number];
  pad: "same" | "valid" | number;
  dilations?: number | [number, number];
  dimRoundingMode?: "floor" | "round" | "ceil";
  dataFormat?: string;
};

/** The geometry of a convolution from tfjs's shapes and attributes. */
function geometry(
  xShape: number[],
  filterShape: number[],
  attrs: ConvAttrs,
  bias: boolean,
): ConvolutionShape {
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const p = info.padInfo;
  return {
    x: xShape,
    filter: filterShape,
    y: info.outShape,
    strides: [info.strideHeight, info.strideWidth],
    dilations: [info.dilationHeight, info.dilationWidth],
    pad: [p.top, p.bottom, p.left, p.right],
    bias,
  };
}

/** Whether every tensor is float32 and not empty, in NHWC: the cases the native kernels take. */
function plain(attrs: { dataFormat?: string }, ...infos: Info[]): boolean {
  return (attrs.dataFormat ?? "NHWC") === "NHWC" &&
    infos.every((t) => t.dtype === "float32" && tf.util.sizeFromShape(t.shape) > 0);
}

/** Conv2D and FusedConv2D with at most a bias (no activation): forward convolutions. */
const forward: FastPath = (args, backend) => {
  const { x, filter, bias, preluActivationWeights } = args.inputs;
  const attrs = args.attrs as ConvAttrs & { activation?: string };
  const biased = bias !== undefined && tf.util.sizeFromShape(bias.shape) === filter.shape[3];
  if (
    !active || !plain(attrs, x, filter) || (bias && !biased) || preluActivationWeights ||
    (attrs.activation ?? "linear") !== "linear"
  ) return undefined;
  const shape = geometry(x.shape, filter.shape, attrs, biased);
  const conv = builtConvolution(active, "forward", shape);
  if (!conv) return undefined;
  const out = backend.makeOutput(shape.y, "float32");
  conv.run([x, filter, ...(biased ? [bias] : []), out].map((t) => address(backend, t)));
  return out;
};

/**
 * The convolution gradients: Conv2DBackpropInput, (dy, filter) → dx, which is also every transposed
 * convolution's forward pass; and Conv2DBackpropFilter, (x, dy) → dFilter. The output's shape comes
 * as an attribute.
 */
const gradient = (direction: "backwardData" | "backwardWeights"): FastPath => (args, backend) => {
  const toInput = direction === "backwardData";
  const { x, dy, filter } = args.inputs;
  const [first, second] = toInput ? [dy, filter] : [x, dy];
  const attrs = args.attrs as ConvAttrs & { inputShape: number[]; filterShape: number[] };
  if (!active || !plain(attrs, first, second)) return undefined;
  const [xShape, filterShape] = toInput
    ? [attrs.inputShape, filter.shape]
    : [x.shape, attrs.filterShape];
  const shape = geometry(xShape, filterShape, attrs, false);
  const conv = tf.util.arraysEqual(shape.y, dy.shape) && builtConvolution(active, direction, shape);
  if (!conv) return undefined;
  const out = backend.makeOutput(toInput ? xShape : filterShape, "float32");
  conv.run([first, second, out].map((t) => address(backend, t)));
  return out;
};

/** A batched matrix product's sizes, when both batches are equal or one of them is 1. */
function productShape(a: Info, b: Info, transposeA: boolean, transposeB: boolean) {
  const [ra, rb] = [a.shape.length, b.shape.length];
  const m = a.shape[ra - (transposeA ? 1 : 2)], k = a.shape[ra - (transposeA ? 2 : 1)];
  const n = b.shape[rb - (transposeB ? 2 : 1)];
  const [batchA, batchB] = [a.shape.slice(0, -2), b.shape.slice(0, -2)];
  const [sizeA, sizeB] = [tf.util.sizeFromShape(batchA), tf.util.sizeFromShape(batchB)];
  if (sizeA !== sizeB && sizeA !== 1 && sizeB !== 1) return undefined;
  const batch = sizeA >= sizeB ? batchA : batchB;
  return { m, n, k, sizeA, sizeB, batches: Math.max(sizeA, sizeB), shape: [...batch, m, n] };
}

/**
 * BatchMatMul and _FusedMatMul (with a bias over the last axis, and a ReLU or no activation): one
 * oneDNN product per batch entry; a bias is written into the output first and added by the product.
 */
const matMul: FastPath = (args, backend) => {
  const { a, b, bias, preluActivationWeights } = args.inputs;
  const { transposeA, transposeB, activation } = args.attrs as {
    transposeA: boolean;
    transposeB: boolean;
    activation?: string;
  };
  const p = plain({}, a, b) && productShape(a, b, transposeA, transposeB);
  const act = activation ?? "linear";
  if (
    !active || !p || p.k === 0 || preluActivationWeights || !["linear", "relu"].includes(act) ||
    (bias && (bias.dtype !== "float32" || tf.util.sizeFromShape(bias.shape) !== p.n))
  ) return undefined;
  const out = backend.makeOutput(p.shape, "float32");
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
      active,
      g,
      at(pa, p.sizeA, p.m * p.k),
      at(pb, p.sizeB, p.k * p.n),
      at(pc, p.batches, p.m * p.n),
    );
  }
  if (act === "relu") { for (let i = 0; i < c.length; i++) if (c[i] < 0) c[i] = 0; }
  return out;
};

/** `shape` with leading 1s up to `rank` axes. */
const padded = (shape: number[], rank: number) => [...Array(rank - shape.length).fill(1), ...shape];

/**
 * Add, Sub, Multiply and RealDiv of float32 tensors where one operand has the result's shape and
 * the other broadcasts against it (a bias, a batch norm's per-channel scale, a scalar). oneDNN
 * broadcasts only its second operand, so Sub and RealDiv need the first to be the full one.
 */
const arithmetic = (kind: Arithmetic): FastPath => (args, backend) => {
  const { a, b } = args.inputs;
  if (!active || a.dtype !== "float32" || b.dtype !== "float32") return undefined;
  const shape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
  const size = tf.util.sizeFromShape(shape);
  const full = (t: Info) => tf.util.sizeFromShape(t.shape) === size;
  const swap = !full(a) && (kind === "add" || kind === "mul");
  if (size < SMALLEST || shape.length > 6 || !(full(a) || swap)) return undefined;
  const [first, second] = swap ? [b, a] : [a, b];
  const other = padded(second.shape, shape.length);
  const dnnl = active;
  const op = built(`${kind} ${shape} ${other}`, () => binary(dnnl, kind, shape, other));
  if (!op) return undefined;
  const out = backend.makeOutput(shape, "float32");
  op.run([first, second, out].map((t) => address(backend, t)));
  return out;
};

/** Ones, on the JavaScript heap: a row that sums a matrix's rows when multiplied with it. */
let ones = new Float32Array(0);

/**
 * Sum and Mean over leading axes (a bias's and batch norm's gradients, batch norm's statistics:
 * [N, H, W, C] → [C]) as one matrix product, ones[1, rows] · x[rows, C], on oneDNN's threads; a
 * mean scales it by 1 / rows. Other reductions go to the wasm kernels.
 */
const leadingSum = (mean: boolean): FastPath => (args, backend) => {
  const { x } = args.inputs;
  const r = leadingReduction(x, args.attrs);
  if (!active || !r || r.rows * r.cols < SMALLEST) return undefined;
  if (ones.length < r.rows) ones = new Float32Array(r.rows).fill(1);
  const out = backend.makeOutput(r.shape, "float32");
  const g = { m: 1, n: r.cols, k: r.rows, transposeA: false, transposeB: false };
  sgemm(
    active,
    { ...g, alpha: mean ? 1 / r.rows : 1 },
    Deno.UnsafePointer.of(ones),
    address(backend, x),
    address(backend, out),
  );
  return out;
};

/** oneDNN once loaded, or why it could not be: a process loads it once. */
let loaded: OneDnn | Error | undefined;

/**
 * Turns the native kernels on (loading oneDNN with `threads` threads the first time) and returns
 * the library's name, or throws why they cannot run; `threads: 0` turns them off. They sit in front
 * of the wasm backend's kernels, so `init()` calls this after registering the wasm training kernels.
 *
 * @example
 * ```ts
 * import { useNativeKernels } from "./native_kernels.ts";
 * useNativeKernels(2); // "oneDNN 2.6.3": convolutions and matrix products now run natively
 * useNativeKernels(0); // back to the wasm kernels
 * ```
 */
export function useNativeKernels(threads: number): string | undefined {
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
  return loaded.name;
}

/** Puts the native kernels in front of the wasm backend's, once per process. */
function register(): void {
  if (registered) return;
  registered = true;
  const kernels: [string, FastPath][] = [
    ["Conv2D", forward],
    ["FusedConv2D", forward],
    ["Conv2DBackpropInput", gradient("backwardData")],
    ["Conv2DBackpropFilter", gradient("backwardWeights")],
    ["BatchMatMul", matMul],
    ["_FusedMatMul", matMul],
    ["Add", arithmetic("add")],
    ["Sub", arithmetic("sub")],
    ["Multiply", arithmetic("mul")],
    ["RealDiv", arithmetic("div")],
    ["Sum", leadingSum(false)],
    ["Mean", leadingSum(true)],
  ];
  for (const [kernelName, fast] of kernels) withFastPath(kernelName, fast);
}
