/**
 * Used by lessons 09–11.
 *
 * Metrics on images, for segmentation and restoration: overlap of masks, PSNR, SSIM and the
 * matching of instances. Imported within the `metrics` namespace: `await metrics.iou(a, b)`. They
 * read tensors, so they are asynchronous.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { valuesOf } from "../backend/read.ts";

/** A binary mask: non-zero is foreground. */
type Mask = ArrayLike<number> | tf.Tensor;

/** Instance labels: 0 is background, each other value one object. */
type Labels = Mask;

const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);

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
  /** The IoU above which a predicted instance matches a true one. */
  threshold: number;
  /** Predicted instances matched to a true one. */
  truePositives: number;
  /** Predicted instances matched to none. */
  falsePositives: number;
  /** True instances no prediction matched. */
  falseNegatives: number;
  /** TP / (TP + FP). */
  precision: number;
  /** TP / (TP + FN). */
  recall: number;
  /** 2TP / (2TP + FP + FN), the harmonic mean of precision and recall. */
  f1: number;
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
      f1: tp + fp + fn === 0 ? 1 : (2 * tp) / (2 * tp + fp + fn),
      averagePrecision: tp + fp + fn === 0 ? 1 : tp / (tp + fp + fn),
    };
  });
}
