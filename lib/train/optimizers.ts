/**
 * Used by lessons 02, 03 and 05–12; by `deno task denoise`, `deno task segment` and `deno task train:base`.
 *
 * tfjs optimisers by name, and learning-rate schedules.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** The optimisers {@linkcode optimizer} knows. */
export const OPTIMIZERS = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"] as const;

/** One of {@linkcode OPTIMIZERS}. */
export type OptimizerName = typeof OPTIMIZERS[number];

/**
 * A tfjs optimiser by name, with Keras's defaults (momentum 0.9; Adam β1 0.9, β2 0.999).
 *
 * @example
 * ```ts
 * import { optimizer } from "@course/lib";
 * const adam = optimizer("adam", 0.001);
 * ```
 */
export function optimizer(name: OptimizerName, learningRate: number): tf.Optimizer {
  if (!(learningRate > 0)) {
    throw new Error(
      `Cannot create the optimiser as 'learningRate' must be > 0: current value is ${learningRate}`,
    );
  }
  switch (name) {
    case "sgd":
      return tf.train.sgd(learningRate);
    case "momentum":
      return tf.train.momentum(learningRate, 0.9);
    case "nesterov":
      return tf.train.momentum(learningRate, 0.9, true);
    case "adagrad":
      return tf.train.adagrad(learningRate);
    case "rmsprop":
      return tf.train.rmsprop(learningRate, 0.9);
    case "adam":
      return tf.train.adam(learningRate, 0.9, 0.999);
  }
  throw new Error(
    `Cannot create the optimiser as its name must be one of ${OPTIMIZERS.join(", ")}: ` +
      `current value is "${name}"`,
  );
}

/**
 * The learning rate an optimiser uses now.
 *
 * @example
 * ```ts
 * import { optimizer } from "@course/lib";
 * import { getLearningRate } from "./optimizers.ts";
 * getLearningRate(optimizer("sgd", 0.1)); // 0.1
 * ```
 */
export function getLearningRate(opt: tf.Optimizer): number {
  return (opt as unknown as { learningRate: number }).learningRate;
}

/**
 * Changes an optimiser's learning rate for its next steps.
 *
 * @example
 * ```ts
 * import { optimizer } from "@course/lib";
 * import { setLearningRate } from "./optimizers.ts";
 * const sgd = optimizer("sgd", 0.1);
 * setLearningRate(sgd, 0.01);
 * ```
 */
export function setLearningRate(opt: tf.Optimizer, learningRate: number): void {
  // SGD and momentum cache −rate as a tensor; the adaptive ones read the field on every step.
  const o = opt as unknown as { learningRate: number; setLearningRate?: (rate: number) => void };
  if (o.setLearningRate) o.setLearningRate(learningRate);
  else o.learningRate = learningRate;
}

/** A learning-rate schedule: the rate for an epoch (0-based). */
export type Schedule = (epoch: number) => number;

/**
 * Step decay: the rate times `factor` every `every` epochs.
 *
 * @example
 * ```ts
 * import { stepDecay } from "@course/lib";
 * stepDecay(0.1, 0.5, 10)(25); // 0.025
 * ```
 */
export function stepDecay(initial: number, factor: number, every: number): Schedule {
  return (epoch) => initial * factor ** Math.floor(epoch / every);
}

/**
 * Exponential decay: initial · rateᵉᵖᵒᶜʰ.
 *
 * @example
 * ```ts
 * import { exponentialDecay } from "@course/lib";
 * exponentialDecay(0.1, 0.9)(2); // 0.081
 * ```
 */
export function exponentialDecay(initial: number, rate: number): Schedule {
  return (epoch) => initial * rate ** epoch;
}

/**
 * Cosine decay from `initial` to `minimum` over `epochs` (half a cosine), then `minimum`.
 *
 * @example
 * ```ts
 * import { cosineDecay } from "@course/lib";
 * cosineDecay(0.1, 10)(5); // 0.05
 * ```
 */
export function cosineDecay(initial: number, epochs: number, minimum = 0): Schedule {
  return (epoch) =>
    minimum +
    (initial - minimum) * 0.5 * (1 + Math.cos(Math.PI * Math.min(epoch, epochs) / epochs));
}
