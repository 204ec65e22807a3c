/**
 * Used by lessons 07 and 09–11; by `deno task denoise` and `deno task segment`.
 *
 * Augmentation that applies the same random transform to an image and its mask: flips, 90°
 * rotations, shifts and random crops, on tensors [height, width] or [height, width, channels].
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type Random, seededRandom } from "./random.ts";

/** One transform, chosen once and applied to every tensor of a pair. */
export interface Transform {
  /** Mirror left–right. */
  flipX: boolean;
  /** Mirror top–bottom. */
  flipY: boolean;
  /** Quarter turns counter-clockwise, 0–3. */
  quarterTurns: number;
  /** Shift in pixels (rows, columns); the uncovered border is filled with zeros. */
  shift: [number, number];
  /** Top-left corner and size of a crop, if any. */
  crop?: { top: number; left: number; height: number; width: number };
}

/** Options of {@linkcode randomTransform}. */
export interface AugmentOptions {
  /** Random mirror images along both axes (default true). */
  flips?: boolean;
  /** Random rotations by multiples of 90° (default true). */
  rotations?: boolean;
  /** Largest shift in pixels along each axis (default 0). */
  maxShift?: number;
  /** Size of a random crop, [height, width] (default none). */
  crop?: [number, number];
}

/**
 * Draws a random transform for an image of the given height and width.
 *
 * @example
 * ```ts
 * import { randomTransform, seededRandom } from "@course/lib";
 * const t = randomTransform(64, 64, { flips: true, rotations: true }, seededRandom(0));
 * ```
 */
export function randomTransform(
  height: number,
  width: number,
  options: AugmentOptions,
  random: Random,
): Transform {
  const shift = (max: number) => Math.round((2 * random() - 1) * max);
  const t: Transform = {
    flipX: options.flips ? random() < 0.5 : false,
    flipY: options.flips ? random() < 0.5 : false,
    quarterTurns: options.rotations && height === width ? Math.floor(random() * 4) : 0,
    shift: [shift(options.maxShift ?? 0), shift(options.maxShift ?? 0)],
  };
  if (options.crop) {
    const [h, w] = options.crop;
    if (h > height || w > width) {
      throw new Error(
        `Cannot crop ${h}×${w} from an image of ${height}×${width}: choose a crop no larger than the image`,
      );
    }
    t.crop = {
      top: Math.floor(random() * (height - h + 1)),
      left: Math.floor(random() * (width - w + 1)),
      height: h,
      width: w,
    };
  }
  return t;
}

/** Rotates a [h, w, …] tensor by k quarter turns counter-clockwise. */
function rotate(x: tf.Tensor, k: number): tf.Tensor {
  const rest = x.shape.slice(2).map((_, i) => i + 2);
  let y = x;
  for (let i = 0; i < k; i++) y = tf.reverse(tf.transpose(y, [1, 0, ...rest]), 0);
  return y;
}

/** Shifts a [h, w, …] tensor by (dy, dx) pixels, filling with zeros. */
function shiftBy(x: tf.Tensor, [dy, dx]: [number, number]): tf.Tensor {
  const [h, w] = x.shape;
  const padding: [number, number][] = x.shape.map(() => [0, 0]);
  padding[0] = [Math.max(dy, 0), Math.max(-dy, 0)];
  padding[1] = [Math.max(dx, 0), Math.max(-dx, 0)];
  const begin = x.shape.map(() => 0), size = x.shape.map(() => -1);
  begin[0] = Math.max(-dy, 0), begin[1] = Math.max(-dx, 0), size[0] = h, size[1] = w;
  return tf.slice(tf.pad(x, padding), begin, size);
}

/**
 * Applies a transform to one tensor [height, width] or [height, width, channels].
 *
 * @example
 * ```ts
 * import { applyTransform, tf } from "@course/lib";
 * applyTransform(tf.tensor2d([[1, 2], [3, 4]]), { flipX: true, flipY: false, quarterTurns: 0, shift: [0, 0] });
 * // [[2, 1], [4, 3]]
 * ```
 */
export function applyTransform(x: tf.Tensor, t: Transform): tf.Tensor {
  return tf.tidy(() => {
    let y = x;
    if (t.flipX) y = tf.reverse(y, 1);
    if (t.flipY) y = tf.reverse(y, 0);
    if (t.quarterTurns) y = rotate(y, t.quarterTurns);
    if (t.shift[0] || t.shift[1]) y = shiftBy(y, t.shift);
    if (t.crop) {
      const begin = y.shape.map(() => 0), size = y.shape.map(() => -1);
      begin[0] = t.crop.top,
        begin[1] = t.crop.left,
        size[0] = t.crop.height,
        size[1] = t.crop.width;
      y = tf.slice(y, begin, size);
    }
    return y === x ? x.clone() : y;
  });
}

/**
 * Augments an image and its mask with one random transform, so they stay aligned.
 *
 * @example
 * ```ts
 * import { augmentPair, seededRandom, tf } from "@course/lib";
 * const random = seededRandom(1);
 * const [image, mask] = augmentPair(tf.zeros([64, 64]), tf.zeros([64, 64]), { flips: true, rotations: true }, random);
 * ```
 */
export function augmentPair(
  image: tf.Tensor,
  mask: tf.Tensor,
  options: AugmentOptions,
  random: Random = seededRandom(0),
): [tf.Tensor, tf.Tensor] {
  if (image.shape[0] !== mask.shape[0] || image.shape[1] !== mask.shape[1]) {
    throw new Error(
      `Cannot augment as image and mask must have the same height and width: current shapes are ` +
        `[${image.shape.join(", ")}] and [${mask.shape.join(", ")}]`,
    );
  }
  const [h, w] = image.shape as number[];
  const t = randomTransform(h, w, options, random);
  return [applyTransform(image, t), applyTransform(mask, t)];
}
