/**
 * Used by lessons 00 and 04–12; by the commands.
 *
 * Fast paths for tfjs's WebAssembly backend: kernels whose backend versions copy or loop far more
 * than they need to on a training step (tiling, transposed matrix products, leading-axis sums,
 * concatenation and its gradient, identity), each in front of the backend's own kernel for the
 * cases it does not cover; and the registration of these with the convolution gradients.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { registerConvolutionGradients } from "./wasm_convolution.ts";
import { registerEmptyCases } from "./wasm_empty.ts";
import { registerFusedParts } from "./wasm_fused.ts";
import {
  type Backend,
  type FastPath,
  free,
  type Info,
  leadingReduction,
  padded,
  productSizes,
  run,
  withFastPath,
} from "./wasm_kernel.ts";

let registered = false;
/**
 * Tile, fast when it only repeats the whole input (every repeated axis has size 1 in the input and
 * comes before the others), as in batch norm's gradient: [1, 1, 1, C] → [N, H, W, C]. The copies
 * double in size each time. Other cases go to the backend's own kernel.
 */
const tile: FastPath = (args, backend) => {
  const { x } = args.inputs;
  const reps = args.attrs.reps as number[];
  const lastRepeated = reps.findLastIndex((r) => r > 1);
  const wholeRepeats = reps.every((r, i) => r === 1 || x.shape[i] === 1) &&
    x.shape.slice(0, lastRepeated + 1).every((d) => d === 1);
  if (!wholeRepeats) return undefined;
  const out = backend.makeOutput(x.shape.map((d, i) => d * reps[i]), x.dtype);
  const source = backend.typedArrayFromHeap(x), target = backend.typedArrayFromHeap(out);
  target.set(source);
  for (let filled = source.length; filled < target.length; filled *= 2) {
    target.copyWithin(filled, 0, Math.min(filled, target.length - filled));
  }
  return out;
};

/**
 * The operands of a matrix product broadcast to their common batch shape where both sides
 * broadcast ([1, 4, 2, 3] × [4, 1, 3, 2]): tfjs's own kernels (wasm and cpu alike) then compute
 * only one product per entry of the larger batch, 16 values for a result of [4, 4, 2, 2].
 * `undefined` where the batches are equal or one side's is all ones; tfjs's error for batches that
 * do not broadcast.
 */
function broadcastBatches(
  backend: Backend,
  { a, b }: Record<string, Info>,
  { transposeA, transposeB }: { transposeA: boolean; transposeB: boolean },
): [Info, Info] | undefined {
  const p = productSizes(a, b, transposeA, transposeB);
  if (!p || ([1, p.batches].includes(p.sizeA) && [1, p.batches].includes(p.sizeB))) {
    return undefined;
  }
  const expand = (t: Info) => {
    const shape = padded(t.shape, p.batch.length + 2);
    const reshaped = run("Reshape", backend, { x: t }, { shape });
    const reps = shape.map((d, i) => i < p.batch.length ? p.batch[i] / d : 1);
    const tiled = run("Tile", backend, { x: reshaped }, { reps });
    free(backend, reshaped);
    return tiled;
  };
  return [expand(a), expand(b)];
}

/** Runs a kernel on inputs made for it, then frees them. */
function onMade(
  name: string,
  backend: Backend,
  made: Record<string, Info>,
  attrs: Record<string, unknown>,
): Info {
  const out = run(name, backend, made, attrs);
  free(backend, ...Object.values(made));
  return out;
}

/**
 * BatchMatMul: operands that both broadcast are broadcast first; int32 operands (which the
 * backend's kernel refuses) are multiplied as float32, exact for integers below 2²⁴; and with a
 * transposed operand the backend's kernel skips XNNPACK and runs a loop 20–70× slower, so the
 * operand is transposed first. Dense layers' gradients take that last path.
 */
const batchMatMul: FastPath = (args, backend, original) => {
  const { a, b } = args.inputs;
  const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
  const broadcast = broadcastBatches(backend, args.inputs, { transposeA, transposeB });
  if (broadcast) {
    return onMade("BatchMatMul", backend, { a: broadcast[0], b: broadcast[1] }, args.attrs);
  }
  if (a.dtype === "int32" && b.dtype === "int32") {
    const float = (x: Info) => run("Cast", backend, { x }, { dtype: "float32" });
    const product = onMade("BatchMatMul", backend, { a: float(a), b: float(b) }, args.attrs);
    return onMade("Cast", backend, { x: product }, { dtype: "int32" });
  }
  const single = a.shape.slice(0, -2).every((d) => d === 1) &&
    b.shape.slice(0, -2).every((d) => d === 1);
  if (!single || (!transposeA && !transposeB)) {
    return undefined;
  }
  const swap = (t: Info) => {
    const perm = t.shape.map((_, i) => i);
    [perm[perm.length - 2], perm[perm.length - 1]] = [
      perm[perm.length - 1],
      perm[perm.length - 2],
    ];
    return run("Transpose", backend, { x: t }, { perm });
  };
  const at = transposeA ? swap(a) : a, bt = transposeB ? swap(b) : b;
  const out = original(
    {
      inputs: { a: at, b: bt },
      backend,
      attrs: { ...args.attrs, transposeA: false, transposeB: false },
    } as unknown as Parameters<tf.KernelFunc>[0],
  ) as Info;
  free(backend, ...(transposeA ? [at] : []), ...(transposeB ? [bt] : []));
  return out;
};

