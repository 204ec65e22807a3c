/**
 * The course's data sets, imported as `@course/datasets`: Fashion-MNIST (Debian package, cache or
 * checked download), the shipped 8×8 digits and microscopy images, and seeded synthetic sets. Each
 * has a `describe…()` table with sizes, classes, values, source and licence.
 *
 * @example
 * ```ts
 * import { describeDigits, loadDigits } from "@course/datasets";
 * const digits = await loadDigits();
 * describeDigits();
 * ```
 *
 * @module
 */
export { cacheDir, sha256 } from "../contract/files.ts";
export * from "./download.ts";
export * from "./describe.ts";
export * from "./shipped.ts";
export * from "./fashion_mnist.ts";
export * from "./digits.ts";
export * from "./microscopy.ts";
export * from "./synthetic.ts";
export * from "./traces.ts";
export * from "./models.ts";
