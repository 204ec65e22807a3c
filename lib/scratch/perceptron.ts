/**
 * Used by lesson 02.
 *
 * Rosenblatt's perceptron (1958): a weighted sum, a bias instead of a threshold, a step function,
 * and a learning rule.
 *
 * @module
 */

/** The perceptron's weights and bias after one epoch, and how many inputs it got wrong. */
export interface PerceptronEpoch {
  /** The epoch, from 1. */
  epoch: number;
  /** The weights after the epoch. */
  weights: number[];
  /** The bias after the epoch. */
  bias: number;
  /** How many examples it got wrong during the epoch. */
  errors: number;
}

/** Options of {@linkcode Perceptron.train}. */
export interface PerceptronTrainOptions {
  /** Most passes over the data (default 100). */
  epochs?: number;
  /** Learning rate η (default 1). */
  learningRate?: number;
}

/**
 * A perceptron with outputs 0 and 1: it fires when $w \cdot x + b \ge 0$.
 *
 * @example
 * ```ts
 * import { allInputs, Perceptron } from "@course/lib";
 * const p = new Perceptron(2);
 * const history = p.train(allInputs(2), [0, 0, 0, 1]); // learns AND
 * history.at(-1)!.errors; // 0
 * ```
 */
export class Perceptron {
  /** One weight per input. */
  weights: number[];
  /** The bias: the negative of the threshold. */
  bias = 0;

  /**

   * A perceptron with zero (or the given) weights and a zero bias.
   * @param inputs how many inputs
   * @param weights the starting weights (default zeros)
   */
  constructor(inputs: number, weights?: number[]) {
    this.weights = weights ? [...weights] : Array(inputs).fill(0);
    if (this.weights.length !== inputs) {
      throw new Error(
        `Cannot create a perceptron as it needs ${inputs} weights: current value has ${this.weights.length}`,
      );
    }
  }

  /** The weighted sum $S = w \cdot x + b$. */
  sum(x: number[]): number {
    return this.weights.reduce((s, w, i) => s + w * x[i], this.bias);
  }

  /** The output: 1 if the weighted sum reaches 0, else 0. */
  predict(x: number[]): 0 | 1 {
    if (x.length !== this.weights.length) {
      throw new Error(
        `Cannot apply the perceptron as the input must have ${this.weights.length} values: current value has ${x.length}`,
      );
    }
    return this.sum(x) >= 0 ? 1 : 0;
  }

  /**
   * Rosenblatt's rule for one example: add (target − output) × input × learning rate to each weight,
   * and (target − output) × learning rate to the bias. Returns whether the output was wrong.
   */
  learn(x: number[], target: number, learningRate = 1): boolean {
    const error = target - this.predict(x);
    this.weights = this.weights.map((w, i) => w + learningRate * error * x[i]);
    this.bias += learningRate * error;
    return error !== 0;
  }

  /**
   * Passes over the examples until an epoch makes no error or `epochs` have run, and returns the
   * weights after each epoch. A last entry with `errors > 0` means it did not converge.
   */
  train(
    xs: number[][],
    targets: number[],
    options: PerceptronTrainOptions = {},
  ): PerceptronEpoch[] {
    if (xs.length !== targets.length) {
      throw new Error(
        `Cannot train the perceptron as there must be one target per input: current values are ${xs.length} inputs and ${targets.length} targets`,
      );
    }
    const history: PerceptronEpoch[] = [];
    for (let epoch = 1; epoch <= (options.epochs ?? 100); epoch++) {
      let errors = 0;
      xs.forEach((x, i) => {
        if (this.learn(x, targets[i], options.learningRate)) errors++;
      });
      history.push({ epoch, weights: [...this.weights], bias: this.bias, errors });
      if (errors === 0) break;
    }
    return history;
  }
}
