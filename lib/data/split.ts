/**
 * Used by lessons 04 and 07.
 *
 * Seeded train/validation/test splits, optionally stratified by class.
 *
 * @module
 */
import { seededRandom, shuffled } from "./random.ts";

/** Indices of the three parts. */
export interface Split {
  /** Indices of the training examples. */
  train: number[];
  /** Indices of the validation examples. */
  validation: number[];
  /** Indices of the test examples. */
  test: number[];
}

/** Options of {@linkcode splitIndices}. */
export interface SplitOptions {
  /** Fraction for validation (default 0.2). */
  validation?: number;
  /** Fraction for testing (default 0). */
  test?: number;
  /** Seed of the shuffle (default 0): the same seed gives the same split. */
  seed?: number;
  /** Class of each example: each part then keeps the classes' proportions. */
  stratify?: ArrayLike<number>;
}

/**
 * Splits `n` examples into shuffled train, validation and test indices.
 *
 * @example
 * ```ts
 * import { splitIndices } from "@course/lib";
 * const { train, validation, test } = splitIndices(100, { validation: 0.2, test: 0.1, seed: 1 });
 * // 70, 20 and 10 indices
 * ```
 */
export function splitIndices(n: number, options: SplitOptions = {}): Split {
  const validation = options.validation ?? 0.2, test = options.test ?? 0;
  if (!(validation >= 0 && test >= 0 && validation + test < 1)) {
    throw new Error(
      `Cannot split as the validation and test fractions must be ≥ 0 and leave some training data: ` +
        `current values are ${validation} and ${test}`,
    );
  }
  if (options.stratify && options.stratify.length !== n) {
    throw new Error(
      `Cannot stratify as there must be one class per example: current values are ${n} examples ` +
        `and ${options.stratify.length} classes`,
    );
  }
  const random = seededRandom(options.seed ?? 0);
  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const key = options.stratify ? options.stratify[i] : 0;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  }
  const out: Split = { train: [], validation: [], test: [] };
  for (const key of [...groups.keys()].sort((a, b) => a - b)) {
    const members = shuffled(groups.get(key)!, random);
    const nTest = Math.round(members.length * test), nVal = Math.round(members.length * validation);
    out.test.push(...members.slice(0, nTest));
    out.validation.push(...members.slice(nTest, nTest + nVal));
    out.train.push(...members.slice(nTest + nVal));
  }
  return { train: shuffled(out.train, random), validation: out.validation, test: out.test };
}
