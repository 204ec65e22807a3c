/**
 * Metrics for classification, segmentation and restoration. Imported as the `metrics` namespace:
 * `await metrics.accuracy(t, y)`. Those that read tensors are asynchronous (see `read.ts`); those
 * of a confusion matrix are not.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { read, type Values, valuesOf } from "./read.ts";

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
  precision: number;
  recall: number;
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

/** A binary mask: non-zero is foreground. */
type Mask = ArrayLike<number> | tf.Tensor;

async function overlap(a: Mask, b: Mask): Promise<{ both: number; sizeA: number; sizeB: number }> {
  const [x, y] = await Promise.all([valuesOf(a), valuesOf(b)]);
  if (x.length !== y.length) {
    throw new Error(
      `Cannot compare masks as they must have the same number of pixels: current values are ` +
        `${x.length} and ${y.length}`,
    );
  }
  let both = 0, sizeA = 0, sizeB = 0;
  for (let i = 0; i < x.length; i++) {
    const inA = x[i] !== 0, inB = y[i] !== 0;
    if (inA) sizeA++;
    if (inB) sizeB++;
    if (inA && inB) both++;
  }
  return { both, sizeA, sizeB };
}

/**
 * Intersection over union of two binary masks, |A ∩ B| / |A ∪ B| (1 when both are empty).
 *
 * @example
 * ```ts
 * import { metrics } from "@course/lib";
 * await metrics.iou([1, 1, 0, 0], [0, 1, 1, 0]); // 1/3
 * ```
 */
export async function iou(a: Mask, b: Mask): Promise<number> {
  const { both, sizeA, sizeB } = await overlap(a, b);
  const union = sizeA + sizeB - both;
  return union === 0 ? 1 : both / union;
}

/**
 * Dice coefficient of two binary masks, 2|A ∩ B| / (|A| + |B|) (1 when both are empty).
 *
 * @example
 * ```ts
 * import { metrics } from "@course/lib";
 * await metrics.dice([1, 1, 0, 0], [0, 1, 1, 0]); // 0.5
 * ```
 */
export async function dice(a: Mask, b: Mask): Promise<number> {
  const { both, sizeA, sizeB } = await overlap(a, b);
  return sizeA + sizeB === 0 ? 1 : (2 * both) / (sizeA + sizeB);
}

/**
 * Peak signal-to-noise ratio in dB, 10 log10(range² / MSE), of a test image against a reference.
 *
 * @example
 * ```ts
 * import { metrics } from "@course/lib";
 * await metrics.psnr([0, 0, 0, 0], [0.1, -0.1, 0.1, -0.1], 1); // 20 dB
 * ```
 */
export async function psnr(reference: Mask, test: Mask, dataRange: number): Promise<number> {
  const [x, y] = await Promise.all([valuesOf(reference), valuesOf(test)]);
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += (x[i] - y[i]) ** 2;
  const mse = sum / x.length;
  return mse === 0 ? Infinity : 10 * Math.log10((dataRange * dataRange) / mse);
}

/** Options of {@linkcode ssim}. */
export interface SsimOptions {
  /** Side of the square window (odd; default 7, as scikit-image). */
  windowSize?: number;
}

/**
 * Mean structural similarity (SSIM) of two grey images of shape [height, width], with a uniform
 * window and the constants K1 = 0.01, K2 = 0.03 of Wang et al. (2004), as scikit-image computes it
 * (sample covariances, windows that fit inside the image).
 *
 * @example
 * ```ts
 * import { metrics, tf } from "@course/lib";
 * const image = tf.randomUniform([16, 16]);
 * await metrics.ssim(image, image, 1); // 1
 * ```
 */
