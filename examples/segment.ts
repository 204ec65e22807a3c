/**
 * Segmentation of your own images: trains on one annotated image and writes, for the image to
 * segment, a probability and the labelled objects as 32-bit float TIFFs.
 *
 * - By default, a U-Net (any mask: 0 background, non-zero foreground): the foreground probability,
 *   and its connected components as objects (touching objects merge).
 * - With `--instances`, StarDist (the mask must be an instance label image: 0 background, one
 *   whole number per object): the object probability, and the polygons kept by non-maximum
 *   suppression as objects (touching objects stay apart).
 *
 * ./node_modules/.bin/deno task segment <image> <mask> [--instances] [--predict other.tif]
 *   [--out prefix] [--patches 400] [--epochs 3, or 40 with --instances] [--seed 0]
 *
 * @module
 */
import {
  connectedComponents,
  type Data,
  fit,
  type FitOptions,
  init,
  losses,
  percentileNormalise,
  predictImage,
  progress,
  starDistInstances,
  starDistNet,
  starDistPatches,
  tf,
  trainingPatches,
  unet,
  writeTiff,
} from "@course/lib";
import { IMAGE_EXTENSIONS, type ImageValues, readImageValues } from "../lib/imaging/image_file.ts";
import { type CommandLine, runCommand } from "../contract/command_line.ts";
import { checkImageSize, patchSide, stemOf, type Training, trainingCommand } from "./images.ts";

/** What a method writes for the image it segments. */
interface Segmentation {
  probability: tf.Tensor2D;
  labels: tf.Tensor2D;
  count: number;
}

/** Trains as both methods do: batches of 8, Adam at 0.001, a progress bar. */
function train(
  model: tf.LayersModel,
  data: Data,
  loss: FitOptions["loss"],
  { epochs, seed }: Pick<Training, "epochs" | "seed">,
) {
  return fit(model, data, {
    loss,
    epochs,
    batchSize: 8,
    learningRate: 0.001,
    seed,
    callbacks: [progress()],
  });
}

/** The U-Net of lesson 09: foreground probability, objects by connected components. */
async function semantic(
  image: tf.Tensor2D,
  mask: tf.Tensor2D,
  toSegment: tf.Tensor2D,
  { patches, epochs, seed }: Training,
): Promise<Segmentation> {
  const foreground = tf.tidy(() => mask.greater(0).toFloat());
  const data = await trainingPatches(image, foreground, {
    size: patchSide(image.shape, 64),
    count: patches,
    seed,
    foreground: 0.5,
    augment: { flips: true, rotations: true },
  });
  const model = unet({ inputShape: [null, null, 1], depth: 3, baseFilters: 16, seed: seed + 1 });
  await train(model, data, "binaryCrossEntropy", { epochs, seed });
  const probability = predictImage(model, toSegment, { multiple: 8 }) as tf.Tensor2D;
  return { probability, ...await connectedComponents(probability.greater(0.5)) };
}

/** StarDist of lesson 11: object probability, objects by polygons and non-maximum suppression. */
async function instances(
  image: tf.Tensor2D,
  labels: tf.Tensor2D,
  toSegment: tf.Tensor2D,
  { patches, epochs, seed }: Training,
): Promise<Segmentation> {
  const data = await starDistPatches(image, labels, {
    size: patchSide(image.shape, 64),
    count: patches,
    seed,
    foreground: 0.5,
  });
  const model = starDistNet({
    inputShape: [null, null, 1],
    depth: 3,
    baseFilters: 16,
    seed: seed + 1,
  });
  await train(model, data, (yTrue, yPred) => losses.starDistLoss(yTrue, yPred), { epochs, seed });
  const out = predictImage(model, toSegment, { multiple: 8 }) as tf.Tensor3D;
  const probability = out.slice([0, 0, 0], [-1, -1, 1]).squeeze([2]) as tf.Tensor2D;
  const distances = out.slice([0, 0, 1], [-1, -1, -1]);
  const found = await starDistInstances(probability, distances);
  tf.dispose([out, distances]);
  return { probability, labels: found.labels, count: found.count };
}

/** The mask, checked to be an instance label image when `--instances` asks for one. */
function checkLabels(cli: CommandLine, mask: ImageValues, instancesWanted: boolean): ImageValues {
  const fraction = Array.prototype.find.call(mask.values, (v: number) => v < 0 || v % 1 !== 0);
  if (instancesWanted && fraction !== undefined) {
    cli.fail(
      `the mask must be an instance label image with --instances (0 background, one whole number ` +
        `per object): '${cli.args[1]}' holds ${Number(fraction.toPrecision(4))}`,
    );
  }
  return mask;
}

async function main(args: string[]): Promise<void> {
  // StarDist learns polygons as well as pixels: it needs more epochs than the U-Net (lesson 11).
  const instancesWanted = args.includes("--instances");
  const { cli, training } = trainingCommand(
    {
      name: "segment",
      verb: "segment",
      usage: "<image> <mask> [--instances] [--predict other.tif] [--out prefix]",
      options: { predict: undefined, out: undefined, instances: true },
      what: "an image and its mask",
      positionals: [2, 2],
    },
    { patches: 400, epochs: instancesWanted ? 40 : 3 },
    args,
  );
  const [imagePath, maskPath] = cli.args.map((path) => cli.file(path, IMAGE_EXTENSIONS));
  const predict = cli.text("predict");
  const target = predict === undefined ? imagePath : cli.file(predict, IMAGE_EXTENSIONS);
  const prefix = cli.output(cli.text("out") ?? stemOf(target));
  // Read before the backend starts: a file that is not an image stops here, in one line.
  const imageValues = checkImageSize(cli, await readImageValues(imagePath), imagePath);
  const maskValues = checkLabels(cli, await readImageValues(maskPath), instancesWanted);
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
  const image = await percentileNormalise(tensorOf(imageValues)) as tf.Tensor2D;
  const mask = tf.tidy(() => tensorOf(maskValues).toInt());
  const toSegment = target === imagePath
    ? image
    : await percentileNormalise(tensorOf(targetValues)) as tf.Tensor2D;
  const method = cli.flag("instances") ? instances : semantic;
  const { probability, labels, count } = await method(image, mask, toSegment, training);
  await writeTiff(`${prefix}_probability.tif`, probability);
  await writeTiff(`${prefix}_labels.tif`, labels);
  console.log(`wrote ${prefix}_probability.tif and ${prefix}_labels.tif (${count} objects)`);
}

if (import.meta.main) await runCommand(main);
