/**
 * Used by lessons 02, 03 and 05–12; by `deno task denoise`, `deno task segment` and `deno task train:base`.
 *
 * The training loop: `fit(model, data, options)` trains a tfjs model with mini-batches, seeded
 * shuffling, validation every epoch, metrics and callbacks, and returns the history.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import * as losses from "./losses.ts";
import { accuracyTensor } from "./metrics.ts";
import { getLearningRate, optimizer as namedOptimizer, type OptimizerName } from "./optimizers.ts";
import { seededRandom, shuffled } from "../data/random.ts";

/** Inputs and targets, one example per row of the first axis. */
export interface Data {
  /** Inputs, one example per row of the first axis. */
  x: tf.Tensor;
  /** Targets, in the same order. */
  y: tf.Tensor;
}

/**
 * A metric of a batch, computed from targets and predictions as a scalar tensor, which `fit` reads
 * asynchronously (the WebGPU backend requires it under Deno), e.g. `metrics.accuracyTensor`.
 */
export type Metric = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar;

/** What one epoch gave: the training loss, validation loss and metrics (means over the epoch). */
export interface EpochLog {
  /** The epoch, from 1. */
  epoch: number;
  /** Mean training loss over the epoch. */
  loss: number;
  /** Loss on the validation data, if given. */
  valLoss?: number;
  /** The learning rate during the epoch. */
  learningRate: number;
  /** How long the epoch took. */
  seconds: number;
  /** Training metrics by name, and validation metrics as `val<Name>`. */
  [metric: string]: number | undefined;
}

/** What callbacks can see and do while `fit` runs. */
export interface TrainingContext {
  /** The model being trained. */
  model: tf.LayersModel;
  /** Its optimizer (callbacks may change its learning rate). */
  optimizer: tf.Optimizer;
  /** How many epochs `fit` runs at most. */
  epochs: number;
  /** Batches in each epoch. */
  batchesPerEpoch: number;
  /** The logs of the epochs so far. */
  history: EpochLog[];
  /** Ask `fit` to stop after this epoch (early stopping). */
  stop(): void;
}

/** What one batch gave. */
export interface BatchLog {
  /** The batch's training loss. */
  loss: number;
}

/**
 * Hooks into `fit`, with the arguments of Keras's and tfjs's callbacks (epochs and batches counted
 * from 0, then the logs), and the training context last. All are optional and may be async.
 */
export interface Callback {
  /** Before the first epoch; `logs` is empty. */
  onTrainBegin?(logs: Partial<EpochLog>, context: TrainingContext): void | Promise<void>;
  /** Before each epoch; `logs` is empty. */
  onEpochBegin?(
    epoch: number,
    logs: Partial<EpochLog>,
    context: TrainingContext,
  ): void | Promise<void>;
  /** After each batch, with its loss. */
  onBatchEnd?(batch: number, logs: BatchLog, context: TrainingContext): void | Promise<void>;
  /** After each epoch, with its losses and metrics. */
  onEpochEnd?(epoch: number, logs: EpochLog, context: TrainingContext): void | Promise<void>;
  /** After the last epoch, with its logs (empty if none ran). */
  onTrainEnd?(logs: Partial<EpochLog>, context: TrainingContext): void | Promise<void>;
}

/** Options of {@linkcode fit}. */
export interface FitOptions {
  /** The loss: a function `(yTrue, yPred) → scalar`, or a name such as `"mse"`. */
  loss: losses.LossFn | losses.LossName;
  /** An optimizer or its name (default `"adam"`). */
  optimizer?: tf.Optimizer | OptimizerName;
  /** Learning rate of a named optimizer (default 0.001). */
  learningRate?: number;
  /** Passes over the training data (default 10). */
  epochs?: number;
  /** Examples per step (default 32). */
  batchSize?: number;
  /** Data to evaluate after every epoch. */
  validation?: Data;
  /** Metrics by name; `"accuracy"` is built in. */
  metrics?: Record<string, Metric> | "accuracy"[];
  /** Shuffle the training examples every epoch (default true). */
  shuffle?: boolean;
  /** Seed of the shuffling (default 0): the same seed gives the same batches. */
  seed?: number;
  /** Hooks called as training goes (default none). */
  callbacks?: Callback[];
}

