/**
 * Used by lesson 11; by `deno task segment --instances`.
 *
 * Training patches for StarDist. Its targets are computed on the whole label image, not on each
 * patch: an object cut by a patch's edge keeps its true distances, which is what the network must
 * predict on a whole image. Flips and quarter turns turn the rays too, so each of the eight is
 * applied to the whole image and its labels, and the targets are computed on each version.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type PatchOptions, samplePatches } from "../data/patches.ts";
import { starDistTargets } from "./star_convex.ts";

/** Options of {@linkcode starDistPatches}. */
export interface StarDistPatchOptions extends PatchOptions {
  /** Rays of the polygons (default 32). */
  rays?: number;
  /** Use the eight flips and quarter turns of the image (default true); else the image as it is. */
  augment?: boolean;
}

/** The eight flips and quarter turns of a [height, width] image. */
function dihedral(image: tf.Tensor2D): tf.Tensor2D[] {
  return tf.tidy(() => {
    const versions: tf.Tensor2D[] = [];
    for (const start of [image, image.reverse(1)]) {
      let turned = start.clone(); // never the caller's own tensor, which is freed after use
      for (let turn = 0; turn < 4; turn++) {
        versions.push(turned);
        turned = turned.transpose().reverse(1) as tf.Tensor2D; // a quarter turn clockwise
      }
    }
    return versions;
  });
}

/**
 * `count` StarDist training patches of an image [height, width] and its instance labels: `x`
 * [count, size, size, 1] and `y` [count, size, size, 1 + rays] (`starDistTargets`' layout), cut
 * from the image's eight flips and quarter turns in equal shares, a `foreground` fraction of them
 * centred on an object.
 *
 * @example
 * ```ts
 * import { starDistPatches, tf } from "@course/lib";
 * const labels = tf.tensor2d(Array.from({ length: 64 * 64 }, (_, i) => (i % 64 > 30 ? 1 : 0)), [64, 64], "int32");
 * const { x, y } = await starDistPatches(tf.randomUniform([64, 64]) as tf.Tensor2D, labels, { size: 32, count: 16, rays: 8 });
 * [x.shape, y.shape]; // [[16, 32, 32, 1], [16, 32, 32, 9]]
 * ```
 */
export async function starDistPatches(
  image: tf.Tensor2D,
  labels: tf.Tensor2D,
  options: StarDistPatchOptions,
): Promise<{ x: tf.Tensor4D; y: tf.Tensor4D }> {
  if (image.rank !== 2 || image.shape.join() !== labels.shape.join()) {
    throw new Error(
      `Cannot cut StarDist's patches as the image and its labels must be [height, width] alike: ` +
        `current shapes are [${image.shape.join(", ")}] and [${labels.shape.join(", ")}]`,
    );
  }
  const images = options.augment === false ? [image.clone()] : dihedral(image);
  const labelled = options.augment === false ? [labels.clone()] : dihedral(labels);
  const xs: tf.Tensor4D[] = [], ys: tf.Tensor4D[] = [];
  for (let k = 0; k < images.length; k++) {
    const count = Math.floor(((k + 1) * options.count) / images.length) -
      Math.floor((k * options.count) / images.length);
    if (count === 0) continue;
    const targets = await starDistTargets(labelled[k], options.rays);
    // The same seed and the same mask: the same corners in the image and in its targets.
    const share = { ...options, count, seed: (options.seed ?? 0) + k };
    xs.push((await samplePatches(images[k], labelled[k], share)).images);
    ys.push((await samplePatches(targets, labelled[k], share)).images);
    targets.dispose();
  }
  tf.dispose([...images, ...labelled]);
  const pair = { x: tf.concat(xs) as tf.Tensor4D, y: tf.concat(ys) as tf.Tensor4D };
  tf.dispose([...xs, ...ys]);
  return pair;
}
