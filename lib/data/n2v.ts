/**
 * Noise2Void's blind-spot masking (Krull, Buchholz and Jug, 2019): a few pixels of a noisy patch are
 * replaced by random neighbours, and the network learns to predict their original values from the
 * surroundings alone. Since pixel-independent noise cannot be predicted from the neighbours, the
 * network learns the signal.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type Random, seededRandom } from "../random.ts";

/** Options of {@linkcode n2vMask}. */
export interface N2VOptions {
  /** Fraction of pixels masked (default 0.002, i.e. 0.2%; at least one pixel). */
  fraction?: number;
  /** Neighbours are drawn from a (2·radius + 1)² window around the pixel, never the pixel itself (default 2). */
  radius?: number;
  random?: Random;
}

/**
 * Masks one patch [height, width]: returns the network's input (masked pixels replaced by a random
 * neighbour's value), the target (the original patch) and the mask (1 at masked pixels).
 *
 * @example
 * ```ts
 * import { n2vMask, seededRandom, tf } from "@course/lib";
 * const { input, target, mask } = n2vMask(tf.randomNormal([64, 64]), { random: seededRandom(0) });
 * // train with losses.maskedMse(target, model(input), mask)
 * ```
 */
export function n2vMask(
  patch: tf.Tensor2D,
  options: N2VOptions = {},
): { input: tf.Tensor2D; target: tf.Tensor2D; mask: tf.Tensor2D } {
  const [h, w] = patch.shape;
  const radius = options.radius ?? 2, random = options.random ?? seededRandom(0);
  const fraction = options.fraction ?? 0.002;
  if (!(fraction > 0 && fraction < 1) || radius < 1 || h * w < 2) {
    throw new Error(
      `Cannot mask for Noise2Void as 'fraction' must be in (0, 1), 'radius' ≥ 1 and the patch at least 2 pixels: ` +
        `current values are ${fraction}, ${radius} and ${h}×${w}`,
    );
  }
  const original = patch.dataSync();
  const input = Float32Array.from(original), mask = new Float32Array(h * w);
  const count = Math.max(1, Math.round(fraction * h * w));
  const chosen = new Set<number>();
  while (chosen.size < count) chosen.add(Math.floor(random() * h * w));
  for (const p of chosen) {
    const y = Math.floor(p / w), x = p % w;
    let ny: number, nx: number;
    do {
      ny = Math.min(h - 1, Math.max(0, y + Math.floor(random() * (2 * radius + 1)) - radius));
      nx = Math.min(w - 1, Math.max(0, x + Math.floor(random() * (2 * radius + 1)) - radius));
    } while (ny === y && nx === x);
    input[p] = original[ny * w + nx];
    mask[p] = 1;
  }
  return {
    input: tf.tensor2d(input, [h, w]),
    target: patch.clone(),
    mask: tf.tensor2d(mask, [h, w]),
  };
}