function metricsOf(option: FitOptions["metrics"]): Record<string, Metric> {
  if (!option) return {};
  if (Array.isArray(option)) {
    return Object.fromEntries(option.map((name) => {
      if (name !== "accuracy") {
        throw new Error(
          `Cannot train as the named metrics are "accuracy" only: current value is "${name}"; ` +
            `pass other metrics as functions`,
        );
      }
      return [name, accuracyTensor];
    }));
  }
  return option;
}

function checkData(data: Data, what: string): number {
  const n = data.x.shape[0];
  if (n !== data.y.shape[0] || n === 0) {
    throw new Error(
      `Cannot train as the ${what} inputs and targets must have the same, non-zero number of ` +
        `examples: current values are ${data.x.shape[0]} and ${data.y.shape[0]}`,
    );
  }
  return n;
}

/** A batch's loss and metrics, in the order of `metrics`' names after "loss", as one tensor. */
function measure(
  loss: tf.Scalar,
  metrics: Record<string, Metric>,
  y: tf.Tensor,
  pred: tf.Tensor,
): tf.Tensor1D {
  return tf.stack([loss, ...Object.values(metrics).map((m) => m(y, pred))]) as tf.Tensor1D;
}

/**
 * Sums of batches' values weighted by their sizes, kept on the backend and read once, at the end:
 * every read waits for the GPU (and on WebGPU must be asynchronous), so a batch costs no read.
 */
class Totals {
  #sum?: tf.Tensor1D;
  #count = 0;

