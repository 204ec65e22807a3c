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
import { commandLine } from "./command_line.ts";

const args = commandLine(
  "segment <image> <mask> [--predict other.tif] [--out prefix] [--patches N] [--epochs N] [--seed N]",
  2,
  { predict: undefined, out: undefined, patches: "400", epochs: "3", seed: "0" },
);
const [imagePath, maskPath] = args.files;
const target = args.path("predict") ?? imagePath;
const prefix = args.path("out") ?? target.replace(/\.(tiff?|png)$/i, "");
const [patches, epochs, seed] = ["patches", "epochs", "seed"].map(args.count);

await init();
const image = await percentileNormalise(await readImage(imagePath));
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
const data = await trainingPatches(image, foreground, {
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
const toSegment = target === imagePath ? image : await percentileNormalise(await readImage(target));
const probability = predictImage(model, toSegment, { multiple: 8 });
const { labels, count } = await connectedComponents(probability.greater(0.5));
await writeTiff(`${prefix}_probability.tif`, probability);
await writeTiff(`${prefix}_labels.tif`, labels);
console.log(`wrote ${prefix}_probability.tif and ${prefix}_labels.tif (${count} objects)`);
