/**
 * Used by lessons 02–12; by `deno task denoise`, `deno task segment` and `deno task train:base`.
 *
 * Losses on tensors for training with tfjs, `(yTrue, yPred) → scalar` as in Keras. Imported as the
 * `losses` namespace: `losses.mse(t, y)`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** A loss: the mean over the batch, as a scalar tensor. */
export type LossFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar;

/** The losses `fit` knows by name, as `optimizer()` knows optimizers. */
export const LOSSES: Readonly<Record<LossName, LossFn>> = {
  mse: (t, y) => mse(t, y),
  mae: (t, y) => mae(t, y),
  binaryCrossEntropy: (t, y) => binaryCrossEntropy(t, y),
  categoricalCrossEntropy: (t, y) => categoricalCrossEntropy(t, y),
  softDice: (t, y) => softDice(t, y),
};

/** The name of one of {@linkcode LOSSES}. */
export type LossName =
  | "mse"
  | "mae"
  | "binaryCrossEntropy"
  | "categoricalCrossEntropy"
  | "softDice";

/** Options of the cross-entropies. */
export interface CrossEntropyOptions {
  /** `yPred` holds logits (before sigmoid/softmax) rather than probabilities. Default false. */
  fromLogits?: boolean;
}

/** Keeps probabilities away from 0 and 1, where the logarithm is infinite (as Keras does). */
const EPSILON = 1e-7;

/** Checks that targets and predictions have one shape, then computes the loss in a tidy. */
function lossOf(
  loss: string,
  yTrue: tf.Tensor,
  yPred: tf.Tensor,
  compute: () => tf.Tensor,
): tf.Scalar {
  sameShape(yTrue, yPred, loss);
  return tf.tidy(compute) as tf.Scalar;
}

function sameShape(yTrue: tf.Tensor, yPred: tf.Tensor, loss: string): void {
  if (yTrue.shape.join() !== yPred.shape.join()) {
    throw new Error(
      `Cannot compute ${loss} as targets and predictions must have the same shape: current shapes ` +
        `are [${yTrue.shape.join(", ")}] and [${yPred.shape.join(", ")}]`,
    );
  }
}

/**
 * Mean squared error over all elements.
 *
 * @example
 * ```ts
 * import { losses, tf } from "@course/lib";
 * losses.mse(tf.tensor([0, 0]), tf.tensor([1, 2])); // 2.5
 * ```
 */
export function mse(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return lossOf(
    "the mean squared error",
    yTrue,
    yPred,
    () => tf.mean(tf.squaredDifference(yPred, yTrue)),
  );
}

/**
 * Mean absolute error over all elements.
 *
 * @example
 * ```ts
 * import { losses, tf } from "@course/lib";
 * losses.mae(tf.tensor([0, 0]), tf.tensor([1, -3])); // 2
 * ```
 */
export function mae(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return lossOf(
    "the mean absolute error",
    yTrue,
    yPred,
    () => tf.mean(tf.abs(tf.sub(yPred, yTrue))),
  );
}

/**
 * Binary cross-entropy, −mean[t log p + (1 − t) log(1 − p)], of probabilities or logits.
 *
 * @example
 * ```ts
 * import { losses, tf } from "@course/lib";
 * losses.binaryCrossEntropy(tf.tensor([1, 0]), tf.tensor([0.9, 0.2])); // (−ln 0.9 − ln 0.8) / 2
 * ```
 */
export function binaryCrossEntropy(
  yTrue: tf.Tensor,
  yPred: tf.Tensor,
  options: CrossEntropyOptions = {},
): tf.Scalar {
  return lossOf("the binary cross-entropy", yTrue, yPred, () => {
    if (options.fromLogits) {
      // max(z, 0) − z·t + log(1 + e^−|z|): the same value without overflow.
      const z = yPred;
      return tf.mean(
        tf.add(tf.sub(tf.relu(z), tf.mul(z, yTrue)), tf.log1p(tf.exp(tf.neg(tf.abs(z))))),
      );
    }
    const p = tf.clipByValue(yPred, EPSILON, 1 - EPSILON);
    const terms = tf.add(tf.mul(yTrue, tf.log(p)), tf.mul(tf.sub(1, yTrue), tf.log(tf.sub(1, p))));
    return tf.neg(tf.mean(terms));
  });
}

