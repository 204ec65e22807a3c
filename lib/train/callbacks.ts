/**
 * Used by lessons 05–07 and 09–12; by `deno task denoise`, `deno task segment` and `deno task train:base`.
 *
 * Callbacks for {@linkcode fit}: a progress bar, a live plot of the curves, early stopping that
 * restores the best weights, a best-model checkpoint on disk, and learning-rate schedules.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { inJupyter, show } from "../display/show.ts";
import type { Callback, EpochLog, TrainingContext } from "./fit.ts";
import { saveModel } from "../models/model_io.ts";
import { getLearningRate, type Schedule, setLearningRate } from "./optimizers.ts";
import { plot, plotlyShippedYet, type Trace } from "../display/plotly.ts";
import { ProgressBar } from "../display/progress.ts";

const format = (v: number) => (Math.abs(v) >= 0.01 || v === 0 ? v.toFixed(4) : v.toExponential(2));

/** The numbers of an epoch's log, as "loss 0.1234 valLoss 0.2345 accuracy 0.9800". */
function summary(log: EpochLog): string {
  return Object.entries(log)
    .filter(([k, v]) => typeof v === "number" && !["epoch", "seconds", "learningRate"].includes(k))
    .map(([k, v]) => `${k} ${format(v as number)}`).join(" ");
}

/**
 * A progress bar over all the training steps, with the epoch and its latest numbers.
 *
 * @example
 * ```ts
 * import { fit, progress } from "@course/lib";
 * // await fit(model, data, { loss: "mse", callbacks: [progress()] });
 * ```
 */
export function progress(): Callback {
  let bar: ProgressBar | undefined;
  let last = "";
  const done = (epoch: number, batch: number, c: TrainingContext) =>
    epoch * c.batchesPerEpoch + batch;
  return {
    onTrainBegin: (_logs, c) => {
      bar = new ProgressBar(c.epochs * c.batchesPerEpoch, { label: "training" });
    },
    onBatchEnd: async (batch, { loss }, c) => {
      const epoch = c.history.length;
      await bar!.update(
        done(epoch, batch + 1, c),
        `epoch ${epoch + 1}/${c.epochs} loss ${format(loss)} ${last}`,
      );
    },
    onEpochEnd: async (_epoch, log, c) => {
      last = `| ${summary(log)}`;
      await bar!.update(done(log.epoch, 0, c), `epoch ${log.epoch}/${c.epochs} ${last}`);
    },
    onTrainEnd: async (_logs, c) => {
      // Early stopping ends before the last epoch: show the bar as complete.
      if (bar!.done < bar!.total) {
        await bar!.update(bar!.total, `stopped after epoch ${c.history.length} ${last}`);
      }
    },
  };
}

/**
 * A live plot of the loss (left) and the other metrics (right), training and validation, as one
 * figure updated in place after every epoch (not one figure per epoch). Shown in notebooks only.
 *
 * @example
 * ```ts
 * import { fit, livePlot } from "@course/lib";
 * // await fit(model, data, { loss: "mse", validation, callbacks: [livePlot()] });
 * ```
 */
export function livePlot(options: { title?: string } = {}): Callback {
  const id = `live-plot-${crypto.randomUUID()}`;
  let carriesPlotly = false;
  const figure = (history: EpochLog[]) => {
    const keys = Object.keys(history[0]).filter((k) =>
      !["epoch", "seconds", "learningRate"].includes(k) && typeof history[0][k] === "number"
    );
    const traces: Trace[] = keys.map((k) => ({
      x: history.map((h) => h.epoch),
      y: history.map((h) => h[k]),
      name: k,
      type: "scatter",
      mode: "lines+markers",
      line: { dash: k.startsWith("val") ? "dash" : "solid" },
      ...(/loss/i.test(k) ? {} : { xaxis: "x2", yaxis: "y2" }),
    }));
    const metrics = traces.some((t) => t.xaxis === "x2");
    return {
      data: traces,
      layout: {
        title: { text: options.title ?? "Training" },
        height: 340,
        grid: metrics ? { rows: 1, columns: 2, pattern: "independent" } : undefined,
        xaxis: { title: { text: "epoch" } },
        yaxis: { title: { text: "loss" } },
        xaxis2: { title: { text: "epoch" } },
        yaxis2: { title: { text: "metric" } },
      },
    };
  };
  return {
    onEpochEnd: async (_epoch, _log, c) => {
      if (!inJupyter()) return;
      const first = c.history.length === 1;
      if (first) carriesPlotly = !plotlyShippedYet();
      // Updates leave plotly.js out: the page has it from the first frame or an earlier figure.
      await show(plot(figure(c.history), { plotlyJs: first ? "auto" : "never" }), {
        displayId: id,
        update: !first,
      });
    },
    onTrainEnd: async (_logs, c) => {
      // The saved notebook keeps only the last frame: it must carry plotly.js if the first did.
      if (!inJupyter() || !carriesPlotly || c.history.length < 2) return;
      await show(plot(figure(c.history), { plotlyJs: "always" }), { displayId: id, update: true });
    },
  };
}

