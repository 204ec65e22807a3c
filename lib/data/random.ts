/**
 * Used by lessons 02–12; by `deno task denoise`, `deno task segment` and `deno task train:base`.
 *
 * Seeded random numbers, so that lessons and tests give the same results on every run.
 *
 * @module
 */

/** A source of uniform random numbers in [0, 1). */
export type Random = () => number;

/**
 * A fast seeded generator (mulberry32): the same seed gives the same sequence everywhere.
 *
 * @example
 * ```ts
 * import { seededRandom } from "@course/lib";
 * const random = seededRandom(42);
 * random(); // 0.6011037519201636, on every machine
 * ```
 */
export function seededRandom(seed: number): Random {
  if (!Number.isInteger(seed)) {
    throw new Error(
      `Cannot seed the generator as 'seed' must be an integer: current value is ${seed}`,
    );
  }
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A normally distributed number (Box-Muller), from a uniform source.
 *
 * @example
 * ```ts
 * import { gaussian, seededRandom } from "@course/lib";
 * const z = gaussian(seededRandom(1), 0, 0.1); // mean 0, standard deviation 0.1
 * ```
 */
export function gaussian(random: Random, mean = 0, std = 1): number {
  const u = 1 - random(); // in (0, 1]: log(u) is finite
  return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/**
 * A shuffled copy of an array (Fisher-Yates).
 *
 * @example
 * ```ts
 * import { seededRandom, shuffled } from "@course/lib";
 * shuffled([1, 2, 3, 4], seededRandom(0)); // the same order for the same seed
 * ```
 */
export function shuffled<T>(items: readonly T[], random: Random): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * A uniform number in [low, high), rounded to hundredths so that feedback shows it in a few
 * digits: the inputs a check draws for grading.
 *
 * @example
 * ```ts
 * import { seededRandom, uniform } from "@course/lib";
 * uniform(seededRandom(1), -2, 2); // e.g. -0.73
 * ```
 */
export function uniform(random: Random, low: number, high: number): number {
  return Math.round((low + (high - low) * random()) * 100) / 100;
}

/**
 * A whole number from `low` to `high`, both included.
 *
 * @example
 * ```ts
 * import { integer, seededRandom } from "@course/lib";
 * integer(seededRandom(1), 1, 6); // a die's throw
 * ```
 */
export function integer(random: Random, low: number, high: number): number {
  return low + Math.floor(random() * (high - low + 1));
}
