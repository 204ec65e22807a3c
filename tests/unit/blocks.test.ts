import { beforeAll, expect, test } from "vitest";
import {
  convBlock,
  fashionCnn,
  fit,
  init,
  lenet,
  residualBlock,
  summary,
  tf,
  unet,
} from "@course/lib";

beforeAll(async () => {
  await init({ backend: "cpu", quiet: true });
});

const weightsOf = (model: tf.LayersModel) =>
  model.getWeights().flatMap((w) => Array.from(w.dataSync()));

test("LeNet-5 by default: 61,706 parameters, ten probabilities out", () => {
  const model = lenet();
  expect(model.countParams()).toBe(61_706); // 156 + 2,416 + 48,120 + 10,164 + 850
  expect(model.outputs[0].shape).toEqual([null, 10]);
  const p = model.predict(tf.zeros([2, 28, 28, 1])) as tf.Tensor;
  expect(Array.from(p.sum(1).dataSync()).map((s) => Math.round(s * 1e5) / 1e5)).toEqual([1, 1]);
});

test("a U-Net is fully convolutional: output size = input size, for any size divisible by 2^depth", () => {
  const model = unet({ inputShape: [null, null, 1], depth: 2, baseFilters: 4 });
  for (const [h, w] of [[16, 16], [24, 32]]) {
    expect((model.predict(tf.zeros([1, h, w, 1])) as tf.Tensor).shape).toEqual([1, h, w, 1]);
  }
  expect(() => unet({ inputShape: [24, 24, 1], depth: 4 })).toThrow(
    "Cannot build a U-Net of depth 4 as the input's height and width must be divisible by 16: current shape is [24, 24, 1]",
  );
});

test("U-Net options change the model as they should", () => {
  const plain = unet({ inputShape: [16, 16, 1], depth: 2, baseFilters: 4 });
  const upsampled = unet({
    inputShape: [16, 16, 1],
    depth: 2,
    baseFilters: 4,
    upsampling: "nearest",
  });
  const normalised = unet({ inputShape: [16, 16, 1], depth: 2, baseFilters: 4, batchNorm: true });
  // Per decoder level: a transposed convolution to f channels, concatenated with f skip channels,
  // feeding a 3×3 convolution to f; fixed upsampling keeps 2f channels, so that convolution sees 3f.
  const level = (f: number, transposed: boolean) =>
    transposed ? (2 * f * f * 4 + f) + (2 * f * f * 9 + f) : 3 * f * f * 9 + f;
  expect(plain.countParams() - upsampled.countParams()).toBe(
    level(8, true) + level(4, true) - level(8, false) - level(4, false),
  );
  expect(normalised.nonTrainableWeights.length).toBeGreaterThan(0);
  expect(summary(normalised).toString()).toMatch(
    /^unet_depth2: [\d,]+ parameters \([\d,]+ trainable, 160 not trainable\)/,
  );
});

test("the same seed builds the same weights; another seed other weights", () => {
  const a = weightsOf(unet({ inputShape: [16, 16, 1], depth: 1, baseFilters: 4, seed: 1 }));
  const b = weightsOf(unet({ inputShape: [16, 16, 1], depth: 1, baseFilters: 4, seed: 1 }));
  const c = weightsOf(unet({ inputShape: [16, 16, 1], depth: 1, baseFilters: 4, seed: 2 }));
  expect(a).toEqual(b);
  expect(a).not.toEqual(c);
  // Seed 0, the default, too: tfjs takes an initialiser's seed 0 for "no seed".
  expect(weightsOf(fashionCnn())).toEqual(weightsOf(fashionCnn({ seed: 0 })));
  expect(weightsOf(unet({ inputShape: [16, 16, 1], depth: 1, baseFilters: 4, seed: 0 })))
    .toEqual(weightsOf(unet({ inputShape: [16, 16, 1], depth: 1, baseFilters: 4, seed: 0 })));
});

test("blocks keep the image size and set the channels", () => {
  const input = tf.input({ shape: [8, 8, 3] });
  expect(convBlock(input, { filters: 5 }).shape).toEqual([null, 8, 8, 5]);
  expect(residualBlock(input, { filters: 3 }).shape).toEqual([null, 8, 8, 3]);
  expect(residualBlock(input, { filters: 6 }).shape).toEqual([null, 8, 8, 6]);
  expect(() => convBlock(input, { filters: 0 })).toThrow(
    "'filters' must be a whole number ≥ 1: current value is 0",
  );
});

test(
  "a small U-Net learns a pixel-wise binary mask (on wasm, with the library's training kernels)",
  async () => {
    await init({ backend: "wasm", quiet: true });
    const x = tf.tidy(() => tf.randomUniform([8, 16, 16, 1], 0, 1, "float32", 3).round());
    const model = unet({ inputShape: [16, 16, 1], depth: 1, baseFilters: 4, seed: 0 });
    const history = await fit(model, { x, y: x }, {
      loss: "binaryCrossEntropy",
      epochs: 12,
      batchSize: 4,
      learningRate: 0.02,
      metrics: {
        dice: (t, p) => tf.tidy(() => tf.sub(1, tf.mean(tf.abs(tf.sub(t, tf.round(p)))))),
      },
    });
    expect(history.at(-1)!.loss).toBeLessThan(history[0].loss / 3);
    expect(history.at(-1)!.dice).toBeGreaterThan(0.95);
  },
  60_000,
);