/** Column sums of a row-major [rows, cols] matrix, eight rows at a time, in float64. */
function columnSums(values: Float32Array, cols: number): Float64Array {
  const sums = new Float64Array(cols), rows = values.length / cols;
  let r = 0;
  for (; r + 8 <= rows; r += 8) {
    for (let j = 0, k = r * cols; j < cols; j++, k++) {
      sums[j] += values[k] + values[k + cols] + values[k + 2 * cols] + values[k + 3 * cols] +
        values[k + 4 * cols] + values[k + 5 * cols] + values[k + 6 * cols] + values[k + 7 * cols];
    }
  }
  for (; r < rows; r++) for (let j = 0; j < cols; j++) sums[j] += values[r * cols + j];
  return sums;
}

/**
 * Sum and Mean over leading axes (a bias's or batch norm's gradient: [N, H, W, C] → [C]) in one
 * pass over the heap; the backend's kernels transpose the whole tensor first (2–4× slower). Other
 * cases go to them.
 */
const reduction = (mean: boolean): FastPath => (args, backend) => {
  const { x } = args.inputs;
  const r = leadingReduction(x, args.attrs);
  if (!r) return undefined;
  const out = backend.makeOutput(r.shape, "float32");
  const sums = columnSums(backend.typedArrayFromHeap(x) as Float32Array, r.cols);
  backend.typedArrayFromHeap(out).set(mean ? sums.map((v) => v / r.rows) : sums);
  return out;
};

/**
 * Identity, and a Cast to the same type, share the input's memory (as the cpu backend does)
 * instead of copying the whole tensor.
 */
const shared: FastPath = (args, backend) => {
  const { x } = args.inputs;
  const dtype = (args.attrs?.dtype as tf.DataType | undefined) ?? x.dtype;
  if (x.dtype === "string" || dtype !== x.dtype) {
    return undefined;
  }
  (backend as Backend & { incRef(dataId: object): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype };
};

/**
 * Copies `blocks` runs of `width` values from `from` (one every `fromStride`, starting at
 * `fromOffset`) to `to` (likewise): both concatenation and splitting along an axis are this.
 */
function copyBlocks(
  from: ArrayLike<number>,
  [fromOffset, fromStride]: [number, number],
  to: { [i: number]: number },
  [toOffset, toStride]: [number, number],
  width: number,
  blocks: number,
): void {
  for (let b = 0; b < blocks; b++) {
    const f = fromOffset + b * fromStride, t = toOffset + b * toStride;
    for (let k = 0; k < width; k++) to[t + k] = from[f + k];
  }
}

/** Sizes of the axes before `axis` and from `axis` on. */
function outerInner(shape: number[], axis: number): [number, number] {
  return [tf.util.sizeFromShape(shape.slice(0, axis)), tf.util.sizeFromShape(shape.slice(axis))];
}

/**
 * Concat along any axis in plain loops: the backend's kernel copies with a typed-array `set` per
 * run, slow for a U-Net's skip connections (runs of 16–32 channels).
 */
const concat: FastPath = (args, backend) => {
  const inputs = (args.inputs as unknown as Info[]).filter((t) =>
    tf.util.sizeFromShape(t.shape) > 0
  );
  if (inputs.length < 2 || inputs.some((t) => t.dtype !== "float32")) {
    return undefined;
  }
  const axis = tf.util.parseAxisParam(args.attrs.axis as number, inputs[0].shape)[0];
  const shape = tf.backend_util.computeOutShape(inputs.map((t) => t.shape), axis);
  const out = backend.makeOutput(shape, "float32");
  const target = backend.typedArrayFromHeap(out);
  const [outer, total] = outerInner(shape, axis);
  let offset = 0;
  for (const input of inputs) {
    const inner = outerInner(input.shape, axis)[1];
    copyBlocks(
      backend.typedArrayFromHeap(input),
      [0, inner],
      target,
      [offset, total],
      inner,
      outer,
    );
    offset += inner;
  }
  return out;
};

/** SplitV (Concat's gradient) in plain loops; the backend's kernel runs a generic Slice per part. */
const splitV: FastPath = (args, backend) => {
  const { x } = args.inputs;
  if (x.dtype !== "float32") {
    return undefined;
  }
  const axis = tf.util.parseAxisParam(args.attrs.axis as number, x.shape)[0];
  const sizes = tf.backend_util.prepareSplitSize(
    { shape: x.shape } as tf.Tensor,
    args.attrs.numOrSizeSplits as number[],
    axis,
  );
  const [outer, total] = outerInner(x.shape, axis);
  let offset = 0;
  return sizes.map((size) => {
    const shape = x.shape.map((d, i) => i === axis ? size : d);
    const out = backend.makeOutput(shape, "float32");
    const inner = outerInner(shape, axis)[1];
    // Views after each allocation: growing the heap detaches earlier ones.
    const source = backend.typedArrayFromHeap(x), target = backend.typedArrayFromHeap(out);
    copyBlocks(source, [offset, total], target, [0, inner], inner, outer);
    offset += inner;
    return out;
  });
};

/**
 * Puts the fast paths in front of the wasm backend's own kernels (once; later calls do nothing),
 * with the convolution gradients it lacks. `init()` calls it when it chooses wasm.
 *
 * @example
 * ```ts
 * import { registerWasmTrainingKernels } from "./wasm_fast_paths.ts";
 * registerWasmTrainingKernels(); // a CNN can now train on the wasm backend
 * ```
 */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;
  registerConvolutionGradients();
  const fastPaths: [string, FastPath][] = [
    ["Tile", tile],
    ["BatchMatMul", batchMatMul],
    ["Sum", reduction(false)],
    ["Mean", reduction(true)],
    ["Concat", concat],
    ["SplitV", splitV],
    ["Identity", shared],
    ["Cast", shared],
  ];
  for (const [kernelName, fast] of fastPaths) withFastPath(kernelName, fast);
  registerFusedParts();
  registerEmptyCases();
}
