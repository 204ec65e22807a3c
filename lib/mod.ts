/**
 * The course library, imported in notebooks as `@course/lib` (every lesson): the names an attendee
 * meets, in the rooms they come from. Internals (the wasm kernels, plotly's loader, HTML escaping)
 * stay in their modules.
 *
 * - `backend/`: `init()` chooses the tfjs backend; `tf` is TensorFlow.js itself; `read` and
 *   `numberOf` read tensors asynchronously, as WebGPU requires.
 * - `display/`: `table`, `image`, `plot` (plotly.js), `show` (inside loops), `progressBar`, the
 *   course's charts (`linePlot`, `scatterByClass`, `decisionBoundary`, `heatmap`,
 *   `confusionMatrixPlot`, `lossSurface`, `histogram`) and image views (`imageGrid`,
 *   `labelColours`, `overlay`).
 * - `exercises/`: `check` with `expectEqual`, `expectClose`, `expectShape`; `report`; `settings`.
 * - `scratch/` (no tfjs): the McCulloch-Pitts neuron, truth tables, the perceptron, activations
 *   and losses with their derivatives, dense layers and an MLP with hand-written backprop,
 *   optimizers (SGD to Adam), convolution and pooling, numerical gradient checks, an LSTM cell.
 * - `train/`: `fit` with Keras-style callbacks, `losses.*` and `LOSSES`, `metrics.*`,
 *   `optimizer(name)` and schedules. `models/`: blocks and builders, `summary`, `saveModel`.
 * - `imaging/` and `data/`: filters, noise, segmentation, StarDist's star-convex polygons and their
 *   non-maximum suppression, image files; splits, normalisation, augmentation, patches, tiling,
 *   Noise2Void, sampling and seeded random numbers.
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
import * as tf from "@tensorflow/tfjs";
import * as losses from "./train/losses.ts";
import * as classificationMetrics from "./train/metrics.ts";
import * as imageMetrics from "./imaging/metrics.ts";

/** TensorFlow.js itself, as `tf`. */
export { tf };
/** Loss functions on tensors: `losses.mse`, `losses.softDice`, … */
export { losses };
/**
 * Metrics: classification (`accuracy`, `confusionMatrix`, `classScores`, …) and images (`iou`,
 * `dice`, `psnr`, `ssim`, `matchInstances`).
 */
export const metrics: typeof classificationMetrics & typeof imageMetrics = {
  ...classificationMetrics,
  ...imageMetrics,
};
export type { ClassScores } from "./train/metrics.ts";
export type { InstanceMatch, SsimOptions } from "./imaging/metrics.ts";
// tfjs's types that the library's own name, public so that its documentation links them.
export type {
  DataType,
  LayersModel,
  Optimizer as TfOptimizer,
  Rank,
  Scalar,
  SymbolicTensor,
  Tensor,
  Tensor1D,
  Tensor2D,
  Tensor3D,
  Tensor4D,
  TypedArray,
} from "@tensorflow/tfjs";

// backend/
export { type BackendChoice, init, type InitOptions } from "./backend/init.ts";
export type { BackendName } from "../contract/settings.ts";
export { numberOf, read, type Values } from "./backend/read.ts";

// display/
export {
  JUPYTER_DISPLAY,
  type MimeBundle,
  Rich,
  type RichPromise,
  show,
  type ShowOptions,
} from "./display/show.ts";
export {
  type Rows,
  table,
  type TableCell,
  type TableInput,
  type TableOptions,
} from "./display/table.ts";
export { image, type ImageOptions } from "./display/image.ts";
export { type Figure, plot, type PlotOptions, saveHtml, type Trace } from "./display/plotly.ts";
export { ProgressBar, progressBar, type ProgressOptions } from "./display/progress.ts";
export {
  type BoundaryOptions,
  confusionMatrixPlot,
  decisionBoundary,
  heatmap,
  histogram,
  linePlot,
  lossSurface,
  scatterByClass,
  type Titles,
  type Trajectory,
} from "./display/charts.ts";
export { imageGrid, labelColours, overlay } from "./display/image_views.ts";

// exercises/
export {
  check,
  CheckFailure,
  expectClose,
  expectEqual,
  expectShape,
  type GradedCase,
  type GradedCases,
  NotDoneError,
  runCheck,
} from "./exercises/check.ts";
export { report } from "./exercises/report.ts";
export { settings } from "./exercises/settings.ts";
export type { CheckOutcome, CheckResult } from "../contract/exercises.ts";
export type { SettingName } from "../contract/settings.ts";