/** −Σ_k t_k log p_k per example (last axis = classes), from probabilities or logits. */
function crossEntropyPerExample(
  yTrue: tf.Tensor,
  yPred: tf.Tensor,
  fromLogits: boolean | undefined,
): tf.Tensor {
  const logP = fromLogits
    ? tf.logSoftmax(yPred)
    : tf.log(tf.clipByValue(tf.div(yPred, tf.sum(yPred, -1, true)), EPSILON, 1));
  return tf.neg(tf.sum(tf.mul(yTrue, logP), -1));
}

/**
 * Categorical cross-entropy of one-hot (or soft) targets, classes on the last axis; from
 * probabilities (rows renormalised to sum to 1, as Keras does) or from logits (through a softmax).
 *
 * @example
 * ```ts
 * import { losses, tf } from "@course/lib";
 * losses.categoricalCrossEntropy(tf.tensor2d([[0, 1]]), tf.tensor2d([[0.25, 0.75]])); // −ln 0.75
 * ```
 */
export function categoricalCrossEntropy(
  yTrue: tf.Tensor,
  yPred: tf.Tensor,
  options: CrossEntropyOptions = {},
): tf.Scalar {
  return lossOf(
    "the categorical cross-entropy",
    yTrue,
    yPred,
    () => tf.mean(crossEntropyPerExample(yTrue, yPred, options.fromLogits)),
  );
}

/**
 * Categorical cross-entropy with one weight per class: each example's loss is multiplied by the
 * weight of its (target) class, then averaged, as Keras's `class_weight`. For imbalanced classes.
 *
 * @example
 * ```ts
 * import { losses, tf } from "@course/lib";
 * const loss = losses.weightedCrossEntropy([1, 4]); // mistakes on class 1 cost 4 times more
 * loss(tf.tensor2d([[0, 1]]), tf.tensor2d([[0.5, 0.5]])); // 4 ln 2
 * ```
 */
export function weightedCrossEntropy(
  classWeights: number[],
  options: CrossEntropyOptions = {},
): LossFn {
  if (classWeights.some((w) => !(w >= 0))) {
    throw new Error(
      `Cannot weight the cross-entropy as every class weight must be ≥ 0: current value is ` +
        `[${classWeights.join(", ")}]`,
    );
  }
  return (yTrue, yPred) => {
    sameShape(yTrue, yPred, "the weighted cross-entropy");
    if (yTrue.shape.at(-1) !== classWeights.length) {
      throw new Error(
        `Cannot weight the cross-entropy as there must be one weight per class: current values ` +
          `are ${classWeights.length} weights and ${yTrue.shape.at(-1)} classes`,
      );
    }
    return tf.tidy(() => {
      const weight = tf.sum(tf.mul(yTrue, tf.tensor1d(classWeights)), -1);
      return tf.mean(tf.mul(weight, crossEntropyPerExample(yTrue, yPred, options.fromLogits)));
    });
  };
}

/** Options of the Dice losses. */
export interface DiceOptions {
  /** Added to numerator and denominator so that empty masks give a Dice of 1 (default 1). */
  smooth?: number;
}

/** Soft Dice coefficient per example (first axis), probabilities of the foreground. */
function diceCoefficient(yTrue: tf.Tensor, yPred: tf.Tensor, smooth: number): tf.Tensor {
  const axes = yTrue.shape.slice(1).map((_, i) => i + 1);
  const overlap = tf.sum(tf.mul(yTrue, yPred), axes);
  const total = tf.add(tf.sum(yTrue, axes), tf.sum(yPred, axes));
  return tf.div(tf.add(tf.mul(overlap, 2), smooth), tf.add(total, smooth));
}

/**
 * Soft Dice loss for segmentation, 1 − (2 Σ t·p + s) / (Σ t + Σ p + s), per image then averaged.
 * Insensitive to how much of the image is background.
 *
 * @example
 * ```ts
 * import { losses, tf } from "@course/lib";
 * const mask = tf.tensor4d([1, 1, 0, 0], [1, 2, 2, 1]);
 * losses.softDice(mask, mask); // 0: a perfect prediction
 * ```
 */
export function softDice(yTrue: tf.Tensor, yPred: tf.Tensor, options: DiceOptions = {}): tf.Scalar {
  return lossOf(
    "the Dice loss",
    yTrue,
    yPred,
    () => tf.sub(1, tf.mean(diceCoefficient(yTrue, yPred, options.smooth ?? 1))),
  );
}

