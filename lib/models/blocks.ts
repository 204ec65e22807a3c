/**
 * Used by lessons 06 and 08–11; by `deno task bench`, `deno task denoise`, `deno task segment` and
 * `deno task train:base`.
 *
 * Building blocks for convolutional networks on tfjs layers: convolution, down and up blocks, and
 * the U-Net of lessons 09–11 with its receptive field. Every layer's initial weights come from a
 * seed, so a model built twice with the same seed is the same model.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { dropout } from "./dropout.ts";

/**
 * Hands out seeds for the layers of one model: `next()` gives seed, seed + 1, … Pass the same
 * `Seeds` to the blocks of one model, so that their layers get different, reproducible weights.
 *
 * @example
 * ```ts
 * import { convBlock, tf } from "@course/lib";
 * import { Seeds } from "./blocks.ts";
 * const seeds = new Seeds(42);
 * const a = convBlock(tf.input({ shape: [8, 8, 1] }), { filters: 4, seeds });
 * const b = convBlock(a, { filters: 4, seeds }); // other seeds than a's layers
 * ```
 */
export class Seeds {
  /** Seeds that count on from `seed`. */
  constructor(private seed = 0) {}
  /** The next layer's seed. */
  next(): number {
    // tfjs takes a seed of 0 for no seed at all: the seeds handed out start at 1.
    return ++this.seed;
  }
}

/**
 * The next layer's kernel initialiser: He normal (for ReLU), seeded.
 *
 * @example
 * ```ts
 * import { heNormal, Seeds } from "./blocks.ts";
 * const init = heNormal(new Seeds(7)); // seeded with 8
 * ```
 */
export function heNormal(seeds: Seeds): ReturnType<typeof tf.initializers.heNormal> {
  return tf.initializers.heNormal({ seed: seeds.next() });
}

/** Options of {@linkcode convBlock}. */
export interface ConvBlockOptions {
  /** Filters of each convolution. */
  filters: number;
  /** Side of the square kernels (default 3). */
  kernelSize?: number;
  /** Batch normalisation after each convolution (default false). */
  batchNorm?: boolean;
  /** Dropout rate after the block (default 0: none). */
  dropout?: number;
  /** Activation after each convolution (default "relu"). */
  activation?: "relu" | "elu" | "tanh" | "sigmoid" | "linear";
  /** Seeds of the block's layers (default: a fresh sequence from 0). */
  seeds?: Seeds;
}

/**
 * Two convolutions ("same" padding) each followed by optional batch norm and an activation, then
 * optional dropout: the unit U-Net and VGG are made of.
 *
 * @example
 * ```ts
 * import { convBlock, tf } from "@course/lib";
 * const input = tf.input({ shape: [32, 32, 1] });
 * const features = convBlock(input, { filters: 16, batchNorm: true }); // [null, 32, 32, 16]
 * ```
 */
export function convBlock(x: tf.SymbolicTensor, options: ConvBlockOptions): tf.SymbolicTensor {
  if (!Number.isInteger(options.filters) || options.filters < 1) {
    throw new Error(
      `Cannot build a convolution block as 'filters' must be a whole number ≥ 1: current value is ${options.filters}`,
    );
  }
  const seeds = options.seeds ?? new Seeds();
  for (let i = 0; i < 2; i++) {
    x = tf.layers.conv2d({
      filters: options.filters,
      kernelSize: options.kernelSize ?? 3,
      padding: "same",
      useBias: !options.batchNorm, // batch norm's own shift makes a bias redundant
      kernelInitializer: heNormal(seeds),
    }).apply(x) as tf.SymbolicTensor;
    if (options.batchNorm) x = tf.layers.batchNormalization().apply(x) as tf.SymbolicTensor;
    x = tf.layers.activation({ activation: options.activation ?? "relu" }).apply(
      x,
    ) as tf.SymbolicTensor;
  }
  if (options.dropout) {
    x = dropout({ rate: options.dropout, seed: seeds.next() }).apply(x) as tf.SymbolicTensor;
  }
  return x;
}

