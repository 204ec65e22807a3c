/**
 * The course library, imported in notebooks as `@course/lib`.
 *
 * - `init()` chooses the tfjs backend; `tf` is TensorFlow.js itself.
 * - Display: `table`, `image`, `plot`, and `show` to display inside loops.
 * - Exercises: `check` with `expectEqual`, `expectClose`, `expectShape`.
 * - From scratch (no tfjs): the McCulloch-Pitts neuron and truth tables.
 *
 * @example
 * ```ts
 * import { init, table, tf } from "@course/lib";
 * await init();
 * table(tf.eye(2));
 * ```
 *
 * @module
 */
export * as tf from "@tensorflow/tfjs";
export * from "./backend.ts";
export * from "./display.ts";
export * from "./table.ts";
export * from "./image.ts";
export * from "./plot.ts";
export * from "./check.ts";
export * from "./scratch/mcculloch_pitts.ts";
export * from "./scratch/truth_table.ts";
