/**
 * Used by lesson 11; by `deno task segment --instances`.
 *
 * StarDist's network (Schmidt et al., MICCAI 2018): a U-Net whose last features feed two heads at
 * every pixel, the object probability (a sigmoid) and the distances to the object's boundary
 * along the rays (linear, in pixels). tfjs models trained by `fit` have one output, so the two
 * heads are concatenated: channel 0 is the probability, channels 1…rays the distances, the layout
 * of `starDistTargets` and `losses.starDistLoss`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { unetFeatures, type UNetOptions } from "./blocks.ts";

/** Options of {@linkcode starDistNet}. */
export interface StarDistOptions extends Omit<UNetOptions, "outputChannels" | "finalActivation"> {
  /** Rays of the polygons (default 32). */
  rays?: number;
}

/**
 * A two-headed U-Net for StarDist: [batch, height, width, 1 + rays] with the object probability in
 * channel 0 and the distances after it. As StarDist, a 3×3 convolution follows the U-Net before
 * the heads.
 *
 * @example
 * ```ts
 * import { starDistNet } from "@course/lib";
 * const model = starDistNet({ inputShape: [null, null, 1], depth: 2, baseFilters: 8, rays: 16 });
 * model.outputs[0].shape; // [null, null, null, 17]
 * ```
 */
export function starDistNet(options: StarDistOptions): tf.LayersModel {
  const rays = options.rays ?? 32, seed = options.seed ?? 0;
  const input = tf.input({ shape: options.inputShape });
  const features = tf.layers.conv2d({
    filters: 2 * (options.baseFilters ?? 16),
    kernelSize: 3,
    padding: "same",
    activation: "relu",
    kernelInitializer: tf.initializers.heNormal({ seed: seed + 20_000 }),
  }).apply(unetFeatures(input, options)) as tf.SymbolicTensor;
  const head = (filters: number, activation: "sigmoid" | "linear", offset: number) =>
    tf.layers.conv2d({
      filters,
      kernelSize: 1,
      activation,
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + offset }),
    }).apply(features) as tf.SymbolicTensor;
  const output = tf.layers.concatenate().apply([
    head(1, "sigmoid", 20_001),
    head(rays, "linear", 20_002),
  ]) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: `stardist_rays${rays}` });
}