/** Options shared by the callbacks that watch one number of the epoch log. */
export interface MonitorOptions {
  /** The log entry to watch (default `"valLoss"`). */
  monitor?: string;
  /** `"min"` (default) for losses, `"max"` for accuracy and the like. */
  mode?: "min" | "max";
  /** Smallest change that counts as an improvement (default 0). */
  minDelta?: number;
}

/** Tracks the best value of one log entry. */
class Monitor {
  best = Infinity;
  bestEpoch = 0;
  sinceBest = 0;
  constructor(private readonly options: MonitorOptions = {}) {}

  /** Records an epoch; returns whether it improved on the best so far. */
  record(log: EpochLog): boolean {
    const name = this.options.monitor ?? "valLoss";
    const raw = log[name];
    if (typeof raw !== "number") {
      const known = Object.keys(log).filter((k) => typeof log[k] === "number").join(", ");
      throw new Error(
        `Cannot monitor '${name}' as the epoch log has no such number: current entries are ${known}` +
          (name.startsWith("val") ? "; pass validation data to fit" : ""),
      );
    }
    const value = this.options.mode === "max" ? -raw : raw;
    if (value < this.best - (this.options.minDelta ?? 0)) {
      this.best = value;
      this.bestEpoch = log.epoch;
      this.sinceBest = 0;
      return true;
    }
    this.sinceBest++;
    return false;
  }
}

/** Options of {@linkcode earlyStopping}. */
export interface EarlyStoppingOptions extends MonitorOptions {
  /** Epochs without improvement before stopping (default 5). */
  patience?: number;
  /** Put the best epoch's weights back when training ends (default true). */
  restoreBestWeights?: boolean;
}

/** The early-stopping callback, which also says which epoch was best. */
export interface EarlyStopping extends Callback {
  /** The epoch (1-based) whose weights were best, 0 before any. */
  readonly bestEpoch: number;
}

/**
 * Stops training when the monitored number has not improved for `patience` epochs, and restores
 * the best epoch's weights.
 *
 * @example
 * ```ts
 * import { earlyStopping } from "@course/lib";
 * const stopper = earlyStopping({ patience: 3 });
 * // await fit(model, data, { loss: "mse", validation, callbacks: [stopper] }); stopper.bestEpoch
 * ```
 */
export function earlyStopping(options: EarlyStoppingOptions = {}): EarlyStopping {
  let monitor = new Monitor(options);
  let best: tf.Tensor[] = [];
  return {
    get bestEpoch() {
      return monitor.bestEpoch;
    },
    onTrainBegin: () => {
      tf.dispose(best);
      best = [];
      monitor = new Monitor(options);
    },
    onEpochEnd: (_epoch, log, c) => {
      if (monitor.record(log)) {
        tf.dispose(best);
        best = c.model.getWeights().map((w) => w.clone());
      } else if (monitor.sinceBest >= (options.patience ?? 5)) c.stop();
    },
    onTrainEnd: (_logs, c) => {
      if ((options.restoreBestWeights ?? true) && best.length) c.model.setWeights(best);
      tf.dispose(best);
      best = [];
    },
  };
}

/**
 * Saves the model to `dir` whenever the monitored number improves: the folder always holds the best
 * model so far.
 *
 * @example
 * ```ts
 * import { checkpoint } from "@course/lib";
 * const save = checkpoint("out/models/best");
 * ```
 */
export function checkpoint(dir: string, options: MonitorOptions = {}): Callback {
  const monitor = new Monitor(options);
  return {
    onEpochEnd: async (_epoch, log, c) => {
      if (monitor.record(log)) await saveModel(c.model, dir);
    },
  };
}

/**
 * Sets the learning rate at the start of every epoch from a schedule.
 *
 * @example
 * ```ts
 * import { cosineDecay, learningRateSchedule } from "@course/lib";
 * const schedule = learningRateSchedule(cosineDecay(0.01, 20));
 * ```
 */
export function learningRateSchedule(schedule: Schedule): Callback {
  return {
    onEpochBegin: (epoch, _logs, c) => setLearningRate(c.optimizer, schedule(epoch)),
  };
}

/** Options of {@linkcode reduceOnPlateau}. */
export interface PlateauOptions extends MonitorOptions {
  /** Factor the learning rate is multiplied by (default 0.5). */
  factor?: number;
  /** Epochs without improvement before reducing (default 3). */
  patience?: number;
  /** Lowest learning rate (default 0). */
  minLearningRate?: number;
}

/**
 * Multiplies the learning rate by `factor` when the monitored number has not improved for
 * `patience` epochs.
 *
 * @example
 * ```ts
 * import { reduceOnPlateau } from "@course/lib";
 * const plateau = reduceOnPlateau({ factor: 0.2, patience: 2 });
 * ```
 */
export function reduceOnPlateau(options: PlateauOptions = {}): Callback {
  const monitor = new Monitor(options);
  return {
    onEpochEnd: (_epoch, log, c) => {
      if (monitor.record(log) || monitor.sinceBest < (options.patience ?? 3)) return;
      const rate = Math.max(
        options.minLearningRate ?? 0,
        getLearningRate(c.optimizer) * (options.factor ?? 0.5),
      );
      setLearningRate(c.optimizer, rate);
      monitor.sinceBest = 0;
    },
  };
}
