/**
 * Used by lessons 01 and 03, and by lesson 01's checks.
 *
 * Truth tables of logical functions on bits.
 *
 * @module
 */
import { type Random, shuffled } from "../data/random.ts";

/**
 * Every combination of `n` bits, in counting order: `[[0, 0], [0, 1], [1, 0], [1, 1]]` for 2.
 *
 * @example
 * ```ts
 * import { allInputs } from "@course/lib";
 * allInputs(2); // [[0, 0], [0, 1], [1, 0], [1, 1]]
 * ```
 */
export function allInputs(n: number): (0 | 1)[][] {
  return Array.from(
    { length: 2 ** n },
    (_, row) => Array.from({ length: n }, (_, i) => ((row >> (n - 1 - i)) & 1) as 0 | 1),
  );
}

/**
 * The truth table of one or more functions of the same bits, as records for `table()`.
 *
 * @example
 * ```ts
 * import { truthTable } from "@course/lib";
 * truthTable(["x1", "x2"], { AND: (a, b) => a & b, OR: (a, b) => a | b });
 * // [{ x1: 0, x2: 0, AND: 0, OR: 0 }, ..., { x1: 1, x2: 1, AND: 1, OR: 1 }]
 * ```
 */
export function truthTable(
  inputs: string[],
  functions: Record<string, (...bits: (0 | 1)[]) => number>,
): Record<string, number>[] {
  return allInputs(inputs.length).map((bits) => {
    const row: Record<string, number> = {};
    inputs.forEach((name, i) => row[name] = bits[i]);
    for (const [name, f] of Object.entries(functions)) row[name] = f(...bits);
    return row;
  });
}

/**
 * `n` bits drawn from `random`: each 0 or 1 with even odds, or, with `ones`, exactly that many 1s
 * at places drawn at random. For checks that grade a function of any number of inputs on rows
 * nobody has seen.
 *
 * @example
 * ```ts
 * import { randomInputs, seededRandom } from "@course/lib";
 * randomInputs(seededRandom(1), 5, 2); // e.g. [0, 1, 0, 0, 1]
 * ```
 */
export function randomInputs(random: Random, n: number, ones?: number): (0 | 1)[] {
  if (ones === undefined) return Array.from({ length: n }, () => (random() < 0.5 ? 0 : 1));
  return shuffled(Array.from({ length: n }, (_, i) => (i < ones ? 1 : 0)), random);
}