/**
 * A convolution block, then 2×2 max pooling: returns the block's output (the skip connection) and
 * the pooled, half-size result.
 *
 * @example
 * ```ts
 * import { tf } from "@course/lib";
 * import { downBlock } from "./blocks.ts";
 * const { skip, down } = downBlock(tf.input({ shape: [32, 32, 1] }), { filters: 16 });
 * // skip: [null, 32, 32, 16], down: [null, 16, 16, 16]
 * ```
 */
export function downBlock(
  x: tf.SymbolicTensor,
  options: ConvBlockOptions,
): { skip: tf.SymbolicTensor; down: tf.SymbolicTensor } {
  const skip = convBlock(x, options);
  const down = tf.layers.maxPooling2d({ poolSize: 2 }).apply(skip) as tf.SymbolicTensor;
  return { skip, down };
}

/** How a U-Net's decoder doubles the image size. */
export type Upsampling = "transposed" | "nearest" | "bilinear";

/** Options of {@linkcode upBlock}. */
export interface UpBlockOptions extends ConvBlockOptions {
  /** A learned 2×2 transposed convolution (default), or fixed nearest/bilinear upsampling. */
  upsampling?: Upsampling;
}

/**
 * Doubles the size (up-convolution), concatenates the encoder's skip connection, then a
 * convolution block.
 *
 * @example
 * ```ts
 * import { tf } from "@course/lib";
 * import { downBlock, upBlock } from "./blocks.ts";
 * const { skip, down } = downBlock(tf.input({ shape: [32, 32, 1] }), { filters: 16 });
 * const up = upBlock(down, skip, { filters: 16 }); // [null, 32, 32, 16]
 * ```
 */
export function upBlock(
  x: tf.SymbolicTensor,
  skip: tf.SymbolicTensor,
  options: UpBlockOptions,
): tf.SymbolicTensor {
  const seeds = options.seeds ?? new Seeds();
  const up = (options.upsampling ?? "transposed") === "transposed"
    ? tf.layers.conv2dTranspose({
      filters: options.filters,
      kernelSize: 2,
      strides: 2,
      padding: "same",
      kernelInitializer: heNormal(seeds),
    })
    : tf.layers.upSampling2d({
      size: [2, 2],
      interpolation: options.upsampling as "nearest" | "bilinear",
    });
  const merged = tf.layers.concatenate().apply([
    up.apply(x) as tf.SymbolicTensor,
    skip,
  ]) as tf.SymbolicTensor;
  return convBlock(merged, { ...options, seeds });
}

/** Options of {@linkcode unet}. */
export interface UNetOptions {
  /** [height, width, channels]; height and width may be null for any size divisible by 2^depth. */
  inputShape: [number | null, number | null, number];
  /** Output channels (default 1). */
  outputChannels?: number;
  /** Number of poolings (default 3). */
  depth?: number;
  /** Filters of the first level, doubled at each level down (default 16). */
  baseFilters?: number;
  /** Batch normalisation after each convolution (default false). */
  batchNorm?: boolean;
  /** Dropout in the bottleneck (default 0). */
  dropout?: number;
  /** How the decoder doubles the resolution (default "transpose"). */
  upsampling?: Upsampling;
  /** Activation of the output (default "sigmoid", for a foreground probability). */
  finalActivation?: "sigmoid" | "softmax" | "linear";
  /** Seed of the initial weights (default 0). */
  seed?: number;
}

/**
 * A U-Net's body on `input`: an encoder of `depth` down blocks, a bottleneck, and a decoder of up
 * blocks joined to the encoder by skip connections, up to the last features at full resolution
 * (`baseFilters` channels), before any output layer. {@linkcode unet} adds one 1×1 convolution;
 * StarDist's network adds two heads.
 *
 * @example
 * ```ts
 * import { tf, unetFeatures } from "@course/lib";
 * const features = unetFeatures(tf.input({ shape: [64, 64, 1] }), { inputShape: [64, 64, 1], depth: 2, baseFilters: 8 });
 * features.shape; // [null, 64, 64, 8]
 * ```
 */
