/**
 * Used by lessons 06, 08 and 09.
 *
 * A model summary: its layers with their output shapes and parameter counts, as a table.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { Rich } from "../display/show.ts";
import { table } from "../display/table.ts";

/** Number of values in a list of weights. */
const sizeOf = (weights: tf.LayerVariable[]) =>
  weights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);

const shapeText = (shape: tf.Shape | tf.Shape[]) =>
  (Array.isArray(shape[0]) ? shape as tf.Shape[] : [shape as tf.Shape])
    .map((s) => `[${s.map((d) => d ?? "?").join(", ")}]`).join(", ");

/**
 * The layers of a model with their output shapes and parameter counts, and the totals.
 *
 * @example
 * ```ts
 * import { lenet, summary } from "@course/lib";
 * summary(lenet()); // a table: conv2d [?, 28, 28, 6] 156, …, total 61,706 parameters
 * ```
 */
export function summary(model: tf.LayersModel): Rich {
  const rows = model.layers.map((layer) => ({
    layer: layer.name,
    type: layer.getClassName(),
    "output shape": shapeText(layer.outputShape),
    parameters: layer.countParams(),
  }));
  const trainable = sizeOf(model.trainableWeights), frozen = sizeOf(model.nonTrainableWeights);
  const caption = `${model.name}: ${(trainable + frozen).toLocaleString("en")} parameters ` +
    `(${trainable.toLocaleString("en")} trainable, ${frozen.toLocaleString("en")} not trainable)`;
  return table(rows, { caption });
}
