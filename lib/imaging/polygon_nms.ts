/**
 * Used by lesson 11; by `deno task segment --instances`.
 *
 * From StarDist's dense prediction to objects: every pixel whose object probability passes a
 * threshold proposes a polygon, so each nucleus is proposed many times; non-maximum suppression
 * keeps the most probable and drops every candidate that overlaps a kept one by more than τ.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { valuesOf } from "../backend/read.ts";
import { type Polygon, polygonsToLabels, rasterisePolygon, starPolygon } from "./star_convex.ts";

/** A proposed object: the pixel that proposes it, its object probability and its polygon. */
export interface Candidate {
  /** The proposing pixel's row. */
  y: number;
  /** The proposing pixel's column. */
  x: number;
  /** Its object probability. */
  score: number;
  /** Its star-convex polygon. */
  polygon: Polygon;
}

/** How two rasterised polygons overlap, in pixels. */
export interface PolygonOverlap {
  /** Pixels in both. */
  intersection: number;
  /** Pixels in either. */
  union: number;
  /** intersection / union. */
  iou: number;
  /** intersection / the smaller polygon's area: what StarDist's suppression compares with τ. */
  overlap: number;
}

const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);

/**
 * The overlap of two polygons rasterised into a [height, width] image (pixel centres inside).
 *
 * @example
 * ```ts
 * import { polygonOverlap } from "@course/lib";
 * const square = (left: number): [number, number][] =>
 *   [[-0.5, left - 0.5], [-0.5, left + 3.5], [3.5, left + 3.5], [3.5, left - 0.5]];
 * polygonOverlap(square(0), square(2), 8, 8); // { intersection: 8, union: 24, iou: 1/3, overlap: 0.5 }
 * ```
 */
export function polygonOverlap(
  a: Polygon,
  b: Polygon,
  height: number,
  width: number,
): PolygonOverlap {
  const inA = new Set(rasterisePolygon(a, height, width));
  const inB = rasterisePolygon(b, height, width);
  const intersection = inB.filter((p) => inA.has(p)).length;
  const union = inA.size + inB.length - intersection;
  return {
    intersection,
    union,
    iou: ratio(intersection, union),
    overlap: ratio(intersection, Math.min(inA.size, inB.length)),
  };
}

/** Options of {@linkcode starDistCandidates}. */
export interface CandidateOptions {
  /** Pixels with an object probability above this propose a polygon (default 0.5, as StarDist). */
  probabilityThreshold?: number;
  /**
   * Pixels this close to the image's edge propose none (default 2, as StarDist): there the network
   * sees padding, not the image.
   */
  border?: number;
}

/**
 * The candidates of a StarDist prediction: one polygon for every pixel whose object probability
 * (`probabilities` [height, width]) passes the threshold, from its distances (`distances`
 * [height, width, rays]), most probable first.
 *
 * @example
 * ```ts
 * import { starDistCandidates, tf } from "@course/lib";
 * const probabilities = tf.tensor2d([[0.2, 0.9], [0.6, 0.1]]);
 * const distances = tf.ones([2, 2, 8]);
 * const candidates = await starDistCandidates(probabilities, distances, { border: 0 });
 * candidates.map((c) => [c.y, c.x]); // [[0, 1], [1, 0]]: the most probable first
 * ```
 */
export async function starDistCandidates(
  probabilities: tf.Tensor,
  distances: tf.Tensor,
  options: CandidateOptions = {},
): Promise<Candidate[]> {
  const [height, width, rays] = distances.shape;
  if (
    probabilities.rank !== 2 || distances.rank !== 3 ||
    probabilities.shape.join() !== [height, width].join()
  ) {
    throw new Error(
      `Cannot propose polygons as the probabilities must be [height, width] and the distances ` +
        `[height, width, rays]: current shapes are [${probabilities.shape.join(", ")}] and [${
          distances.shape.join(", ")
        }]`,
    );
  }
  const [p, d] = await Promise.all([valuesOf(probabilities), valuesOf(distances)]);
  const threshold = options.probabilityThreshold ?? 0.5, b = options.border ?? 2;
  const candidates: Candidate[] = [];
  for (let i = 0; i < p.length; i++) {
    const y = Math.floor(i / width), x = i % width;
    if (!(p[i] > threshold) || y < b || x < b || y >= height - b || x >= width - b) continue;
    const polygon = starPolygon(y, x, Array.prototype.slice.call(d, i * rays!, (i + 1) * rays!));
    candidates.push({ y, x, score: p[i], polygon });
  }
  return candidates.sort((a, b) => b.score - a.score);
}

