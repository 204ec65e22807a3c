/**
 * Used by lesson 10.
 *
 * Noise models for microscopy-like images: Gaussian (read-out noise), Poisson (shot noise) and both
 * together. All are pixel-independent, which is what Noise2Void can remove. The noise is drawn on
 * the CPU from a seeded generator; Poisson noise depends on each pixel's value, so those functions
 * read the image and are asynchronous.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { gaussian, type Random, seededRandom } from "../data/random.ts";
import { valuesOf } from "../backend/read.ts";

/** log(k!) exactly for small k, by Stirling's series for large k. */
function logFactorial(k: number): number {
  if (k < 20) {
    let s = 0;
    for (let i = 2; i <= k; i++) s += Math.log(i);
    return s;
  }
  return k * Math.log(k) - k + 0.5 * Math.log(2 * Math.PI * k) + 1 / (12 * k) - 1 / (360 * k ** 3);
}

/**
 * A Poisson-distributed count with mean `lambda`: Knuth's method below 10, Hörmann's transformed
 * rejection (PTRS, as NumPy) above.
 *
 * @example
 * ```ts
 * import { seededRandom } from "@course/lib";
import { poisson } from "./noise.ts";
 * poisson(4.5, seededRandom(0)); // a whole number, 4.5 on average
 * ```
 */
export function poisson(lambda: number, random: Random): number {
  if (lambda <= 0) return 0;
  if (lambda < 10) {
    const limit = Math.exp(-lambda);
    let k = 0, p = random();
    while (p > limit) {
      k++;
      p *= random();
    }
    return k;
  }
  const slam = Math.sqrt(lambda), loglam = Math.log(lambda);
  const b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
  const invalpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = random() - 0.5, v = random(), us = 0.5 - Math.abs(u);
    const k = Math.floor((2 * a / us + b) * u + lambda + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (
      Math.log(v) + Math.log(invalpha) - Math.log(a / (us * us) + b) <=
        -lambda + k * loglam - logFactorial(k)
    ) {
      return k;
    }
  }
}

async function mapPixels(x: tf.Tensor, f: (v: number) => number): Promise<tf.Tensor> {
  return tf.tensor(Float32Array.from(await valuesOf(x), f), x.shape);
}

/**
 * The image plus Gaussian noise of standard deviation `sigma`.
 *
 * @example
 * ```ts
 * import { gaussianNoise, tf } from "@course/lib";
 * gaussianNoise(tf.zeros([64, 64]), 0.1, 0);
 * ```
 */
export function gaussianNoise(x: tf.Tensor, sigma: number, seed = 0): tf.Tensor {
  const random = seededRandom(seed);
  const noise = Float32Array.from({ length: x.size }, () => gaussian(random, 0, sigma));
  return tf.tidy(() => tf.add(x, tf.tensor(noise, x.shape)));
}

/**
 * Poisson (shot) noise: each pixel's value is the expected number of photons; the result is the
 * number counted. Brighter pixels are noisier in absolute terms, darker ones relatively.
 *
 * @example
 * ```ts
 * import { poissonNoise, tf } from "@course/lib";
 * await poissonNoise(tf.fill([64, 64], 20), 0); // counts around 20
 * ```
 */
export function poissonNoise(x: tf.Tensor, seed = 0): Promise<tf.Tensor> {
  const random = seededRandom(seed);
  return mapPixels(x, (v) => poisson(v, random));
}

/**
 * Poisson-Gaussian noise, the model of a camera: photon counts of `signal / gain` (gain: signal
 * per photon), scaled back by `gain`, plus Gaussian read-out noise `sigma`.
 *
 * @example
 * ```ts
 * import { poissonGaussianNoise, tf } from "@course/lib";
 * await poissonGaussianNoise(tf.fill([64, 64], 0.5), { gain: 0.01, sigma: 0.02, seed: 0 });
 * ```
 */
export async function poissonGaussianNoise(
  x: tf.Tensor,
  options: { gain: number; sigma: number; seed?: number },
): Promise<tf.Tensor> {
  if (!(options.gain > 0)) {
    throw new Error(
      `Cannot add Poisson-Gaussian noise as 'gain' must be > 0: current value is ${options.gain}`,
    );
  }
  const random = seededRandom(options.seed ?? 0);
  return await mapPixels(
    x,
    (v) => options.gain * poisson(v / options.gain, random) + gaussian(random, 0, options.sigma),
  );
}
