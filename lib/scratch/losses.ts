/**
 * Used by lessons 03 and 04.
 *
 * Loss functions for a batch of outputs, with their gradients, written out by hand. A batch is one
 * row per example: `y[n][k]` is output k of example n, `t[n][k]` its target.
 *
 * @module
 */

/** A loss: its mean over the batch, and its gradient with respect to the outputs. */
export interface Loss {
  /** The loss's name. */
  name: string;
  /** The mean loss of predictions y against targets t. */
  value(y: number[][], t: number[][]): number;
  /** Its gradient with respect to y. */
  grad(y: number[][], t: number[][]): number[][];
}

function checkShapes(y: number[][], t: number[][], name: string): void {
  const same = y.length === t.length && y.every((row, n) => row.length === t[n]?.length);
  if (!same || y.length === 0) {
    const shape = (a: number[][]) => `[${a.length}, ${a[0]?.length ?? 0}]`;
    throw new Error(
      `Cannot compute ${name} as outputs and targets must have the same, non-empty shape: ` +
        `current shapes are ${shape(y)} and ${shape(t)}`,
    );
  }
}

const size = (y: number[][]) => y.length * y[0].length;

/**
 * Mean squared error, L = 1/(N·K) Σ (y − t)², as Keras and tfjs define it; ∂L/∂y = 2(y − t)/(N·K).
 * (The slides' E = ½ Σ (y − d)² differs by a constant factor: its gradient is y − d.)
 */
export const mse: Loss = {
  name: "mean squared error",
  value(y, t) {
    checkShapes(y, t, this.name);
    return y.flat().reduce((s, v, i) => s + (v - t.flat()[i]) ** 2, 0) / size(y);
  },
  grad(y, t) {
    checkShapes(y, t, this.name);
    return y.map((row, n) => row.map((v, k) => (2 * (v - t[n][k])) / size(y)));
  },
};

/** Keeps probabilities away from 0 and 1, where the logarithm is infinite (as Keras does). */
const EPSILON = 1e-7;
const clip = (p: number) => Math.min(1 - EPSILON, Math.max(EPSILON, p));

/**
 * Binary cross-entropy of probabilities, L = −1/(N·K) Σ [t log p + (1 − t) log(1 − p)];
 * ∂L/∂p = (p − t) / (p(1 − p)) / (N·K).
 */
export const binaryCrossEntropy: Loss = {
  name: "binary cross-entropy",
  value(p, t) {
    checkShapes(p, t, this.name);
    const terms = p.flatMap((row, n) =>
      row.map((v, k) => t[n][k] * Math.log(clip(v)) + (1 - t[n][k]) * Math.log(1 - clip(v)))
    );
    return -terms.reduce((a, b) => a + b, 0) / size(p);
  },
  grad(p, t) {
    checkShapes(p, t, this.name);
    return p.map((row, n) =>
      row.map((v, k) => (clip(v) - t[n][k]) / (clip(v) * (1 - clip(v))) / size(p))
    );
  },
};

/**
 * Softmax of one row of logits: e^z_k / Σ_j e^z_j, computed without overflow.
 *
 * @example
 * ```ts
 * import { softmax } from "@course/lib";
 * softmax([0, Math.log(3)]); // [0.25, 0.75]
 * ```
 */
export function softmax(z: number[]): number[] {
  const top = Math.max(...z);
  const e = z.map((v) => Math.exp(v - top));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

/**
 * Categorical cross-entropy of logits through a softmax, L = −1/N Σ_n Σ_k t log softmax(z)_k;
 * together their gradient is simply ∂L/∂z = (softmax(z) − t)/N for targets that sum to 1 (one-hot
 * or soft labels), and (softmax(z)·Σt − t)/N in general.
 */
export const softmaxCrossEntropy: Loss = {
  name: "softmax cross-entropy",
  value(z, t) {
    checkShapes(z, t, this.name);
    const terms = z.map((row, n) => {
      const p = softmax(row);
      return row.reduce((s, _, k) => s + t[n][k] * Math.log(Math.max(p[k], Number.MIN_VALUE)), 0);
    });
    return -terms.reduce((a, b) => a + b, 0) / z.length;
  },
  grad(z, t) {
    checkShapes(z, t, this.name);
    return z.map((row, n) => {
      const total = t[n].reduce((a, b) => a + b, 0);
      return softmax(row).map((p, k) => (p * total - t[n][k]) / z.length);
    });
  },
};
