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
import { runCommand } from "../contract/command_line.ts";
import { checkImageSize, patchSide, stemOf, trainingCommand } from "./images.ts";

async function main(args: string[]): Promise<void> {
  const { cli, training: { patches, epochs, seed } } = trainingCommand(
    {
      name: "segment",
      verb: "segment",
      usage: "<image> <mask> [--predict other.tif] [--out prefix]",
      options: { predict: undefined, out: undefined },
      what: "an image and its mask",
      positionals: [2, 2],
    },
    400,
    args,
  );
  const [imagePath, maskPath] = cli.args.map((path) => cli.file(path, IMAGE_EXTENSIONS));
  const predict = cli.text("predict");
  const target = predict === undefined ? imagePath : cli.file(predict, IMAGE_EXTENSIONS);
  const prefix = cli.output(cli.text("out") ?? stemOf(target));
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
  const data = await trainingPatches(image, foreground, {
    size: patchSide(image.shape, 64),
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
