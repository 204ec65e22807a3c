/**
 * Used by lessons 00 and 04–12; by the commands.
 *
 * What the course's wasm kernels share: tfjs's kernel arguments, running the backend's own kernels
 * on its heap, freeing intermediate results, and one wrapper that puts a fast path in front of a
 * backend kernel.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** A tensor on the wasm backend's heap. */
export type Info = tf.TensorInfo;
/** The wasm backend, with the heap access its kernels use. */
export type Backend = tf.KernelBackend & {
  disposeData(dataId: object): boolean;
  makeOutput(shape: number[], dtype: tf.DataType): Info;
  typedArrayFromHeap(info: Info): Float32Array | Int32Array | Uint8Array;
};

/** What tfjs passes a kernel function. */
export type KernelArgs = {
  inputs: Record<string, Info>;
  backend: unknown;
  attrs: Record<string, unknown>;
};

/** The wasm backend's own kernel of that name; the course's kernels are built on these. */
function wasmKernel(name: string): tf.KernelConfig {
  const kernel = tf.getKernel(name, "wasm");
  if (!kernel) {
    throw new Error(
      `Cannot build the wasm training kernels as '${name}' is missing in tfjs's wasm backend`,
    );
  }
  return kernel;
}

/** Runs another wasm kernel on TensorInfos, as tfjs's own composite kernels do. */
export function run(
  name: string,
  backend: Backend,
  inputs: Record<string, Info>,
  attrs: Record<string, unknown>,
): Info {
  return wasmKernel(name).kernelFunc(
    { inputs, backend, attrs } as unknown as Parameters<tf.KernelFunc>[0],
  ) as Info;
}

/**
 * A Sum or Mean over a tensor's leading axes ([N, H, W, C] → [C]: a bias's and batch norm's
 * gradients, batch norm's statistics) seen as the column sums of a [rows, cols] matrix: its sizes
 * and the output's shape; `undefined` for other axes and types, and for an empty tensor.
 *
 * @example
 * ```ts
 * import { leadingReduction } from "./wasm_kernel.ts";
 * const x = { dataId: {}, dtype: "float32" as const, shape: [8, 4, 4, 16] };
 * leadingReduction(x, { axis: [0, 1, 2], keepDims: false }); // { rows: 128, cols: 16, shape: [16] }
 * ```
 */
export function leadingReduction(
  x: Info,
  attrs: Record<string, unknown>,
): { rows: number; cols: number; shape: number[] } | undefined {
  const { axis, keepDims } = attrs as { axis: number | number[]; keepDims: boolean };
  const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
  const leading = axes.length < x.shape.length && axes.every((a, i) => a === i);
  if (!leading || x.dtype !== "float32" || tf.util.sizeFromShape(x.shape) === 0) return undefined;
  const kept = x.shape.slice(axes.length), cols = tf.util.sizeFromShape(kept);
  const rows = tf.util.sizeFromShape(x.shape) / cols;
  return { rows, cols, shape: keepDims ? [...axes.map(() => 1), ...kept] : kept };
}

/**
 * `shape` with leading 1s up to `rank` axes: how a shape lines up with a broadcast one.
 *
 * @example
 * ```ts
 * import { padded } from "./wasm_kernel.ts";
 * padded([64], 3); // [1, 1, 64]
 * ```
 */
export const padded = (shape: number[], rank: number): number[] => [
  ...Array(rank - shape.length).fill(1),
  ...shape,
];

/**
 * A matrix product's sizes: rows m, columns n, inner size k, the batch shape both operands
 * broadcast to and each operand's batch size (a side's is 1 or all of it unless both broadcast);
 * `undefined` where the inner sizes differ (the kernels' own error follows). Batches that do not
 * broadcast get tfjs's error.
 *
 * @example
 * ```ts
 * import { productSizes } from "./wasm_kernel.ts";
 * const t = (shape: number[]) => ({ dataId: {}, dtype: "float32" as const, shape });
 * productSizes(t([1, 4, 2, 3]), t([4, 1, 3, 2]), false, false);
 * // { m: 2, n: 2, k: 3, batch: [4, 4], batches: 16, sizeA: 4, sizeB: 4 }
 * ```
 */
export function productSizes(a: Info, b: Info, transposeA: boolean, transposeB: boolean) {
  const [ra, rb] = [a.shape.length, b.shape.length];
  const m = a.shape[ra - (transposeA ? 1 : 2)], k = a.shape[ra - (transposeA ? 2 : 1)];
  const n = b.shape[rb - (transposeB ? 2 : 1)];
  if (b.shape[rb - (transposeB ? 1 : 2)] !== k) return undefined;
  const batch = tf.backend_util.assertAndGetBroadcastShape(
    a.shape.slice(0, -2),
    b.shape.slice(0, -2),
  );
  const [sizeA, sizeB] = [a, b].map((t) => tf.util.sizeFromShape(t.shape.slice(0, -2)));
  return { m, n, k, batch, batches: tf.util.sizeFromShape(batch), sizeA, sizeB };
}

/** Frees intermediate results; never the kernel's inputs. */
export function free(backend: Backend, ...infos: Info[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/**
 * A fast path for some cases of a kernel: it returns the result, or `undefined` for a case it does
 * not cover, which then goes to the backend's own kernel (`original`).
 */
export type FastPath = (
  args: KernelArgs,
  backend: Backend,
  original: tf.KernelFunc,
) => Info | Info[] | undefined;

/**
 * Replaces a wasm kernel by its fast path, keeping the backend's own kernel for the other cases.
 *
 * @example
 * ```ts
 * import { withFastPath } from "./wasm_kernel.ts";
 * withFastPath("Identity", () => undefined); // every case still goes to the backend's kernel
 * ```
 */
export function withFastPath(kernelName: string, fast: FastPath): void {
  const kernel = wasmKernel(kernelName), original = kernel.kernelFunc;
  tf.unregisterKernel(kernelName, "wasm");
  tf.registerKernel({
    ...kernel, // its setupFunc too: the backend's own kernel still runs the other cases
    kernelFunc: ((args: KernelArgs) =>
      fast(args, args.backend as Backend, original) ??
        original(args as unknown as Parameters<tf.KernelFunc>[0])) as unknown as tf.KernelFunc,
  });
}
