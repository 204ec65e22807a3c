/**
 * Noise2Void on your own image: trains a U-Net on the noisy image alone (blind-spot masking) and
 * writes the denoised image as a 32-bit float TIFF.
 *
 * ./node_modules/.bin/deno task denoise <noisy.tif|png> [--out denoised.tif] [--patches 6000]
 *   [--epochs 3] [--seed 0]
 *
 * @module
 */
import {
  cosineDecay,
  fit,
  init,
  learningRateSchedule,
  n2vLoss,
  n2vPatches,
  predictImage,
  progress,
  standardise,
  tf,
  unet,
  writeTiff,
} from "@course/lib";
import { IMAGE_EXTENSIONS, readImageValues } from "../lib/imaging/image_file.ts";
import { runCommand } from "../contract/command_line.ts";
import { checkImageSize, patchSide, stemOf, trainingCommand } from "./images.ts";

async function main(args: string[]): Promise<void> {
  const { cli, training: { patches, epochs, seed } } = trainingCommand(
    {
      name: "denoise",
      verb: "denoise",
      usage: "<noisy.tif|png> [--out denoised.tif]",
      options: { out: undefined },
      what: "a noisy image",
      positionals: [1, 1],
    },
    { patches: 6000, epochs: 3 },
    args,
  );
  const path = cli.file(cli.args[0], IMAGE_EXTENSIONS);
  const out = cli.output(cli.text("out") ?? stemOf(path) + "_n2v.tif");
  // Read before the backend starts: a file that is not an image stops here, in one line.
  const pixels = checkImageSize(cli, await readImageValues(path), path);

  await init();
  const noisy = tf.tensor2d(pixels.values, pixels.shape);
  const { x: scaled, mean, std } = await standardise(noisy);
  const data = await n2vPatches(scaled, {
    size: patchSide(noisy.shape, 32),
    count: patches,
    fraction: 0.1,
    seed,
    augment: { flips: true, rotations: true },
  });
  const model = unet({
    inputShape: [null, null, 1],
    depth: 2,
    baseFilters: 8,
    finalActivation: "linear",
    seed: seed + 1,
  });
  await fit(model, data, {
    loss: n2vLoss,
    epochs,
    batchSize: 16,
    learningRate: 0.004,
    seed,
    callbacks: [learningRateSchedule(cosineDecay(0.004, epochs, 0.0002)), progress()],
  });
  const denoised = tf.tidy(() => predictImage(model, scaled, { multiple: 4 }).mul(std).add(mean));
  await writeTiff(out, denoised);
  console.log(`wrote ${out} (${noisy.shape.join("×")}, 32-bit float)`);
}

if (import.meta.main) await runCommand(main);
