/**
 * Used by lesson 07 and by the models of `models/` that take a `dropout` rate.
 *
 * Dropout (Srivastava et al., JMLR 2014, whose p is the probability of keeping a unit; `rate` here,
 * as in tfjs, is the probability of dropping it) that draws a new mask at every training step and
 * is still reproducible. tfjs's own `tf.layers.dropout({ seed })` draws its mask from the same
 * seed at every call, so with a seed it zeroes the same units at every step: a fixed random pruning
 * of the network, not dropout. Here each training call draws from a seed of its own, made of the layer's
 * seed and the number of the call.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** Options of {@linkcode dropout}. */
export interface DropoutOptions {
  /** Probability of zeroing each unit during training, in [0, 1). */
  rate: number;
  /** Seed of the layer's masks: training step k draws from the seed `${seed}:${k}` (default 0). */
  seed?: number;
  /** The layer's name (default: tfjs's, from its class name). */
  name?: string;
}

/** The layer behind {@linkcode dropout}; registered, so a saved model with it loads again. */
class Dropout extends tf.layers.Layer {
  /** The name tfjs saves and loads this layer by. */
  static className = "CourseDropout";
  /** Probability of zeroing each unit during training. */
  readonly rate: number;
  /** Seed of the layer's masks. */
  readonly seed: number;
  #steps = 0;

  /** A dropout layer (see {@linkcode dropout}). */
  constructor(options: DropoutOptions) {
    super({ name: options.name });
    if (!(options.rate >= 0 && options.rate < 1)) {
      throw new Error(
        `Cannot build a dropout layer as 'rate' must be at least 0 and below 1: current value is ${options.rate}`,
      );
    }
    this.rate = options.rate;
    this.seed = options.seed ?? 0;
    this.supportsMasking = true;
  }

  /** During training, each unit zeroed with probability `rate` and the others scaled by 1/(1 − rate). */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!kwargs.training || this.rate === 0) return x;
    // One stream per (seed, step): layers seeded 1 and 2 never share a step's mask.
    return tf.dropout(x, this.rate, undefined, `${this.seed}:${this.#steps++}`);
  }

  /** What tfjs saves of the layer. */
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}
tf.serialization.registerClass(Dropout);

/**
 * A dropout layer: during training it zeroes each unit with probability `rate`, a new random choice
 * at every step, and scales the others by 1/(1 − rate) so the expected activation is unchanged; at
 * evaluation and prediction it passes its input through. Each step's mask comes from `seed` and
 * the step's number, so a model built and trained twice with the same seeds is the same model.
 *
 * @example
 * ```ts
 * import { dropout, tf } from "@course/lib";
 * const layer = dropout({ rate: 0.5, seed: 1 });
 * const x = tf.ones([1, 8]);
 * layer.apply(x, { training: true }); // about half 0, the rest 2
 * layer.apply(x, { training: true }); // another half 0
 * layer.apply(x); // x itself
 * ```
 */
export function dropout(options: DropoutOptions): tf.layers.Layer {
  return new Dropout(options);
}