  /** Adds a batch's values (and frees them). */
  add(values: tf.Tensor1D, size: number): void {
    const sum = tf.tidy(() => (this.#sum ? this.#sum.add(values.mul(size)) : values.mul(size)));
    tf.dispose([values, this.#sum!]);
    this.#sum = sum as tf.Tensor1D;
    this.#count += size;
  }

  /** The means by name, read asynchronously; frees the sums. */
  async means(names: string[]): Promise<Record<string, number>> {
    const sums = await this.#sum!.data();
    this.#sum!.dispose();
    return Object.fromEntries(names.map((name, i) => [name, sums[i] / this.#count]));
  }
}

/** The regularisation penalties of a model's layers (kernel and bias regularisers), as scalars. */
function penalties(model: tf.LayersModel): tf.Scalar[] {
  return (model as unknown as { calculateLosses(): tf.Scalar[] }).calculateLosses();
}

/**
 * Mean loss and metrics of a model over data, in batches, in inference mode.
 *
 * @example
 * ```ts
 * import { evaluate, losses, metrics, tf } from "@course/lib";
 * const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 1, activation: "sigmoid" })] });
 * const data = { x: tf.randomNormal([8, 2]), y: tf.ones([8, 1]) };
 * await evaluate(model, data, losses.mse, { accuracy: metrics.accuracyTensor }); // { loss: …, accuracy: … }
 * ```
 */
export async function evaluate(
  model: tf.LayersModel,
  data: Data,
  loss: losses.LossFn,
  metrics: Record<string, Metric> = {},
  batchSize = 256,
): Promise<Record<string, number>> {
  const n = checkData(data, "evaluation");
  const totals = new Totals();
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start);
    totals.add(
      tf.tidy(() => {
        const x = data.x.slice(start, size), y = data.y.slice(start, size);
        const pred = model.predict(x) as tf.Tensor;
        return measure(loss(y, pred), metrics, y, pred);
      }),
      size,
    );
  }
  return await totals.means(["loss", ...Object.keys(metrics)]);
}

/**
 * Trains `model` on `data` and returns one {@linkcode EpochLog} per epoch.
 *
 * Each epoch shuffles the examples with a seeded generator, takes steps on mini-batches, then
 * evaluates on `validation`. The training loss includes the layers' regularisation penalties
 * (`kernelRegularizer` and the like), as in Keras; `valLoss` is the loss on the data alone. Every
 * tensor it makes is freed: `tf.memory().numTensors` is the same after every epoch.
 *
 * @example
 * ```ts
 * import { fit, tf } from "@course/lib";
 * const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 1 })] });
 * const x = tf.randomNormal([64, 2], 0, 1, "float32", 1), y = x.sum(1, true);
 * const history = await fit(model, { x, y }, { loss: "mse", epochs: 5, learningRate: 0.05 });
 * history.at(-1)!.loss; // much smaller than history[0].loss
 * ```
 */
export async function fit(
  model: tf.LayersModel,
  data: Data,
  options: FitOptions,
): Promise<EpochLog[]> {
  const n = checkData(data, "training");
  if (options.validation) checkData(options.validation, "validation");
  const loss = typeof options.loss === "string" ? losses.LOSSES[options.loss] : options.loss;
  if (!loss) {
    throw new Error(
      `Cannot train as the loss must be a function or one of ${
        Object.keys(losses.LOSSES).join(", ")
      }: ` +
        `current value is "${options.loss}"`,
    );
  }
  const opt = typeof options.optimizer === "object"
    ? options.optimizer
    : namedOptimizer(options.optimizer ?? "adam", options.learningRate ?? 0.001);
  const metrics = metricsOf(options.metrics);
  const epochs = options.epochs ?? 10, batchSize = options.batchSize ?? 32;
  const random = seededRandom(options.seed ?? 0);
  const callbacks = options.callbacks ?? [];
  const batchCallbacks = callbacks.filter((c) => c.onBatchEnd);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  let stopping = false;
  const context: TrainingContext = {
    model,
    optimizer: opt,
    epochs,
    batchesPerEpoch: Math.ceil(n / batchSize),
    history: [],
    stop: () => stopping = true,
  };
  const indices = Array.from({ length: n }, (_, i) => i);
  for (const c of callbacks) await c.onTrainBegin?.({}, context);
  for (let epoch = 0; epoch < epochs && !stopping; epoch++) {
    for (const c of callbacks) await c.onEpochBegin?.(epoch, {}, context);
    const started = performance.now();
    const order = options.shuffle === false ? indices : shuffled(indices, random);
    const totals = new Totals();
    for (let b = 0; b * batchSize < n; b++) {
      const batch = order.slice(b * batchSize, (b + 1) * batchSize);
      const values = tf.tidy(() => {
        const index = tf.tensor1d(batch, "int32");
        const x = tf.gather(data.x, index), y = tf.gather(data.y, index);
        let pred: tf.Tensor | undefined;
        const { value, grads } = tf.variableGrads(() => {
          pred = tf.keep(model.apply(x, { training: true }) as tf.Tensor);
          // The layers' weight penalties (L1/L2 regularisers), as Keras adds them.
          return penalties(model).reduce((total, p) => total.add(p), loss(y, pred));
        }, variables);
        opt.applyGradients(grads);
        const scores = measure(value, metrics, y, pred!);
        pred!.dispose(); // kept out of the gradient tape's tidy for the metrics
        return scores;
      });
      if (batchCallbacks.length) {
        // Read asynchronously (WebGPU cannot read synchronously under Deno), once for all values.
        const batchLoss = (await values.data())[0];
        for (const c of batchCallbacks) await c.onBatchEnd!(b, { loss: batchLoss }, context);
      }
      totals.add(values, batch.length);
    }
    const means = await totals.means(["loss", ...Object.keys(metrics)]);
    const log: EpochLog = {
      epoch: epoch + 1,
      loss: means.loss,
      learningRate: getLearningRate(opt),
      seconds: 0,
    };
    for (const name of Object.keys(metrics)) log[name] = means[name];
    if (options.validation) {
      const scores = await evaluate(model, options.validation, loss, metrics);
      log.valLoss = scores.loss;
      for (const name of Object.keys(metrics)) {
        log[`val${name[0].toUpperCase()}${name.slice(1)}`] = scores[name];
      }
    }
    log.seconds = (performance.now() - started) / 1000;
    context.history.push(log);
    for (const c of callbacks) await c.onEpochEnd?.(epoch, log, context);
  }
  for (const c of callbacks) await c.onTrainEnd?.(context.history.at(-1) ?? {}, context);
  return context.history;
}
