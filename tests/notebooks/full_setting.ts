/**
 * The lessons' claims that name the full setting, checked on notebooks executed at it. The tests
 * run the lessons at the quick setting only (CI's time); this script is run by hand after a full
 * run, and prints one line per claim:
 *
 * ```sh
 * COURSE_SETTING=full npx deno task run notebooks/ --out results/ --timeout 1800
 * npx deno run -A tests/notebooks/full_setting.ts results/notebooks
 * ```
 *
 * It exits with 1 if a claim fails, or if a notebook it needs did not run at the full setting.
 *
 * @module
 */
import { join } from "node:path";
import { type Notebook, readNotebook } from "../../kernel/jupyter/notebook.ts";
import { reportedResults, type Results } from "./results.ts";

type Claim = [claim: string, holds: (r: Results) => boolean, shown: (r: Results) => unknown];

const numbers = (r: Results, name: string) => r[name] as number[];

const DISTANCES = "nearest and farthest from the minimum over the last 100 steps, by optimiser";
const BEST_RATES = "batches: best learning rate of online, mini-batch and full-batch SGD";
const SCHEDULES = "schedules: final validation loss, lowest first";
const OVERFITTING = "overfitting: weights of the too-large network, its final training accuracy";
const CURES = "cures: the no-cure run's final validation loss, and each cure's kept model's";
const AUTOENCODER = "transfer: test accuracy after autoencoder pretraining";
const CAMERA =
  "task B (new camera): test accuracy from scratch, base as it is, first layer retrained, top fine-tuned";
const CAMERA_PSNR = "camera: PSNR of noisy, median, best Gaussian, Noise2Void, CARE";
const NUCLEI_PSNR = "microscopy: PSNR of recorded, best Gaussian, Noise2Void";
const ELSEWHERE =
  "microscopy: PSNR of CARE trained on the camera image, and of Noise2Void trained on the nuclei";
const UPPER_BODY = "upper-body garments: share of their mistakes that are another of the four";
const SEQUENCES = "sequences: held-out accuracy of the LSTM and of the order-blind model";
const TOUCHING = "touching: merges by the baseline, and how many StarDist splits";