/**
 * Log-Dice loss, −log(Dice): steeper than 1 − Dice when the overlap is poor.
 *
 * @example
 * ```ts
 * import { losses, tf } from "@course/lib";
 * const mask = tf.tensor4d([1, 1, 0, 0], [1, 2, 2, 1]);
 * losses.logDice(mask, mask); // 0
 * ```
 */
export function logDice(yTrue: tf.Tensor, yPred: tf.Tensor, options: DiceOptions = {}): tf.Scalar {
  return lossOf(
    "the log-Dice loss",
    yTrue,
    yPred,
    () => tf.neg(tf.mean(tf.log(diceCoefficient(yTrue, yPred, options.smooth ?? 1)))),
  );
}

/**
 * Mean squared error over the masked pixels only (mask 1), as Noise2Void trains on its blind spots.
 *
 * @example
 * ```ts
 * import { losses, tf } from "@course/lib";
 * losses.maskedMse(tf.tensor([0, 0]), tf.tensor([1, 3]), tf.tensor([0, 1])); // 9
 * ```
 */
export function maskedMse(yTrue: tf.Tensor, yPred: tf.Tensor, mask: tf.Tensor): tf.Scalar {
  sameShape(yTrue, yPred, "the masked mean squared error");
  sameShape(yTrue, mask, "the masked mean squared error (mask)");
  return tf.tidy(() =>
    tf.div(tf.sum(tf.mul(mask, tf.squaredDifference(yPred, yTrue))), tf.maximum(tf.sum(mask), 1))
  );
}

/**
 * Noise2Void's loss on `n2vPatches`' targets: the mean squared error at the masked pixels
 * only, the original noisy value (channel 0 of `yTrue`) against the prediction.
 *
 * @example
 * ```ts
 * import { n2vLoss, tf } from "@course/lib";
 * const yTrue = tf.tensor4d([[[[1, 1], [5, 0]]]]); // values 1 (masked) and 5 (not)
 * n2vLoss(yTrue, tf.tensor4d([[[[3], [0]]]])); // (3 − 1)² = 4
 * ```
 */
export function n2vLoss(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  if (yTrue.shape.at(-1) !== 2 || yPred.shape.at(-1) !== 1) {
    throw new Error(
      `Cannot compute the Noise2Void loss as the targets must have 2 channels (value, mask) and ` +
        `the prediction 1: current shapes are [${yTrue.shape.join(", ")}] and [${
          yPred.shape.join(", ")
        }]`,
    );
  }
  return tf.tidy(() => {
    const [target, mask] = tf.split(yTrue, 2, -1);
    return maskedMse(target, yPred, mask);
  });
}

/** Options of {@linkcode starDistLoss}. */
export interface StarDistLossOptions {
  /** Weight of the distances' term against the probabilities' (default 0.2, as StarDist). */
  distanceWeight?: number;
}

/**
 * StarDist's loss on {@linkcode starDistTargets}' targets (channel 0 the object probability, the
 * others the distances along the rays) and a two-headed prediction of the same shape: the binary
 * cross-entropy of the probabilities, plus `distanceWeight` times the absolute error of the
 * distances averaged with the true object probabilities as weights (central pixels count most;
 * the background, which has no polygon, not at all), in pixels, as StarDist's `masked_loss_mae`.
 *
 * @example
 * ```ts
 * import { losses, tf } from "@course/lib";
 * const yTrue = tf.tensor4d([[[[1, 4, 4]], [[0, 0, 0]]]]); // one object pixel, one background
 * const yPred = tf.tensor4d([[[[0.5, 5, 3]], [[0.5, 9, 9]]]]);
 * losses.starDistLoss(yTrue, yPred); // ln 2 + 0.2 · 1: the object pixel's distances are 1 off
 * ```
 */
export function starDistLoss(
  yTrue: tf.Tensor,
  yPred: tf.Tensor,
  options: StarDistLossOptions = {},
): tf.Scalar {
  sameShape(yTrue, yPred, "the StarDist loss");
  const channels = yTrue.shape.at(-1)!;
  return tf.tidy(() => {
    const [pTrue, dTrue] = tf.split(yTrue, [1, channels - 1], -1);
    const [pPred, dPred] = tf.split(yPred, [1, channels - 1], -1);
    const weighted = tf.mean(tf.mul(pTrue, tf.abs(tf.sub(dPred, dTrue))), -1);
    const distances = tf.div(tf.mean(weighted), tf.add(tf.mean(pTrue), EPSILON));
    return tf.add(
      binaryCrossEntropy(pTrue, pPred),
      tf.mul(options.distanceWeight ?? 0.2, distances),
    );
  });
}
