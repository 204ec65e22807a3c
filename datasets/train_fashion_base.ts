/**
 * Trains the base network of lesson 08 (transfer learning) and writes it to
 * `datasets/data/fashion_base/`: the course's Fashion-MNIST CNN trained on the five classes with
 * plenty of data it shares with nothing in the lesson's target task (T-shirt/top, trouser, pullover,
 * dress, coat; all 30,000 training images). The lesson then reuses its convolutional layers for the
 * other five classes with a few labels each.
 *
 * ```
 * ./node_modules/.bin/deno task train:base [--epochs 3]
 * ```
 *
 * @module
 */
import { join } from "node:path";
import {
  evaluate,
  fashionCnn,
  fit,
  init,
  losses,
  metrics,
  progress,
  saveModel,
  tf,
} from "@course/lib";
import { DATA_DIR, FASHION_BASE_CLASSES, fashionTensors, loadFashionMnist } from "@course/datasets";
import { commandLine, reportErrors } from "../contract/command_line.ts";

reportErrors();
const epochs = commandLine({
  name: "train:base",
  verb: "train the base network",
  usage: "[--epochs 3]",
  options: { epochs: "3" },
}, Deno.args).count("epochs", 1);
await init();
const { train, test } = await loadFashionMnist();

/** The images of the base classes, labelled 0–4 in the order of FASHION_BASE_CLASSES. */
function baseClasses(split: typeof train): { x: tf.Tensor; y: tf.Tensor } {
  const all = fashionTensors(split);
  const keep = [...split.labels.keys()].filter((i) =>
    FASHION_BASE_CLASSES.includes(split.labels[i])
  );
  const labels = keep.map((i) => FASHION_BASE_CLASSES.indexOf(split.labels[i]));
  const picked = tf.tidy(() => ({
    x: tf.gather(all.x, tf.tensor1d(keep, "int32")),
    y: tf.oneHot(tf.tensor1d(labels, "int32"), FASHION_BASE_CLASSES.length).toFloat(),
  }));
  tf.dispose([all.x, all.y]);
  return picked;
}

const trainSet = baseClasses(train), testSet = baseClasses(test);
const model = fashionCnn({ classes: FASHION_BASE_CLASSES.length, seed: 0 });
await fit(model, trainSet, {
  loss: "categoricalCrossEntropy",
  epochs,
  batchSize: 64,
  learningRate: 0.001,
  seed: 0,
  callbacks: [progress()],
});
const { accuracy } = await evaluate(model, testSet, losses.categoricalCrossEntropy, {
  accuracy: metrics.accuracyTensor,
});
const dir = join(DATA_DIR, "fashion_base");
await saveModel(model, dir);
const bytes = (await Deno.stat(join(dir, "weights.bin"))).size;
console.log(
  `base network: test accuracy ${accuracy.toFixed(4)} on the ${testSet.x.shape[0]} test images ` +
    `of its classes; ${model.countParams()} parameters, ${(bytes / 1e6).toFixed(2)} MB, in ${dir}`,
);
