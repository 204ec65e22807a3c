/**
 * Random patches from large images, with an option to centre some of them on the foreground of a
 * mask (so that sparse objects are seen often enough).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { seededRandom } from "../random.ts";
import { applyTransform, type AugmentOptions, randomTransform } from "./augment.ts";

/** Options of {@linkcode samplePatches}. */
export interface PatchOptions {
  /** Patch side in pixels. */
  size: number;
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
 * const { images, masks } = samplePatches(tf.zeros([512, 512]), tf.zeros([512, 512]), { size: 64, count: 16 });
 * ```
 */
export function samplePatches(
  image: tf.Tensor,
  mask: tf.Tensor | null,
  options: PatchOptions,
): { images: tf.Tensor4D; masks?: tf.Tensor4D; corners: [number, number][] } {
  const [h, w] = image.shape, s = options.size;
  if (s > h || s > w) {
    throw new Error(
      `Cannot cut ${s}×${s} patches from an image of ${h}×${w}: choose a smaller size`,
    );
  }
  const random = seededRandom(options.seed ?? 0);
  const foreground: number[] = [];
  if (mask && options.foreground) {
    const m = mask.dataSync();
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
  const cut = (x: tf.Tensor) =>
    tf.tidy(() => {
      const x3 = x.rank === 2 ? x.expandDims(-1) : x;
      return tf.stack(
        corners.map(([top, left]) => tf.slice(x3, [top, left, 0], [s, s, -1])),
      ) as tf.Tensor4D;
    });
  return { images: cut(image), masks: mask ? cut(mask) : undefined, corners };
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
 * const { x, y } = trainingPatches(tf.zeros([256, 256]), tf.zeros([256, 256]), {
 *   size: 64, count: 32, foreground: 0.5, augment: { flips: true, rotations: true },
 * }); // x, y: [32, 64, 64, 1]
 * ```
 */
export function trainingPatches(
  image: tf.Tensor,
  target: tf.Tensor,
  options: TrainingPatchOptions,
): { x: tf.Tensor4D; y: tf.Tensor4D } {
  const { images, masks } = samplePatches(image, target, options);
  if (!options.augment) return { x: images, y: masks! };
  const random = seededRandom((options.seed ?? 0) + 1);
  const size = options.size, augment = options.augment;
  const pairs = tf.tidy(() => {
    const xs = tf.unstack(images), ys = tf.unstack(masks!);
    const out = xs.map((x, i) => {
      const t = randomTransform(size, size, augment, random);
      return [applyTransform(x, t), applyTransform(ys[i], t)];
    });
    return {
      x: tf.stack(out.map(([x]) => x)) as tf.Tensor4D,
      y: tf.stack(out.map(([, y]) => y)) as tf.Tensor4D,
    };
  });
  tf.dispose([images, masks!]);
  return pairs;
}