// scratch/: from scratch, no tfjs
export { type Bit, McCullochPitts } from "./scratch/mcculloch_pitts.ts";
export { allInputs, randomInputs, truthTable } from "./scratch/truth_table.ts";
export {
  Perceptron,
  type PerceptronEpoch,
  type PerceptronTrainOptions,
} from "./scratch/perceptron.ts";
export {
  type Activation,
  ACTIVATIONS,
  elu,
  gelu,
  leakyRelu,
  maxout,
  relu,
  sigmoid,
  silu,
  softplus,
  tanh,
} from "./scratch/activations.ts";
export {
  binaryCrossEntropy,
  type Loss,
  mse,
  softmax,
  softmaxCrossEntropy,
} from "./scratch/losses.ts";
export { Dense, type Param } from "./scratch/dense.ts";
export { MLP, type MLPOptions } from "./scratch/mlp.ts";
export {
  lstmSequence,
  type LstmState,
  type LstmStep,
  lstmStep,
  type LstmWeights,
} from "./scratch/lstm.ts";
export {
  AdaGrad,
  Adam,
  Momentum,
  Nesterov,
  type Optimizer,
  RMSProp,
  SGD,
} from "./scratch/optimizers.ts";
export {
  type Differentiable,
  gradientCheck,
  numericalGradient,
  relativeError,
} from "./scratch/gradient_check.ts";
export {
  conv2d,
  convOutputSize,
  type FieldLayer,
  type Matrix,
  pool2d,
  type PoolOptions,
  receptiveField,
  type WindowOptions,
} from "./scratch/convolution.ts";

// train/
export {
  type BatchLog,
  type Callback,
  type Data,
  type EpochLog,
  evaluate,
  fit,
  type FitOptions,
  type Metric,
  type TrainingContext,
} from "./train/fit.ts";
export {
  checkpoint,
  type EarlyStopping,
  earlyStopping,
  type EarlyStoppingOptions,
  learningRateSchedule,
  livePlot,
  type MonitorOptions,
  type PlateauOptions,
  progress,
  reduceOnPlateau,
} from "./train/callbacks.ts";
export {
  LOSSES,
  type LossFn,
  type LossName,
  n2vLoss,
  type StarDistLossOptions,
} from "./train/losses.ts";
export {
  cosineDecay,
  exponentialDecay,
  optimizer,
  type OptimizerName,
  OPTIMIZERS,
  type Schedule,
  stepDecay,
} from "./train/optimizers.ts";

// models/
export {
  convBlock,
  type ConvBlockOptions,
  downBlock,
  type Seeds,
  unet,
  unetFeatures,
  type UNetOptions,
  unetReceptiveField,
  upBlock,
  type UpBlockOptions,
  type Upsampling,
} from "./models/blocks.ts";
export {
  fashionCnn,
  type FashionCnnOptions,
  lenet,
  type LeNetOptions,
  residualBlock,
} from "./models/classifiers.ts";
export { dropout, type DropoutOptions } from "./models/dropout.ts";
export { starDistNet, type StarDistOptions } from "./models/stardist.ts";
export { summary } from "./models/summary.ts";
export { loadModel, saveModel } from "./models/model_io.ts";

// imaging/
export { gaussianBlur, medianFilter } from "./imaging/filters.ts";
export { gaussianNoise, poissonGaussianNoise, poissonNoise } from "./imaging/noise.ts";
export {
  type ComponentOptions,
  connectedComponents,
  otsuThreshold,
} from "./imaging/segmentation.ts";
export { readImage, writeTiff } from "./imaging/image_file.ts";
export {
  objectCentres,
  objectProbabilities,
  type Polygon,
  polygonsToLabels,
  rasterisePolygon,
  rayDirections,
  starDistances,
  starDistTargets,
  starPolygon,
} from "./imaging/star_convex.ts";
export {
  type Candidate,
  type CandidateOptions,
  type InstanceOptions,
  nonMaximumSuppression,
  type PolygonOverlap,
  polygonOverlap,
  starDistCandidates,
  starDistInstances,
  type SuppressionOptions,
} from "./imaging/polygon_nms.ts";
export { starDistPatches, type StarDistPatchOptions } from "./imaging/stardist_patches.ts";

// data/
export { type Split, splitIndices, type SplitOptions } from "./data/split.ts";
export { percentile, percentileNormalise, standardise } from "./data/normalise.ts";
export {
  applyTransform,
  type AugmentOptions,
  augmentPair,
  randomTransform,
  type Transform,
} from "./data/augment.ts";
export {
  type PatchOptions,
  samplePatches,
  trainingPatches,
  type TrainingPatchOptions,
} from "./data/patches.ts";
export {
  predictImage,
  type PredictImageOptions,
  predictTiled,
  stitchTiles,
  type Tile,
  tileImage,
  type TileOptions,
} from "./data/tiling.ts";
export { n2vMask, type N2VOptions, n2vPatches, type N2VPatchOptions } from "./data/n2v.ts";
export { weightedSampler } from "./data/sampling.ts";
export { gaussian, integer, type Random, seededRandom, shuffled, uniform } from "./data/random.ts";