/** Options of {@linkcode nonMaximumSuppression}. */
export interface SuppressionOptions {
  /** τ: a candidate whose overlap with a kept polygon is above this is dropped (default 0.4). */
  threshold?: number;
  /** The image's height. */
  height: number;
  /** The image's width. */
  width: number;
}

/**
 * Greedy non-maximum suppression of polygons, as in StarDist: take the candidates from the most
 * probable down; keep one unless its overlap (intersection over the smaller area) with a polygon
 * already kept is above τ. A high τ keeps near-duplicates of one nucleus; a low one drops
 * neighbours that touch. Returns the kept candidates, most probable first.
 *
 * @example
 * ```ts
 * import { nonMaximumSuppression } from "@course/lib";
 * const square = (left: number): [number, number][] =>
 *   [[-0.5, left - 0.5], [-0.5, left + 3.5], [3.5, left + 3.5], [3.5, left - 0.5]];
 * const candidates = [0, 1, 6].map((left, i) => ({ y: 2, x: left + 2, score: 1 - i / 10, polygon: square(left) }));
 * nonMaximumSuppression(candidates, { threshold: 0.4, height: 8, width: 12 }).length; // 2: the second is dropped
 * ```
 */
export function nonMaximumSuppression(
  candidates: Candidate[],
  options: SuppressionOptions,
): Candidate[] {
  const { height, width } = options, threshold = options.threshold ?? 0.4;
  const ordered = [...candidates].sort((a, b) => b.score - a.score);
  // For each pixel, the kept polygons covering it: a candidate's overlaps come from its own pixels.
  const covering = new Map<number, number[]>();
  const kept: { candidate: Candidate; area: number }[] = [];
  for (const candidate of ordered) {
    const pixels = rasterisePolygon(candidate.polygon, height, width);
    if (pixels.length === 0) continue;
    const shared = new Map<number, number>();
    for (const p of pixels) {
      for (const k of covering.get(p) ?? []) shared.set(k, (shared.get(k) ?? 0) + 1);
    }
    const suppressed = [...shared].some(([k, both]) =>
      both / Math.min(pixels.length, kept[k].area) > threshold
    );
    if (suppressed) continue;
    for (const p of pixels) {
      const list = covering.get(p);
      if (list) list.push(kept.length);
      else covering.set(p, [kept.length]);
    }
    kept.push({ candidate, area: pixels.length });
  }
  return kept.map((k) => k.candidate);
}

/** Options of {@linkcode starDistInstances}. */
export interface InstanceOptions extends CandidateOptions {
  /** τ of the non-maximum suppression (default 0.4). */
  nmsThreshold?: number;
}

/**
 * StarDist's prediction turned into instances: candidates ({@linkcode starDistCandidates}),
 * non-maximum suppression ({@linkcode nonMaximumSuppression}), and the kept polygons drawn into a
 * label image (the most probable drawn last, so it wins where two overlap).
 *
 * @example
 * ```ts
 * import { starDistInstances, tf } from "@course/lib";
 * const probabilities = tf.tensor2d([[0.2, 0.9], [0.6, 0.1]]);
 * const distances = tf.ones([2, 2, 8]).mul(3);
 * const { count } = await starDistInstances(probabilities, distances, { border: 0 }); // 1
 * ```
 */
export async function starDistInstances(
  probabilities: tf.Tensor,
  distances: tf.Tensor,
  options: InstanceOptions = {},
): Promise<{ labels: tf.Tensor2D; count: number; kept: Candidate[] }> {
  const [height, width] = probabilities.shape;
  const candidates = await starDistCandidates(probabilities, distances, options);
  const kept = nonMaximumSuppression(candidates, {
    threshold: options.nmsThreshold,
    height,
    width,
  });
  const labels = polygonsToLabels(kept.map((k) => k.polygon).reverse(), height, width);
  return { labels, count: kept.length, kept };
}
