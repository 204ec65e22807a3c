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
  tf,
  trainingPatches,
  unet,
  writeTiff,
} from "@course/lib";
import { IMAGE_EXTENSIONS, type ImageValues, readImageValues } from "../lib/imaging/image_file.ts";
import { commandLine, runCommand } from "../contract/command_line.ts";
import { checkImageSize } from "./images.ts";

async function main(args: string[]): Promise<void> {
  const cli = commandLine({
    name: "segment",
    verb: "segment",
    usage:
      "<image> <mask> [--predict other.tif] [--out prefix] [--patches N] [--epochs N] [--seed N]",
    what: "an image and its mask",
    positionals: [2, 2],
    options: { predict: undefined, out: undefined, patches: "400", epochs: "3", seed: "0" },
  }, args);
  const [imagePath, maskPath] = cli.args.map((path) => cli.file(path, IMAGE_EXTENSIONS));
  const predict = cli.text("predict");
  const target = predict === undefined ? imagePath : cli.file(predict, IMAGE_EXTENSIONS);
  const prefix = cli.output(cli.text("out") ?? target.replace(/\.(tiff?|png)$/i, ""));
  const [patches, epochs, seed] = [
    cli.count("patches", 1),
    cli.count("epochs", 1),
    cli.count("seed"),
  ];
  // Read before the backend starts: a file that is not an image stops here, in one line.
  const imageValues = checkImageSize(cli, await readImageValues(imagePath), imagePath);
  const maskValues = await readImageValues(maskPath);
  if (maskValues.shape.join() !== imageValues.shape.join()) {
    cli.fail(
      `the mask must have the image's size: '${cli.args[1]}' is ${maskValues.shape.join("×")}, ` +
        `'${cli.args[0]}' is ${imageValues.shape.join("×")}`,
    );
  }
  const targetValues = target === imagePath
    ? imageValues
    : checkImageSize(cli, await readImageValues(target), target);

  await init();
  const tensorOf = ({ values, shape }: ImageValues) => tf.tensor2d(values, shape);
  const image = await percentileNormalise(tensorOf(imageValues));
  const foreground = tf.tidy(() => tensorOf(maskValues).greater(0).toFloat());
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
  const toSegment = target === imagePath
    ? image
    : await percentileNormalise(tensorOf(targetValues));
  const probability = predictImage(model, toSegment, { multiple: 8 });
  const { labels, count } = await connectedComponents(probability.greater(0.5));
  await writeTiff(`${prefix}_probability.tif`, probability);
  await writeTiff(`${prefix}_labels.tif`, labels);
  console.log(`wrote ${prefix}_probability.tif and ${prefix}_labels.tif (${count} objects)`);
}

if (import.meta.main) await runCommand(main);