export function unetFeatures(input: tf.SymbolicTensor, options: UNetOptions): tf.SymbolicTensor {
  const depth = options.depth ?? 3, base = options.baseFilters ?? 16;
  const [h, w] = options.inputShape;
  for (const side of [h, w]) {
    if (side !== null && side % 2 ** depth !== 0) {
      throw new Error(
        `Cannot build a U-Net of depth ${depth} as the input's height and width must be divisible by ` +
          `${2 ** depth}: current shape is [${options.inputShape.join(", ")}]`,
      );
    }
  }
  const seeds = new Seeds(options.seed ?? 0);
  const block = (filters: number) => ({ filters, batchNorm: options.batchNorm, seeds });
  const skips: tf.SymbolicTensor[] = [];
  let x = input;
  for (let level = 0; level < depth; level++) {
    const { skip, down } = downBlock(x, block(base * 2 ** level));
    skips.push(skip);
    x = down;
  }
  x = convBlock(x, { ...block(base * 2 ** depth), dropout: options.dropout });
  for (let level = depth - 1; level >= 0; level--) {
    x = upBlock(x, skips[level], { ...block(base * 2 ** level), upsampling: options.upsampling });
  }
  return x;
}

/**
 * A U-Net (Ronneberger et al. 2015): {@linkcode unetFeatures} and a 1×1 convolution to the
 * outputs. Fully convolutional: it takes images of any size divisible by 2^depth.
 *
 * @example
 * ```ts
 * import { unet } from "@course/lib";
 * const model = unet({ inputShape: [null, null, 1], depth: 2, baseFilters: 8 });
 * ```
 */
export function unet(options: UNetOptions): tf.LayersModel {
  const input = tf.input({ shape: options.inputShape });
  const output = tf.layers.conv2d({
    filters: options.outputChannels ?? 1,
    kernelSize: 1,
    activation: options.finalActivation ?? "sigmoid",
    kernelInitializer: tf.initializers.glorotUniform({ seed: (options.seed ?? 0) + 10_000 }),
  }).apply(unetFeatures(input, options)) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: `unet_depth${options.depth ?? 3}` });
}

/**
 * The receptive field of {@linkcode unet}'s output pixels: `size`, the most input pixels along one
 * axis that one output pixel depends on, and `reach`, the farthest it looks to either side (a
 * tile's overlap must be at least this for tiled prediction to equal whole-image prediction).
 *
 * Follows one output pixel's window back through the layers: ±1 for each 3×3 convolution, `⌊i/2⌋`
 * through a 2×2 stride-2 up-convolution, `[2i, 2i + 1]` through a 2×2 pooling. The window depends on
 * where the pixel sits on the coarsest pooling grid, so all 2^depth positions are followed.
 *
 * @example
 * ```ts
 * import { unetReceptiveField } from "@course/lib";
 * unetReceptiveField(1); // { size: 18, reach: 9 }
 * unetReceptiveField(3); // { size: 100, reach: 51 }
 * ```
 */
export function unetReceptiveField(depth: number): { size: number; reach: number } {
  let size = 0, reach = 0;
  for (let p = 0; p < 2 ** depth; p++) {
    let [first, last] = [p, p];
    const twoConvolutions = () => [first, last] = [first - 2, last + 2];
    for (let level = 0; level < depth; level++) { // decoder, from the output down
      twoConvolutions();
      [first, last] = [Math.floor(first / 2), Math.floor(last / 2)];
    }
    twoConvolutions(); // bottleneck
    for (let level = 0; level < depth; level++) { // encoder, from the bottom up
      [first, last] = [2 * first, 2 * last + 1];
      twoConvolutions();
    }
    size = Math.max(size, last - first + 1);
    reach = Math.max(reach, p - first, last - p);
  }
  return { size, reach };
}
