/**
 * Used by lessons 09–11; by `deno task denoise` and `deno task segment`.
 *
 * Random patches from large images, with an option to centre some of them on the foreground of a
 * mask (so that sparse objects are seen often enough).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { seededRandom } from "./random.ts";
import { valuesOf } from "../backend/read.ts";
import { applyTransform, type AugmentOptions, randomTransform, type Transform } from "./augment.ts";

/** Options of {@linkcode samplePatches}. */
export interface PatchOptions {
  /** Patch side in pixels. */
  size: number;
  /** How many patches. */
  count: number;
  /** Seed (default 0): the same seed gives the same patches. */
  seed?: number;
  /** Fraction of patches centred on a random foreground pixel of the mask (default 0). */
  foreground?: number;
}

/**
 * Cuts `count` random square patches from an image [h, w] or [h, w, c] and, if given, the same
 * patches from its mask. Returns batches [count, size, size, c].
 *
 * @example
 * ```ts
 * import { samplePatches, tf } from "@course/lib";
 * const { images, masks } = await samplePatches(tf.zeros([512, 512]), tf.zeros([512, 512]), { size: 64, count: 16 });
 * ```
 */
export async function samplePatches(
  image: tf.Tensor,
  mask: tf.Tensor | null,
  options: PatchOptions,
): Promise<{ images: tf.Tensor4D; masks?: tf.Tensor4D; corners: [number, number][] }> {
  const [h, w] = image.shape, s = options.size;
  if (s > h || s > w) {
    throw new Error(
      `Cannot cut ${s}×${s} patches from an image of ${h}×${w}: choose a smaller size`,
    );
  }
  const random = seededRandom(options.seed ?? 0);
  const foreground: number[] = [];
  if (mask && options.foreground) {
    const m = await valuesOf(mask);
    for (let i = 0; i < h * w; i++) if (m[i] !== 0) foreground.push(i);
  }
  const clamp = (v: number, max: number) => Math.min(max, Math.max(0, v));
  const corners = Array.from({ length: options.count }, (): [number, number] => {
    if (foreground.length && random() < (options.foreground ?? 0)) {
      const p = foreground[Math.floor(random() * foreground.length)];
      return [clamp(Math.floor(p / w) - (s >> 1), h - s), clamp((p % w) - (s >> 1), w - s)];
    }
    return [Math.floor(random() * (h - s + 1)), Math.floor(random() * (w - s + 1))];
  });
  // Rows copied from the image's values: one tensor per patch would be slow for thousands.
  const cut = async (x: tf.Tensor) => {
    const channels = x.rank === 2 ? 1 : x.shape[2]!, row = s * channels;
    const values = Float32Array.from(await valuesOf(x)),
      out = new Float32Array(options.count * s * row);
    corners.forEach(([top, left], i) => {
      for (let y = 0; y < s; y++) {
        const from = ((top + y) * w + left) * channels;
        out.set(values.subarray(from, from + row), (i * s + y) * row);
      }
    });
    return tf.tensor4d(out, [options.count, s, s, channels]);
  };
  return { images: await cut(image), masks: mask ? await cut(mask) : undefined, corners };
}

/** Options of {@linkcode trainingPatches}. */
export interface TrainingPatchOptions extends PatchOptions {
  /** Random flips, quarter turns and shifts, the same for a patch and its target (default none). */
  augment?: AugmentOptions;
}

/**
 * A training set of patches from one large image and its target (a mask, or a clean image): random
 * patches as {@linkcode samplePatches}, each augmented by its own random transform, applied alike
 * to the input and the target. Returns `{ x, y }` [count, size, size, channels], ready for `fit`.
 *
 * @example
 * ```ts
 * import { tf, trainingPatches } from "@course/lib";
 * const { x, y } = await trainingPatches(tf.zeros([256, 256]), tf.zeros([256, 256]), {
 *   size: 64, count: 32, foreground: 0.5, augment: { flips: true, rotations: true },
 * }); // x, y: [32, 64, 64, 1]
 * ```
 */
export async function trainingPatches(
  image: tf.Tensor,
  target: tf.Tensor,
  options: TrainingPatchOptions,
): Promise<{ x: tf.Tensor4D; y: tf.Tensor4D }> {
  const { images, masks } = await samplePatches(image, target, options);
  if (!options.augment) return { x: images, y: masks! };
  const random = seededRandom((options.seed ?? 0) + 1), size = options.size;
  const transforms: Transform[] = Array.from(
    { length: options.count },
    () => randomTransform(size, size, options.augment!, random),
  );
  // Patches that share a transform (flips and turns make 8) are transformed together, as one
  // [size, size, k, channels] tensor: a few dozen tensor operations instead of thousands.
  const groups = new Map<string, number[]>();
  transforms.forEach((t, i) => {
    const key = JSON.stringify(t);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(i);
  });
  const order = [...groups.values()].flat();
  const inverse = new Int32Array(order.length);
  order.forEach((patch, position) => inverse[patch] = position);
  const transformed = (batch: tf.Tensor4D) =>
    tf.tidy(() => {
      const parts = [...groups.values()].map((indices) => {
        const together = tf.gather(batch, indices).transpose([1, 2, 0, 3]);
        return applyTransform(together, transforms[indices[0]]).transpose([2, 0, 1, 3]);
      });
      return tf.gather(tf.concat(parts), inverse) as tf.Tensor4D;
    });
  const pairs = { x: transformed(images), y: transformed(masks!) };
  tf.dispose([images, masks!]);
  return pairs;
}
