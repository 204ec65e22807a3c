/**
 * Used by lessons 00–12; by the commands.
 *
 * Reading tensors into plain numbers, asynchronously.
 *
 * On the WebGPU backend a tensor lives on the GPU, and under Deno a synchronous read
 * (`dataSync`, `arraySync`) of it fails: tfjs reads GPU buffers synchronously through a 2-D
 * canvas, which Deno lacks. So every function of the library that turns tensors into numbers,
 * pictures or tables reads them with `await t.data()` and is itself asynchronous; on the
 * WebAssembly and CPU backends the same code works unchanged.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** Plain numbers, or a tensor of them. */
export type Values = ArrayLike<number> | tf.Tensor;

/**
 * The values of a tensor, flat, read asynchronously; plain numbers are returned as they are. The
 * read holds its own reference to the tensor's data, so the caller may free the tensor at once
 * (on WebGPU, freeing a tensor while tfjs reads it would fail).
 *
 * @example
 * ```ts
 * import { tf } from "@course/lib";
import { valuesOf } from "./read.ts";
 * await valuesOf(tf.tensor2d([[1, 2], [3, 4]])); // Float32Array [1, 2, 3, 4]
 * await valuesOf([5, 6]); // [5, 6]
 * ```
 */
export async function valuesOf(values: Values): Promise<ArrayLike<number>> {
  if (!(values instanceof tf.Tensor)) return values;
  const own = tf.clone(values); // shares the data: no copy
  try {
    return await own.data();
  } finally {
    own.dispose();
  }
}

/**
 * The values of the tensor that `make` returns, flat, read asynchronously; every tensor `make`
 * creates is freed.
 *
 * @example
 * ```ts
 * import { read, tf } from "@course/lib";
 * const x = tf.tensor2d([[1, 5], [7, 2]]);
 * await read(() => x.argMax(1)); // Int32Array [1, 0]
 * ```
 */
export async function read(make: () => tf.Tensor): Promise<tf.TypedArray> {
  // The clone is ours to free even when `make` returns a tensor the caller keeps.
  const result = tf.tidy(() => make().clone());
  try {
    return await result.data() as tf.TypedArray;
  } finally {
    result.dispose();
  }
}

/**
 * The first value of the tensor that `make` returns, read asynchronously; every tensor `make`
 * creates is freed.
 *
 * @example
 * ```ts
 * import { numberOf, tf } from "@course/lib";
 * const x = tf.tensor([1, 2, 3]);
 * await numberOf(() => x.mean()); // 2
 * ```
 */
export async function numberOf(make: () => tf.Tensor): Promise<number> {
  return (await read(make))[0];
}
