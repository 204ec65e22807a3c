/**
 * Used by lesson 07.
 *
 * Weighted sampling of examples, to show a network rare classes as often as common ones.
 *
 * @module
 */
import type { Random } from "./random.ts";

/**
 * A sampler that draws example indices with probability proportional to their class's weight;
 * `"balanced"` (default) weighs each class by 1 / its size, so every class is drawn equally often.
 *
 * @example
 * ```ts
 * import { seededRandom, weightedSampler } from "@course/lib";
 * const sample = weightedSampler([0, 0, 0, 0, 1]); // class 1 is rare
 * sample(1000, seededRandom(0)); // about 500 draws of index 4
 * ```
 */
export function weightedSampler(
  labels: ArrayLike<number>,
  weights: number[] | "balanced" = "balanced",
): (count: number, random: Random) => number[] {
  const counts = new Map<number, number>();
  for (let i = 0; i < labels.length; i++) counts.set(labels[i], (counts.get(labels[i]) ?? 0) + 1);
  const weightOf = (c: number) => (weights === "balanced" ? 1 / counts.get(c)! : weights[c] ?? 0);
  const cumulative = new Float64Array(labels.length);
  let total = 0;
  for (let i = 0; i < labels.length; i++) cumulative[i] = total += weightOf(labels[i]);
  if (!(total > 0)) {
    throw new Error(
      `Cannot sample as the class weights must not all be 0: current value is ${
        JSON.stringify(weights)
      }`,
    );
  }
  return (count, random) =>
    Array.from({ length: count }, () => {
      const r = random() * total;
      let lo = 0, hi = labels.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cumulative[mid] > r) hi = mid;
        else lo = mid + 1;
      }
      return lo;
    });
}
