/**
 * Used by lessons 04 and 05.
 *
 * The 8×8 handwritten digits shipped with scikit-learn: 1797 images, values 0–16, classes 0–9.
 * From the UCI Optical Recognition of Handwritten Digits data set, CC BY 4.0.
 *
 * @module
 */
import { tf } from "@course/lib";
import { describeTable, type Description } from "./describe.ts";
import { gunzip } from "./download.ts";
import { dataFile } from "./shipped.ts";

/** The digits: pixels 0–16 (count × 8 × 8) and labels 0–9. */
export interface Digits {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

/**
 * Loads the 8×8 digits shipped in `datasets/data/`.
 *
 * @example
 * ```ts
 * import { loadDigits } from "@course/datasets";
 * const digits = await loadDigits();
 * digits.count; // 1797
 * ```
 */
export async function loadDigits(): Promise<Digits> {
  const path = dataFile("sklearn_digits_8x8.csv.gz");
  const text = new TextDecoder().decode(await gunzip(await Deno.readFile(path), path));
  const rows = text.trim().split("\n").map((line) => line.split(",").map(Number));
  const bad = rows.findIndex((r) => r.length !== 65 || r.some((v) => !Number.isInteger(v)));
  if (bad >= 0) {
    throw new Error(
      `Cannot read ${path} as each row must hold 64 pixels and a label: row ${bad + 1} does not`,
    );
  }
  return {
    images: Uint8Array.from(rows.flatMap((r) => r.slice(0, 64))),
    labels: Uint8Array.from(rows.map((r) => r[64])),
    count: rows.length,
  };
}

/**
 * The digits as tensors: images [n, 8, 8, 1] scaled to [0, 1] and one-hot labels [n, 10].
 *
 * @example
 * ```ts
 * import { digitsTensors, loadDigits } from "@course/datasets";
 * const { x, y } = digitsTensors(await loadDigits());
 * ```
 */
export function digitsTensors(digits: Digits): { x: tf.Tensor4D; y: tf.Tensor2D } {
  return tf.tidy(() => ({
    x: tf.tensor4d(digits.images, [digits.count, 8, 8, 1], "int32").div(16) as tf.Tensor4D,
    y: tf.oneHot(tf.tensor1d(digits.labels, "int32"), 10).toFloat() as tf.Tensor2D,
  }));
}

/** The digits' description. */
export const DIGITS_DESCRIPTION: Description = {
  name: "Handwritten digits 8×8",
  sizes: { all: "1797 images 8×8" },
  classes: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
  values: "0–16 (counts of set pixels in 4×4 blocks of a 32×32 bitmap)",
  source: "UCI Optical Recognition of Handwritten Digits, as bundled by scikit-learn",
  licence: "CC BY 4.0",
};

/**
 * The digits' sizes, classes, values, source and licence, as a table.
 *
 * @example
 * ```ts
 * import { describeDigits } from "@course/datasets";
 * describeDigits();
 * ```
 */
export function describeDigits() {
  return describeTable(DIGITS_DESCRIPTION);
}
