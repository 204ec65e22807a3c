/**
 * Used by lessons 06, 07 and 09–11; by `deno task denoise` and `deno task segment`.
 *
 * Normalisation: mean and standard deviation, and percentiles (robust to the bright outliers of
 * microscopy images). The statistics are read from the tensor, so these are asynchronous.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { numberOf, valuesOf } from "../backend/read.ts";

/**
 * (x − mean) / std, with the mean and standard deviation of `x` unless given (pass the training
 * set's to normalise validation and test data the same way).
 *
 * @example
 * ```ts
 * import { standardise, tf } from "@course/lib";
 * const { x, mean, std } = await standardise(tf.tensor([1, 2, 3]));
 * await standardise(tf.tensor([4]), { mean, std }); // the same transform
 * ```
 */
export async function standardise(
  x: tf.Tensor,
  stats: { mean?: number; std?: number } = {},
): Promise<{ x: tf.Tensor; mean: number; std: number }> {
  const mean = stats.mean ?? await numberOf(() => x.mean());
  const std = stats.std ?? await numberOf(() => tf.sqrt(x.sub(mean).square().mean()));
  return { x: tf.tidy(() => x.sub(mean).div(std || 1)), mean, std };
}

/**
 * The value below which `p` percent of the values lie (linear interpolation, as NumPy's default).
 *
 * @example
 * ```ts
 * import { percentile } from "@course/lib";
 * percentile([1, 2, 3, 4], 50); // 2.5
 * ```
 */
export function percentile(values: ArrayLike<number>, p: number): number {
  const sorted = Float64Array.from(values).sort();
  const rank = (p / 100) * (sorted.length - 1), lo = Math.floor(rank), hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

/**
 * Percentile normalisation (as CSBDeep/CARE): maps the `low` percentile to 0 and the `high`
 * percentile to 1, so a few very bright pixels do not squash the rest.
 *
 * @example
 * ```ts
 * import { percentileNormalise, tf } from "@course/lib";
 * await percentileNormalise(tf.tensor([0, 1, 2, 100]), { low: 0, high: 75 }); // [0, 0.038, 0.075, 3.77]
 * ```
 */
export async function percentileNormalise(
  x: tf.Tensor,
  options: { low?: number; high?: number } = {},
): Promise<tf.Tensor> {
  const values = await valuesOf(x);
  const lo = percentile(values, options.low ?? 1), hi = percentile(values, options.high ?? 99.8);
  return tf.tidy(() => x.sub(lo).div(hi - lo || 1));
}
