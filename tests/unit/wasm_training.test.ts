import { beforeAll, expect, test } from "vitest";
import { fashionCnn, fit, init, lenet, tf, unet } from "@course/lib";

beforeAll(async () => {
  await init({ backend: "wasm", quiet: true });
});

async function trainAndCount(
  model: tf.LayersModel,
  x: tf.Tensor,
  y: tf.Tensor,
  loss: "mse" | "categoricalCrossEntropy",
) {
  const counts: number[] = [];
  const history = await fit(model, { x, y }, {
    loss,
    epochs: 4,
    batchSize: 8,
    learningRate: 0.005,
    seed: 1,
    callbacks: [{ onEpochEnd: () => void counts.push(tf.memory().numTensors) }],
  });
  return { history, counts };
}

test(
  "a U-Net with batch norm and transposed convolutions trains on wasm, without leaking tensors",
  async () => {
    expect(tf.getBackend()).toBe("wasm");
    const x = tf.randomUniform([16, 32, 32, 1], 0, 1, "float32", 1);
    const y = tf.tidy(() => x.greater(0.5).toFloat());
    const model = unet({
      inputShape: [32, 32, 1],
      depth: 2,
      baseFilters: 8,
      batchNorm: true,
      seed: 1,
    });
    const { history, counts } = await trainAndCount(model, x, y, "mse");
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(history.at(-1)!.loss).toBeLessThan(history[0].loss);
  },
  120_000,
);

test("tfjs's own model.fit trains the CNN on wasm too, without leaking tensors", async () => {
  const x = tf.randomUniform([16, 28, 28, 1], 0, 1, "float32", 3);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 10), "int32"), 10)
    .toFloat();
  const model = fashionCnn({ seed: 1 });
  model.compile({ optimizer: tf.train.adam(0.001), loss: "categoricalCrossentropy" });
  const counts: number[] = [];
  const history = await model.fit(x, y, {
    epochs: 4,
    batchSize: 8,
    verbose: 0,
    callbacks: { onEpochEnd: () => void counts.push(tf.memory().numTensors) },
  });
  expect(new Set(counts.slice(1)).size).toBe(1);
  expect(history.history.loss.at(-1)!).toBeLessThan(history.history.loss[0] as number);
}, 120_000);

test("the Fashion-MNIST CNN and LeNet train on wasm, without leaking tensors", async () => {
  const x = tf.randomUniform([16, 28, 28, 1], 0, 1, "float32", 2);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 10), "int32"), 10)
    .toFloat();
  for (const model of [fashionCnn({ seed: 1 }), lenet({ seed: 1 })]) {
    const { history, counts } = await trainAndCount(model, x, y, "categoricalCrossEntropy");
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(history.at(-1)!.loss).toBeLessThan(history[0].loss);
  }
}, 120_000);
