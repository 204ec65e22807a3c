/**
 * Used by lessons 02, 03 and 05–12; by `deno task denoise`, `deno task segment` and `deno task
 * train:base`.
 *
 * Metrics for classification. Imported as the `metrics` namespace: `await metrics.accuracy(t, y)`.
 * Those that read tensors are asynchronous (see `read.ts`); those of a confusion matrix are not.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { read, type Values, valuesOf } from "../backend/read.ts";

/** Class labels as plain numbers, or a tensor of them. */
type Labels = Values;

const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);

/** Class of each row: argmax over the last axis, or probability ≥ 0.5 for a single column. */
function classesOf(y: tf.Tensor): Promise<ArrayLike<number>> {
  return read(() => classTensor(y));
}

/** Class of each row as a tensor: argmax over the last axis, or ≥ 0.5 for a single column. */
function classTensor(y: tf.Tensor): tf.Tensor {
  return y.shape.at(-1) === 1 || y.rank === 1
    ? tf.greaterEqual(y.reshape([-1]), 0.5).toInt()
    : tf.argMax(y, -1);
}

/**
 * {@linkcode accuracy} as a scalar tensor, read whenever the caller likes: `fit` reads it
 * asynchronously, as the WebGPU backend requires under Deno.
 *
 * @example
 * ```ts
 * import { metrics, tf } from "@course/lib";
 * await metrics.accuracyTensor(tf.tensor2d([[1, 0], [0, 1]]), tf.tensor2d([[0.9, 0.1], [0.8, 0.2]])).data(); // [0.5]
 * ```
 */
export function accuracyTensor(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.equal(classTensor(yTrue), classTensor(yPred)).toFloat().mean());
}

/**
 * The fraction of examples whose predicted class is the target class. Tensors of probabilities,
 * logits or one-hot rows are compared by argmax; a single column by thresholding at 0.5.
 *
 * @example
 * ```ts
 * import { metrics, tf } from "@course/lib";
 * await metrics.accuracy(tf.tensor2d([[1, 0], [0, 1]]), tf.tensor2d([[0.9, 0.1], [0.8, 0.2]])); // 0.5
 * ```
 */
export async function accuracy(yTrue: tf.Tensor, yPred: tf.Tensor): Promise<number> {
  const [t, p] = await Promise.all([classesOf(yTrue), classesOf(yPred)]);
  if (t.length !== p.length) {
    throw new Error(
      `Cannot compute the accuracy as there must be one prediction per target: current values are ` +
        `${p.length} predictions and ${t.length} targets`,
    );
  }
  let right = 0;
  for (let i = 0; i < t.length; i++) if (t[i] === p[i]) right++;
  return t.length ? right / t.length : 0;
}

/**
 * The confusion matrix: `m[i][j]` counts examples of class i predicted as class j.
 *
 * @example
 * ```ts
 * import { metrics } from "@course/lib";
 * await metrics.confusionMatrix([0, 0, 1], [0, 1, 1], 2); // [[1, 1], [0, 1]]
 * ```
 */
export async function confusionMatrix(
  trueLabels: Labels,
  predicted: Labels,
  classes: number,
): Promise<number[][]> {
  const [t, p] = await Promise.all([valuesOf(trueLabels), valuesOf(predicted)]);
  const m = Array.from({ length: classes }, () => Array(classes).fill(0));
  for (let i = 0; i < t.length; i++) {
    if (!(t[i] >= 0 && t[i] < classes && p[i] >= 0 && p[i] < classes)) {
      throw new Error(
        `Cannot count a confusion matrix as labels must be whole numbers from 0 to ${
          classes - 1
        }: ` +
          `current values at index ${i} are ${t[i]} (true) and ${p[i]} (predicted)`,
      );
    }
    m[t[i]][p[i]]++;
  }
  return m;
}

/**
 * The accuracy on each class: the fraction of its examples predicted as it (the diagonal of the
 * confusion matrix over its rows).
 *
 * @example
 * ```ts
 * import { metrics } from "@course/lib";
 * metrics.perClassAccuracy([[3, 1], [0, 2]]); // [0.75, 1]
 * ```
 */
export function perClassAccuracy(matrix: number[][]): number[] {
  return matrix.map((row, k) => ratio(row[k], row.reduce((a, b) => a + b, 0)));
}

/** Precision, recall and F1 of one class. */
export interface ClassScores {
  /** Of the examples predicted as the class, the fraction that are. */
  precision: number;
  /** Of the examples of the class, the fraction predicted as it. */
  recall: number;
  /** The harmonic mean of precision and recall. */
  f1: number;
}

/**
 * Per-class precision, recall (= per-class accuracy) and F1 from a confusion matrix, and their
 * unweighted (macro) means.
 *
 * @example
 * ```ts
 * import { metrics } from "@course/lib";
 * metrics.classScores([[1, 1], [0, 1]]).perClass[0]; // { precision: 1, recall: 0.5, f1: 0.667 }
 * ```
 */
export function classScores(matrix: number[][]): { perClass: ClassScores[]; macro: ClassScores } {
  const perClass = matrix.map((row, k) => {
    const truePositives = row[k];
    const precision = ratio(truePositives, matrix.reduce((s, r) => s + r[k], 0));
    const recall = ratio(truePositives, row.reduce((a, b) => a + b, 0));
    return { precision, recall, f1: ratio(2 * precision * recall, precision + recall) };
  });
  const mean = (key: keyof ClassScores) =>
    perClass.reduce((s, c) => s + c[key], 0) / perClass.length;
  return {
    perClass,
    macro: { precision: mean("precision"), recall: mean("recall"), f1: mean("f1") },
  };
}
