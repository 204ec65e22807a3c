/**
 * The course library, imported in notebooks as `@course/lib`.
 *
 * - `init()` chooses the tfjs backend; `tf` is TensorFlow.js itself.
 * - Display: `table`, `image`, `plot`, `show` (inside loops), `progressBar`, and ready-made plots
 *   (`linePlot`, `scatterByClass`, `decisionBoundary`, `heatmap`, `confusionMatrixPlot`,
 *   `lossSurface`, `histogram`, `imageGrid`, `labelColours`, `overlay`), `saveHtml`.
 * - Exercises: `check` with `expectEqual`, `expectClose`, `expectShape`.
 * - From scratch (no tfjs, in `scratch/`): the McCulloch-Pitts neuron, truth tables, the
 *   perceptron, activations and losses with their derivatives, dense layers and an MLP with
 *   hand-written backprop, optimisers (SGD to Adam), numerical gradient checks.
 * - Toolkit (tfjs): `fit` with callbacks (`progress`, `livePlot`, `earlyStopping`, `checkpoint`,
 *   `learningRateSchedule`, `reduceOnPlateau`), `losses.*`, `metrics.*`, `optimizer(name)` and
 *   schedules, blocks and builders (`convBlock`, `unet`, `lenet`, `residualBlock`), `summary`,
 *   `saveModel`/`loadModel`.
 * - Seeded random numbers for reproducible lessons.
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
export * from "./kernels/wasm_training.ts";
export * from "./kernels/wasm_threads.ts";
export * from "./random.ts";
export * from "./read.ts";

// Display and exercises
export * from "./display.ts";
export * from "./table.ts";
export * from "./image.ts";
export * from "./image_file.ts";
export * from "./plot.ts";
export * from "./plots.ts";
export * from "./progress.ts";
export * from "./check.ts";

// From scratch, no tfjs
export * from "./scratch/mcculloch_pitts.ts";
export * from "./scratch/truth_table.ts";
export * from "./scratch/perceptron.ts";
export * from "./scratch/activations.ts";
export * from "./scratch/losses.ts";
export * from "./scratch/dense.ts";
export * from "./scratch/mlp.ts";
export * from "./scratch/optimisers.ts";
export * from "./scratch/gradient_check.ts";
export * from "./scratch/convolution.ts";

// Toolkit on tfjs
export * as losses from "./losses.ts";
export * as metrics from "./metrics.ts";
export * from "./optimizers.ts";
export * from "./fit.ts";
export * from "./callbacks.ts";
export * from "./blocks.ts";
export * from "./summary.ts";
export * from "./model_io.ts";

// Data pipeline
export * from "./noise.ts";
export * from "./filters.ts";
export * from "./segmentation.ts";
export * from "./data/split.ts";
export * from "./data/normalise.ts";
export * from "./data/augment.ts";
export * from "./data/patches.ts";
export * from "./data/tiling.ts";
export * from "./data/n2v.ts";
export * from "./data/sampling.ts";

// Lessons
export * from "./report.ts";
export * from "./settings.ts";