/** Each lesson's full-setting claims: what the lesson (or the README) says, and its results. */
const CLAIMS: Record<string, Claim[]> = {
  "05_optimisation": [
    ["the best η does not shrink as the batch grows, and rises from online to mini-batch", (r) => {
      const [online, mini, full] = numbers(r, BEST_RATES);
      return online < mini && mini <= full;
    }, (r) => r[BEST_RATES]],
    ["every decaying schedule ends below the constant rate", (r) => {
      const finals = new Map(r[SCHEDULES] as [string, number][]);
      return ["step", "exponential", "cosine"].every((s) =>
        finals.get(s)! < finals.get("constant")!
      );
    }, (r) => r[SCHEDULES]],
    [
      "RMSProp circles the minimum at 0.071 in the last 100 of 1000 steps; momentum, Nesterov, Adam below 1e-6",
      (r) => {
        const distances = r[DISTANCES] as Record<string, number[]>;
        const [nearest, farthest] = distances.RMSProp;
        return nearest > 0.065 && farthest < 0.075 &&
          ["momentum", "Nesterov", "Adam"].every((name) => distances[name][1] < 1e-6);
      },
      (r) => r[DISTANCES],
    ],
  ],
  "06_convolutional_networks": [
    ["the CNN reaches about 0.92 test accuracy on Fashion-MNIST", (r) => {
      const accuracy = r["test accuracy"] as number;
      return Math.abs(accuracy - 0.92) < 0.01;
    }, (r) => r["test accuracy"]],
    ["the learning rate falls along a cosine from 0.001 towards 0.00001", (r) => {
      // Epoch k of n: 0.00001 + (0.001 − 0.00001)·(1 + cos(πk/n))/2, reaching 0.00001 at k = n.
      const rates = numbers(r, "learning rate in each epoch");
      return rates.every((v, k) =>
        Math.abs(v - (0.00001 + 0.00099 * (1 + Math.cos(Math.PI * k / rates.length)) / 2)) < 1e-9
      );
    }, (r) => r["learning rate in each epoch"]],
    [
      "most mistakes on shirts, T-shirts, pullovers and coats are another of the four",
      (r) => (r[UPPER_BODY] as number) > 0.7,
      (r) => r[UPPER_BODY],
    ],
  ],
  "07_generalisation": [
    [
      "the training set has 1,000 images",
      (r) => r["training images"] === 1000,
      (r) => r["training images"],
    ],
    [
      "the too-large network's training accuracy passes 0.99",
      (r) => numbers(r, OVERFITTING)[1] > 0.99,
      (r) => r[OVERFITTING],
    ],
    [
      "early stopping, L2, dropout and batch norm end below the overfitted network; not augmentation",
      (r) => {
        const { baseline, cures } = r[CURES] as { baseline: number; cures: Record<string, number> };
        const below = Object.keys(cures).filter((c) => cures[c] < baseline).map((c) =>
          c.split(" ")[0]
        );
        // "Five (full) times the images": the training images and four augmented copies.
        return below.join() === "early,L2,dropout,batch" && "augmentation (×5 images)" in cures;
      },
      (r) => r[CURES],
    ],
  ],
  "08_transfer_learning": [
    ["autoencoder pretraining changes the accuracy by less than a point", (r) =>
      Math.abs(
        (r[AUTOENCODER] as number) -
          (r["transfer: the same network from random weights"] as number),
      ) < 0.01, (r) => [r[AUTOENCODER], r["transfer: the same network from random weights"]]],
    [
      "a new camera: the first layer retrained beats scratch by 10 points and the top recipe",
      (r) => {
        const [scratch, , firstLayer, top] = numbers(r, CAMERA);
        return firstLayer > scratch + 0.1 && firstLayer > top;
      },
      (r) => r[CAMERA],
    ],
  ],
  "09_unet_segmentation": [
    ["the U-Net beats Otsu on the test band with either loss", (r) => {
      const otsu = numbers(r, "otsu: foreground IoU on the whole image and on the test region")[1];
      return ["bce", "dice"].every((l) => numbers(r, `unet ${l}: test IoU and Dice`)[0] > otsu);
    }, (r) => [r["unet bce: test IoU and Dice"], r["unet dice: test IoU and Dice"]]],
  ],
  "10_noise2void": [
    [
      "on the camera image Noise2Void beats the median and the tuned blur; CARE, within 2 dB, beats it",
      (r) => {
        const [, median, blur, n2v, care] = numbers(r, CAMERA_PSNR);
        return n2v > median && n2v > blur && care > n2v && care - n2v < 2;
      },
      (r) => r[CAMERA_PSNR],
    ],
    ["on the nuclei Noise2Void and the best blur are within half a decibel", (r) => {
      const [, blur, n2v] = numbers(r, NUCLEI_PSNR);
      return Math.abs(n2v - blur) < 0.5;
    }, (r) => r[NUCLEI_PSNR]],
    [
      "CARE trained on the camera image does worse on the nuclei than Noise2Void trained on them",
      (r) => {
        const [care, n2v] = numbers(r, ELSEWHERE);
        return care < n2v;
      },
      (r) => r[ELSEWHERE],
    ],
  ],
  "11_stardist": [
    [
      "StarDist's AP at IoU 0.5 is clearly (0.05) above the U-Net's; it splits most merged pairs",
      (r) => {
        const ap = (method: string) =>
          numbers(r, `${method}: precision, recall, F1 and AP at IoU 0.5`)[3];
        const [merged, split] = numbers(r, TOUCHING);
        return ap("stardist") > ap("baseline") + 0.05 && 2 * split > merged;
      },
      (r) => [r["stardist: precision, recall, F1 and AP at IoU 0.5"], r[TOUCHING]],
    ],
  ],
  "12_sequences": [
    ["the LSTM reads the order; the order-blind model stays at chance (0.5)", (r) => {
      const [lstm, blind] = numbers(r, SEQUENCES);
      return lstm > 0.95 && Math.abs(blind - 0.5) < 0.05;
    }, (r) => r[SEQUENCES]],
  ],
};
/** Whether the notebook ran at the full setting: its first cell prints the setting. */
function ranFull(nb: Notebook): boolean {
  return nb.cells.flatMap((c) => c.outputs ?? []).some((o) =>
    "text" in o && String(o.text).startsWith("setting: full")
  );
}

if (import.meta.main) {
  const dir = Deno.args[0];
  if (!dir) {
    console.log("Cannot check the full setting's claims as no folder was given: run it as");
    console.log("  deno run -A tests/notebooks/full_setting.ts results/notebooks");
    Deno.exit(2);
  }
  let failed = 0;
  for (const [lesson, claims] of Object.entries(CLAIMS)) {
    const nb = await readNotebook(join(dir, `${lesson}.ipynb`)).catch(() => undefined);
    if (!nb || !ranFull(nb)) {
      console.log(`✘ ${lesson}: no notebook executed at the full setting in ${dir}`);
      failed++;
      continue;
    }
    const r = reportedResults(nb);
    for (const [claim, holds, shown] of claims) {
      const ok = holds(r);
      if (!ok) failed++;
      console.log(`${ok ? "✔" : "✘"} ${lesson}: ${claim}: ${JSON.stringify(shown(r))}`);
    }
  }
  Deno.exit(failed ? 1 : 0);
}
