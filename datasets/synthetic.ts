/**
 * Used by lessons 02 and 03.
 *
 * Synthetic, seeded 2-D data sets for the first lessons: logic gates, blobs, two moons, circles and
 * spirals. The same seed always gives the same points.
 *
 * @module
 */
import { gaussian, type Random, seededRandom, tf } from "@course/lib";
import { describeTable, type Description } from "./describe.ts";

/** Points and their class labels. */
export interface Points {
  points: number[][];
  labels: number[];
}

/** The logic gates {@linkcode logicGate} knows. */
export type Gate = "AND" | "OR" | "XOR" | "NAND" | "NOR" | "XNOR";

const GATES: Record<Gate, (a: number, b: number) => number> = {
  AND: (a, b) => a & b,
  OR: (a, b) => a | b,
  XOR: (a, b) => a ^ b,
  NAND: (a, b) => 1 - (a & b),
  NOR: (a, b) => 1 - (a | b),
  XNOR: (a, b) => 1 - (a ^ b),
};

/**
 * The truth table of a two-input logic gate as a data set of four points.
 *
 * @example
 * ```ts
 * import { logicGate } from "@course/datasets";
 * logicGate("XOR"); // { points: [[0, 0], [0, 1], [1, 0], [1, 1]], labels: [0, 1, 1, 0] }
 * ```
 */
export function logicGate(gate: Gate): Points {
  const f = GATES[gate];
  if (!f) {
    throw new Error(
      `Cannot make a logic gate's table as the gate must be one of ${
        Object.keys(GATES).join(", ")
      }: ` +
        `current value is "${gate}"`,
    );
  }
  const points = [[0, 0], [0, 1], [1, 0], [1, 1]];
  return { points, labels: points.map(([a, b]) => f(a, b)) };
}

function checkCount(n: number, name: string): void {
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`Cannot make ${name} as 'n' must be a whole number ≥ 1: current value is ${n}`);
  }
}

/** n points split as evenly as possible among `k` classes: class of point i. */
const classOf = (i: number, n: number, k: number) => Math.min(k - 1, Math.floor((i * k) / n));

/**
 * Gaussian blobs around centres, one class per centre.
 *
 * @example
 * ```ts
 * import { blobs } from "@course/datasets";
 * blobs({ n: 100, centres: [[-1, -1], [1, 1]], std: 0.3, seed: 0 });
 * ```
 */
export function blobs(
  options: { n: number; centres?: number[][]; std?: number; seed?: number },
): Points {
  checkCount(options.n, "blobs");
  const centres = options.centres ?? [[-1, -1], [1, 1]];
  const random = seededRandom(options.seed ?? 0), std = options.std ?? 0.5;
  const labels = Array.from({ length: options.n }, (_, i) => classOf(i, options.n, centres.length));
  const points = labels.map((c) => centres[c].map((m) => gaussian(random, m, std)));
  return { points, labels };
}

const jitter = (random: Random, noise: number) => (noise ? gaussian(random, 0, noise) : 0);

/**
 * Two interleaving half circles (as scikit-learn's `make_moons`): not linearly separable.
 *
 * @example
 * ```ts
 * import { moons } from "@course/datasets";
 * moons({ n: 200, noise: 0.1, seed: 0 });
 * ```
 */
export function moons(options: { n: number; noise?: number; seed?: number }): Points {
  checkCount(options.n, "moons");
  const random = seededRandom(options.seed ?? 0), noise = options.noise ?? 0;
  const labels = Array.from({ length: options.n }, (_, i) => classOf(i, options.n, 2));
  const half = labels.filter((l) => l === 0).length;
  const points = labels.map((label, i) => {
    const k = label === 0 ? i : i - half, count = label === 0 ? half : options.n - half;
    const t = (Math.PI * k) / Math.max(1, count - 1);
    const [x, y] = label === 0 ? [Math.cos(t), Math.sin(t)] : [1 - Math.cos(t), 0.5 - Math.sin(t)];
    return [x + jitter(random, noise), y + jitter(random, noise)];
  });
  return { points, labels };
}

/**
 * A small circle (class 1) inside a large one (class 0), as scikit-learn's `make_circles`.
 *
 * @example
 * ```ts
 * import { circles } from "@course/datasets";
 * circles({ n: 200, noise: 0.05, factor: 0.5, seed: 0 });
 * ```
 */
export function circles(
  options: { n: number; noise?: number; factor?: number; seed?: number },
): Points {
  checkCount(options.n, "circles");
  const random = seededRandom(options.seed ?? 0), noise = options.noise ?? 0;
  const labels = Array.from({ length: options.n }, (_, i) => classOf(i, options.n, 2));
  const points = labels.map((label) => {
    const t = 2 * Math.PI * random(), r = label === 1 ? options.factor ?? 0.5 : 1;
    return [r * Math.cos(t) + jitter(random, noise), r * Math.sin(t) + jitter(random, noise)];
  });
  return { points, labels };
}

/**
 * Interleaved spiral arms, one class per arm: hard for small networks.
 *
 * @example
 * ```ts
 * import { spirals } from "@course/datasets";
 * spirals({ n: 300, classes: 3, turns: 1, noise: 0.05, seed: 0 });
 * ```
 */
export function spirals(
  options: { n: number; classes?: number; turns?: number; noise?: number; seed?: number },
): Points {
  checkCount(options.n, "spirals");
  const k = options.classes ?? 2, turns = options.turns ?? 1;
  const random = seededRandom(options.seed ?? 0), noise = options.noise ?? 0;
  const labels = Array.from({ length: options.n }, (_, i) => classOf(i, options.n, k));
  const points = labels.map((label) => {
    const r = random(), angle = 2 * Math.PI * (turns * r + label / k);
    return [
      r * Math.cos(angle) + jitter(random, noise),
      r * Math.sin(angle) + jitter(random, noise),
    ];
  });
  return { points, labels };
}

/**
 * Points as tensors: x [n, 2], and y [n, 1] for two classes or one-hot [n, k] for more.
 *
 * @example
 * ```ts
 * import { moons, pointsTensors } from "@course/datasets";
 * const { x, y } = pointsTensors(moons({ n: 100, seed: 1 }));
 * ```
 */
export function pointsTensors(data: Points): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const k = Math.max(...data.labels) + 1;
  return tf.tidy(() => ({
    x: tf.tensor2d(data.points),
    y: k <= 2
      ? tf.tensor2d(data.labels, [data.labels.length, 1])
      : tf.oneHot(tf.tensor1d(data.labels, "int32"), k).toFloat() as tf.Tensor2D,
  }));
}

/** The synthetic sets' description. */
export const SYNTHETIC_DESCRIPTION: Description = {
  name: "Synthetic 2-D sets (logic gates, blobs, moons, circles, spirals)",
  sizes: { each: "n points of your choice (logic gates: 4)" },
  values: "real coordinates, about −1.5 to 2.5; labels 0…k−1",
  source: "generated by the course from a seed",
  licence: "CC0",
};

/**
 * The synthetic sets' sizes, values, source and licence, as a table.
 *
 * @example
 * ```ts
 * import { describeSynthetic } from "@course/datasets";
 * describeSynthetic();
 * ```
 */
export function describeSynthetic() {
  return describeTable(SYNTHETIC_DESCRIPTION);
}
