/**
 * Used by lessons 06 and 08; by `deno task bench` and `deno task train:base`.
 *
 * Classifiers built from the blocks: a LeNet-style CNN, a residual block, and the Fashion-MNIST CNN
 * of lessons 06–08. Every layer's initial weights come from a seed, so a model built twice with the
 * same seed is the same model.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { heNormal, Seeds } from "./blocks.ts";
import { dropout } from "./dropout.ts";

/** Options of {@linkcode lenet}. */
export interface LeNetOptions {
  /** Default [28, 28, 1] (MNIST, Fashion-MNIST). */
  inputShape?: [number, number, number];
  /** Number of classes (default 10). */
  classes?: number;
  /** Filters of the convolution + pooling stages (default [6, 16], as LeNet-5). */
  filters?: number[];
  /** Units of the hidden dense layers (default [120, 84]). */
  dense?: number[];
  /** Activation of the hidden layers (default "relu"). */
  activation?: "relu" | "tanh";
  /** Batch normalisation after each convolution (default false). */
  batchNorm?: boolean;
  /** Dropout before each hidden dense layer (default 0). */
  dropout?: number;
  /** Seed of the first layer's initialisation; the next layers count on from it (default 0). */
  seed?: number;
}

/**
 * A LeNet-style CNN: 5×5 convolutions each followed by 2×2 max pooling, then dense layers and a
 * softmax over the classes. As in LeNet-5, the first convolution keeps the image size ("same") and
 * later ones do not ("valid"), unless the image has become smaller than the kernel. With the
 * defaults it has LeNet-5's 61,706 parameters.
 *
 * @example
 * ```ts
 * import { lenet } from "@course/lib";
 * const model = lenet({ classes: 10 }); // 28×28×1 in, 10 probabilities out
 * ```
 */
export function lenet(options: LeNetOptions = {}): tf.LayersModel {
  const seeds = new Seeds(options.seed ?? 0);
  const activation = options.activation ?? "relu";
  const layers: tf.layers.Layer[] = [];
  const inputShape = options.inputShape ?? [28, 28, 1];
  let side = Math.min(inputShape[0], inputShape[1]);
  (options.filters ?? [6, 16]).forEach((filters, i) => {
    const padding = i === 0 || side < 5 ? "same" : "valid";
    side = Math.floor((padding === "same" ? side : side - 4) / 2);
    layers.push(tf.layers.conv2d({
      ...(i === 0 ? { inputShape } : {}),
      filters,
      kernelSize: 5,
      padding,
      activation: options.batchNorm ? "linear" : activation,
      kernelInitializer: heNormal(seeds),
    }));
    if (options.batchNorm) {
      layers.push(tf.layers.batchNormalization(), tf.layers.activation({ activation }));
    }
    layers.push(tf.layers.maxPooling2d({ poolSize: 2 }));
  });
  layers.push(tf.layers.flatten());
  for (const units of options.dense ?? [120, 84]) {
    if (options.dropout) layers.push(dropout({ rate: options.dropout, seed: seeds.next() }));
    layers.push(tf.layers.dense({ units, activation, kernelInitializer: heNormal(seeds) }));
  }
  layers.push(tf.layers.dense({
    units: options.classes ?? 10,
    activation: "softmax",
    kernelInitializer: tf.initializers.glorotUniform({ seed: (options.seed ?? 0) + 10_000 }),
  }));
  return tf.sequential({ layers, name: "lenet" });
}

/**
 * A residual block (He et al. 2016): two 3×3 convolutions with batch norm, added to the input
 * (through a 1×1 convolution when the number of channels changes), then ReLU.
 *
 * @example
 * ```ts
 * import { residualBlock, tf } from "@course/lib";
 * const y = residualBlock(tf.input({ shape: [16, 16, 8] }), { filters: 16 }); // [null, 16, 16, 16]
 * ```
 */
export function residualBlock(
  x: tf.SymbolicTensor,
  options: { filters: number; seeds?: Seeds },
): tf.SymbolicTensor {
  const seeds = options.seeds ?? new Seeds();
  const conv = (input: tf.SymbolicTensor, kernelSize: number) =>
    tf.layers.conv2d({
      filters: options.filters,
      kernelSize,
      padding: "same",
      useBias: false,
      kernelInitializer: heNormal(seeds),
    }).apply(input) as tf.SymbolicTensor;
  const bn = (input: tf.SymbolicTensor) =>
    tf.layers.batchNormalization().apply(input) as tf.SymbolicTensor;
  const relu = (input: tf.SymbolicTensor) =>
    tf.layers.activation({ activation: "relu" }).apply(input) as tf.SymbolicTensor;
  const branch = bn(conv(relu(bn(conv(x, 3))), 3));
  const shortcut = x.shape.at(-1) === options.filters ? x : bn(conv(x, 1));
  return relu(tf.layers.add().apply([branch, shortcut]) as tf.SymbolicTensor);
}

/** Options of {@linkcode fashionCnn}. */
export interface FashionCnnOptions {
  /** Seed of the initial weights (default 0). */
  seed?: number;
  /** End with logits (no softmax), for a loss that applies the softmax itself. Default false. */
  logits?: boolean;
  /** Number of classes (default 10). */
  classes?: number;
}

/**
 * The course's Fashion-MNIST CNN: conv 32 (3×3), 2×2 pool, conv 64 (3×3), 2×2 pool, dense 128,
 * dense 10 — the architecture the benchmarks compare with PyTorch.
 *
 * @example
 * ```ts
 * import { fashionCnn } from "@course/lib";
 * const model = fashionCnn({ seed: 1 }); // 28×28×1 in, 10 probabilities out
 * ```
 */
export function fashionCnn(options: FashionCnnOptions = {}): tf.LayersModel {
  const seeds = new Seeds(options.seed ?? 0);
  return tf.sequential({
    name: "fashion_cnn",
    layers: [
      tf.layers.conv2d({
        inputShape: [28, 28, 1],
        filters: 32,
        kernelSize: 3,
        activation: "relu",
        kernelInitializer: heNormal(seeds),
      }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({
        filters: 64,
        kernelSize: 3,
        activation: "relu",
        kernelInitializer: heNormal(seeds),
      }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 128, activation: "relu", kernelInitializer: heNormal(seeds) }),
      tf.layers.dense({
        units: options.classes ?? 10,
        activation: options.logits ? "linear" : "softmax",
        kernelInitializer: heNormal(seeds),
      }),
    ],
  });
}
