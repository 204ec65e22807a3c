/**
 * Used by lessons 00 and 04–12; by the commands.
 *
 * Convolutions, matrix products and reductions of empty tensors (a batch of none, an axis of size
 * 0, a filter that does not fit a valid convolution's input) on the wasm backend: tfjs's own wasm
 * kernels write past an empty output (XNNPACK's convolution: the heap is corrupt from then on),
 * trap on a batch of none (`remainder by zero`), or read garbage (Sum). Here an empty result is
 * made without computing anything, and a result over nothing is zeros, as on the cpu backend.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import {
  type Backend,
  type FastPath,
  type Info,
  productSizes,
  withFastPath,
} from "./wasm_kernel.ts";
import { convInfo } from "./convolution_frame.ts";

const isEmpty = (t: Info) => tf.util.sizeFromShape(t.shape) === 0;

/** An output of `shape` that is empty, or zeros: a sum over no terms. */
function zeros(backend: Backend, shape: number[], dtype: tf.DataType): Info {
  const out = backend.makeOutput(shape, dtype);
  backend.typedArrayFromHeap(out).fill(0);
  return out;
}

/**
 * A fast path for a kernel whose result has the shape `outShape` computes from its arguments: an
 * empty result, made without computing; zeros where an input is empty but the result is not (a fused
 * kernel with a bias or an activation then runs its own kernel). Other cases go to the kernel.
 */
const whenEmpty = (
  inputs: string[],
  outShape: (args: Parameters<FastPath>[0]) => number[] | undefined,
  fused = false,
): FastPath =>
(args, backend) => {
  const given = inputs.map((name) => args.inputs[name]);
  const shape = outShape(args);
  if (!shape) return undefined;
  if (shape.some((d) => d < 0)) {
    throw new Error(
      `Cannot convolve as the filter [${args.inputs.filter.shape}] reaches past the padded ` +
        `input [${args.inputs.x.shape}]: the output's shape would be [${shape}]`,
    );
  }
  const dtype = given[0].dtype === "int32" ? "int32" : "float32";
  if (tf.util.sizeFromShape(shape) === 0) return backend.makeOutput(shape, dtype);
  const extras = args.inputs.bias || (args.attrs.activation ?? "linear") !== "linear";
  return given.some(isEmpty) && !(fused && extras) ? zeros(backend, shape, dtype) : undefined;
};

/** A forward convolution's output shape; `undefined` for one tfjs refuses (its error follows). */
function convolvedShape(args: Parameters<FastPath>[0]): number[] | undefined {
  const { x, filter } = args.inputs;
  try {
    return convInfo(x.shape, filter.shape, args.attrs as Parameters<typeof convInfo>[2]).outShape;
  } catch {
    return undefined;
  }
}

/** A matrix product's output shape; `undefined` where the operands do not fit (tfjs's error). */
function productShape(args: Parameters<FastPath>[0]): number[] | undefined {
  const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
  const p = productSizes(args.inputs.a, args.inputs.b, transposeA, transposeB);
  return p && [...p.batch, p.m, p.n];
}

/**
 * Sum and Mean of an empty tensor: zeros of the reduced shape (a mean of nothing is 0 on the cpu
 * backend, which divides each term before summing).
 */
const emptyReduction = (mean: boolean): FastPath => (args, backend) => {
  const { x } = args.inputs;
  if (!isEmpty(x)) return undefined;
  const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
  const axes = tf.util.parseAxisParam(axis, x.shape);
  const [outShape] = tf.backend_util.computeOutAndReduceShapes(x.shape, axes);
  const shape = keepDims ? tf.backend_util.expandShapeToKeepDim(outShape, axes) : outShape;
  return zeros(backend, shape, mean || x.dtype === "float32" ? "float32" : "int32");
};

/**
 * Puts the empty-tensor cases in front of the wasm backend's kernels (and of the course's own):
 * `registerWasmTrainingKernels()` calls it last, so that these come first.
 *
 * @example
 * ```ts
 * import { registerEmptyCases } from "./wasm_empty.ts";
 * registerEmptyCases(); // tf.conv2d of a batch of none now gives an empty batch on wasm
 * ```
 */
export function registerEmptyCases(): void {
  const cases: [string, FastPath][] = [
    ["Conv2D", whenEmpty(["x", "filter"], convolvedShape)],
    ["FusedConv2D", whenEmpty(["x", "filter"], convolvedShape, true)],
    [
      "Conv2DBackpropInput",
      whenEmpty(["dy", "filter"], (args) => args.attrs.inputShape as number[]),
    ],
    ["Conv2DBackpropFilter", whenEmpty(["x", "dy"], (args) => args.attrs.filterShape as number[])],
    ["BatchMatMul", whenEmpty(["a", "b"], productShape)],
    ["_FusedMatMul", whenEmpty(["a", "b"], productShape, true)],
    ["Sum", emptyReduction(false)],
    ["Mean", emptyReduction(true)],
  ];
  for (const [kernelName, fast] of cases) withFastPath(kernelName, fast);
}
