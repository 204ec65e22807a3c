/**
 * Used by lesson 08; by `deno task train:base`.
 *
 * Networks the course ships trained, so that lessons reuse them instead of training for minutes.
 *
 * @module
 */
import { loadModel, type tf } from "@course/lib";
import { dataFile } from "./shipped.ts";

/** Fashion-MNIST classes the base network of lesson 08 was trained on, in its output order. */
export const FASHION_BASE_CLASSES = [0, 1, 2, 3, 4];

/**
 * The base network of lesson 08: the course's Fashion-MNIST CNN trained on the classes
 * T-shirt/top, trouser, pullover, dress and coat (all their training images), by
 * `datasets/train_fashion_base.ts`.
 *
 * @example
 * ```ts
 * import { loadFashionBase } from "@course/datasets";
 * const base = await loadFashionBase(); // 28×28×1 in, 5 probabilities out
 * ```
 */
export async function loadFashionBase(): Promise<tf.LayersModel> {
  return await loadModel(dataFile("fashion_base"));
}
