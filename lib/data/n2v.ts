/**
 * Used by lesson 10; by `deno task denoise`.
 *
 * Noise2Void's blind-spot masking (Krull, Buchholz and Jug, 2019): a few pixels of a noisy patch are
 * replaced by random neighbours, and the network learns to predict their original values from the
 * surroundings alone. Since pixel-independent noise cannot be predicted from the neighbours, the
 * network learns the signal.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type Random, seededRandom } from "./random.ts";
import { valuesOf } from "../backend/read.ts";
import type { AugmentOptions } from "./augment.ts";
import { trainingPatches } from "./patches.ts";

/** Options of {@linkcode n2vMask}. */
export interface N2VOptions {
  /** Fraction of pixels masked (default 0.002, i.e. 0.2%; at least one pixel). */
  fraction?: number;
  /** Neighbours are drawn from a (2·radius + 1)² window around the pixel, never the pixel itself (default 2). */
  radius?: number;
  /** The random numbers that choose the masked pixels (default: seeded with 0). */
  random?: Random;
}

/**
 * Masks one patch held row by row in `values` (changed in place): chooses `fraction` of its pixels,
 * replaces each by a random neighbour's original value (never its own) and marks it in `mask`.
 */
function maskInPlace(
  values: Float32Array,
  mask: Float32Array,
  h: number,
  w: number,
  { fraction, radius, random }: { fraction: number; radius: number; random: Random },
): void {
  if (!(fraction > 0 && fraction < 1) || radius < 1 || h * w < 2) {
    throw new Error(
      `Cannot mask for Noise2Void as 'fraction' must be in (0, 1), 'radius' ≥ 1 and the patch at least 2 pixels: ` +
        `current values are ${fraction}, ${radius} and ${h}×${w}`,
    );
  }
  const original = values.slice();
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
    values[p] = original[ny * w + nx];
    mask[p] = 1;
  }
}

/**
 * Masks one patch [height, width]: returns the network's input (masked pixels replaced by a random
 * neighbour's value), the target (the original patch) and the mask (1 at masked pixels).
 *
 * @example
 * ```ts
 * import { n2vMask, seededRandom, tf } from "@course/lib";
 * const { input, target, mask } = await n2vMask(tf.randomNormal([64, 64]), { random: seededRandom(0) });
 * // train with losses.maskedMse(target, model(input), mask)
 * ```
 */
export async function n2vMask(
  patch: tf.Tensor2D,
  options: N2VOptions = {},
): Promise<{ input: tf.Tensor2D; target: tf.Tensor2D; mask: tf.Tensor2D }> {
  const [h, w] = patch.shape;
  const radius = options.radius ?? 2, random = options.random ?? seededRandom(0);
  const fraction = options.fraction ?? 0.002;
  const original = await valuesOf(patch);
  const input = Float32Array.from(original), mask = new Float32Array(h * w);
  maskInPlace(input, mask, h, w, { fraction, radius, random });
  return {
    input: tf.tensor2d(input, [h, w]),
    target: patch.clone(),
    mask: tf.tensor2d(mask, [h, w]),
  };
}

/** Options of {@linkcode n2vPatches}. */
export interface N2VPatchOptions extends Omit<N2VOptions, "random"> {
  /** Patch side in pixels. */
  size: number;
  /** How many patches. */
  count: number;
  /** Seed of the patches, their augmentation and their masks (default 0). */
  seed?: number;
  /** Random flips and rotations of the patches (default none). */
  augment?: AugmentOptions;
}

/**
 * Noise2Void's training set from one noisy image [height, width]: random augmented patches, each
 * blind-spot masked by {@linkcode n2vMask}. `x` holds the masked patches [count, size, size, 1],
 * `y` the original patch and the mask as two channels [count, size, size, 2], which
 * `n2vLoss` takes apart. No clean image is needed.
 *
 * @example
 * ```ts
 * import { fit, n2vLoss, n2vPatches, tf, unet } from "@course/lib";
 * const noisy = tf.randomNormal([128, 128]);
 * const data = await n2vPatches(noisy, { size: 32, count: 16, augment: { flips: true } });
 * const model = unet({ inputShape: [null, null, 1], depth: 2, baseFilters: 8, finalActivation: "linear" });
 * await fit(model, data, { loss: n2vLoss, epochs: 1 });
 * ```
 */
export async function n2vPatches(
  noisy: tf.Tensor,
  options: N2VPatchOptions,
): Promise<{ x: tf.Tensor4D; y: tf.Tensor4D }> {
  if (noisy.rank !== 2) {
    throw new Error(
      `Cannot make Noise2Void patches as the image must be 2-D [height, width]: current shape is [${
        noisy.shape.join(", ")
      }]`,
    );
  }
  const { x: patches } = await trainingPatches(noisy, noisy, options);
  const random = seededRandom((options.seed ?? 0) + 2), size = options.size;
  const fraction = options.fraction ?? 0.002, radius = options.radius ?? 2;
  // One pass over all patches' pixels in plain arrays: thousands of tiny tensors would be slow.
  const target = Float32Array.from(await valuesOf(patches)), input = target.slice();
  const mask = new Float32Array(target.length), area = size * size;
  for (let i = 0; i < options.count; i++) {
    const at = (a: Float32Array) => a.subarray(i * area, (i + 1) * area);
    maskInPlace(at(input), at(mask), size, size, { fraction, radius, random });
  }
  const shape: [number, number, number, number] = [options.count, size, size, 1];
  const pairs = tf.tidy(() => ({
    x: tf.tensor4d(input, shape),
    y: tf.concat([tf.tensor4d(target, shape), tf.tensor4d(mask, shape)], 3) as tf.Tensor4D,
  }));
  patches.dispose();
  return pairs;
}
