/**
 * U-Net segmentation of your own images: trains on one annotated image (any mask: 0 background,
 * non-zero foreground, e.g. an instance label image) and writes, for the image to segment, the
 * foreground probability and the labelled objects (connected components) as 32-bit float TIFFs.
 *
 * ./node_modules/.bin/deno task segment <image> <mask> [--predict other.tif] [--out prefix]
 *   [--patches 400] [--epochs 3] [--seed 0]
 *
 * @module
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  connectedComponents,
  fit,
  init,
  percentileNormalise,
  predictImage,
  progress,
  readImage,
  tf,
  trainingPatches,
  unet,
  writeTiff,
} from "@course/lib";

// `deno task` runs in the project's folder; paths are the user's, from where they typed the command.
const fromUser = (path: string) => resolve(Deno.env.get("INIT_CWD") ?? Deno.cwd(), path);
const { values, positionals: given } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: {
    predict: { type: "string" },
    out: { type: "string" },
    patches: { type: "string", default: "400" },
    epochs: { type: "string", default: "3" },
    seed: { type: "string", default: "0" },
  },
});
const positionals = given.map(fromUser);
if (positionals.length !== 2) {
  console.error(
    "usage: deno task segment <image> <mask> [--predict other.tif] [--out prefix] [--patches N] [--epochs N]",
  );
  Deno.exit(2);
}
const [imagePath, maskPath] = positionals;
const target = values.predict ? fromUser(values.predict) : imagePath;
const prefix = values.out ? fromUser(values.out) : target.replace(/\.(tiff?|png)$/i, "");
const [patches, epochs, seed] = [values.patches, values.epochs, values.seed].map(Number);

await init();
const image = percentileNormalise(await readImage(imagePath));
const mask = await readImage(maskPath);
const foreground = tf.tidy(() => mask.greater(0).toFloat());
if (foreground.shape.join() !== image.shape.join()) {
  throw new Error(
    `Cannot train as the mask must have the image's size: current sizes are ${
      foreground.shape.join("×")
    } and ${image.shape.join("×")}`,
  );
}
const size = Math.min(64, ...image.shape.map((side) => 2 ** Math.floor(Math.log2(side))));
const data = trainingPatches(image, foreground, {
  size,
  count: patches,
  seed,
  foreground: 0.5,
  augment: { flips: true, rotations: true },
});
const model = unet({ inputShape: [null, null, 1], depth: 3, baseFilters: 16, seed: seed + 1 });
await fit(model, data, {
  loss: "binaryCrossEntropy",
  epochs,
  batchSize: 8,
  learningRate: 0.001,
  seed,
  callbacks: [progress()],
});
const toSegment = target === imagePath ? image : percentileNormalise(await readImage(target));
const probability = predictImage(model, toSegment, { multiple: 8 });
const { labels, count } = connectedComponents(probability.greater(0.5));
await writeTiff(`${prefix}_probability.tif`, probability);
await writeTiff(`${prefix}_labels.tif`, labels);
console.log(`wrote ${prefix}_probability.tif and ${prefix}_labels.tif (${count} objects)`);
