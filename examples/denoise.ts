/**
 * Noise2Void on your own image: trains a U-Net on the noisy image alone (blind-spot masking) and
 * writes the denoised image as a 32-bit float TIFF.
 *
 * ./node_modules/.bin/deno task denoise <noisy.tif|png> [--out denoised.tif] [--patches 6000]
 *   [--epochs 3] [--seed 0]
 *
 * @module
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  cosineDecay,
  fit,
  init,
  learningRateSchedule,
  n2vLoss,
  n2vPatches,
  predictImage,
  progress,
  readImage,
  standardise,
  tf,
  unet,
  writeTiff,
} from "@course/lib";

// `deno task` runs in the project's folder; paths are the user's, from where they typed the command.
const fromUser = (path: string) => resolve(Deno.env.get("INIT_CWD") ?? Deno.cwd(), path);
const { values, positionals: given } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: {
    out: { type: "string" },
    patches: { type: "string", default: "6000" },
    epochs: { type: "string", default: "3" },
    seed: { type: "string", default: "0" },
  },
});
const positionals = given.map(fromUser);
if (positionals.length !== 1) {
  console.error(
    "usage: deno task denoise <noisy.tif|png> [--out denoised.tif] [--patches N] [--epochs N]",
  );
  Deno.exit(2);
}
const [path] = positionals;
const out = values.out ? fromUser(values.out) : path.replace(/\.(tiff?|png)$/i, "") + "_n2v.tif";
const [patches, epochs, seed] = [values.patches, values.epochs, values.seed].map(Number);

await init();
const noisy = await readImage(path);
const { x: scaled, mean, std } = standardise(noisy);
const size = Math.min(32, ...noisy.shape.map((side) => 2 ** Math.floor(Math.log2(side))));
const data = n2vPatches(scaled, {
  size,
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