export async function ssim(
  a: tf.Tensor,
  b: tf.Tensor,
  dataRange: number,
  options: SsimOptions = {},
): Promise<number> {
  const w = options.windowSize ?? 7;
  const [h, width] = a.shape as number[];
  if (a.rank !== 2 || a.shape.join() !== b.shape.join() || h < w || width < w) {
    throw new Error(
      `Cannot compute SSIM as both images must have the same shape [height, width], at least ` +
        `${w}×${w}: current shapes are [${a.shape.join(", ")}] and [${b.shape.join(", ")}]`,
    );
  }
  const [x, y] = await Promise.all([valuesOf(a), valuesOf(b)]);
  const c1 = (0.01 * dataRange) ** 2, c2 = (0.03 * dataRange) ** 2;
  const n = w * w, unbiased = n / (n - 1);
  let total = 0, count = 0;
  for (let top = 0; top + w <= h; top++) {
    for (let left = 0; left + w <= width; left++) {
      let sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
      for (let i = top; i < top + w; i++) {
        for (let j = left; j < left + w; j++) {
          const u = x[i * width + j], v = y[i * width + j];
          sx += u, sy += v, sxx += u * u, syy += v * v, sxy += u * v;
        }
      }
      const mx = sx / n, my = sy / n;
      const vx = (sxx / n - mx * mx) * unbiased, vy = (syy / n - my * my) * unbiased;
      const cxy = (sxy / n - mx * my) * unbiased;
      total += ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2));
      count++;
    }
  }
  return total / count;
}

/** How well predicted instances match true ones at one IoU threshold. */
export interface InstanceMatch {
  threshold: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  precision: number;
  recall: number;
  /** TP / (TP + FP + FN), the "average precision" of the 2018 Data Science Bowl and StarDist. */
  averagePrecision: number;
}

/** Pixel counts of every (true label, predicted label) pair that overlaps, and of each label. */
function overlaps(truth: ArrayLike<number>, predicted: ArrayLike<number>) {
  const pairs = new Map<string, number>(),
    sizeT = new Map<number, number>(),
    sizeP = new Map<number, number>();
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i], p = predicted[i];
    if (t) sizeT.set(t, (sizeT.get(t) ?? 0) + 1);
    if (p) sizeP.set(p, (sizeP.get(p) ?? 0) + 1);
    if (t && p) pairs.set(`${t},${p}`, (pairs.get(`${t},${p}`) ?? 0) + 1);
  }
  return { pairs, sizeT, sizeP };
}

/**
 * Matches the instances of two label images (0 = background, 1..N = one object each) at IoU
 * thresholds. A predicted object counts as a true positive when its IoU with a true object reaches
 * the threshold; for thresholds ≥ 0.5 such a match is unique.
 *
 * @example
 * ```ts
 * import { metrics } from "@course/lib";
 * const labels = [0, 1, 1, 0, 2, 2];
 * (await metrics.matchInstances(labels, labels))[0].averagePrecision; // 1
 * ```
 */
export async function matchInstances(
  trueLabels: Labels,
  predictedLabels: Labels,
  thresholds: number[] = [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95],
): Promise<InstanceMatch[]> {
  const [t, p] = await Promise.all([valuesOf(trueLabels), valuesOf(predictedLabels)]);
  if (t.length !== p.length) {
    throw new Error(
      `Cannot match instances as both label images must have the same number of pixels: ` +
        `current values are ${t.length} and ${p.length}`,
    );
  }
  const { pairs, sizeT, sizeP } = overlaps(t, p);
  const ious = [...pairs].map(([key, both]) => {
    const [a, b] = key.split(",").map(Number);
    return { t: a, p: b, iou: both / (sizeT.get(a)! + sizeP.get(b)! - both) };
  }).sort((x, y) => y.iou - x.iou);
  return thresholds.map((threshold) => {
    const usedT = new Set<number>(), usedP = new Set<number>();
    for (const m of ious) {
      if (m.iou < threshold) break;
      if (usedT.has(m.t) || usedP.has(m.p)) continue;
      usedT.add(m.t);
      usedP.add(m.p);
    }
    const tp = usedT.size, fp = sizeP.size - tp, fn = sizeT.size - tp;
    return {
      threshold,
      truePositives: tp,
      falsePositives: fp,
      falseNegatives: fn,
      precision: ratio(tp, tp + fp),
      recall: ratio(tp, tp + fn),
      averagePrecision: tp + fp + fn === 0 ? 1 : tp / (tp + fp + fn),
    };
  });
}
