import { beforeAll, expect, test } from "vitest";
import { fit, init, lenet, tf, unet } from "@course/lib";

beforeAll(async () => {
  await init({ backend: "wasm", quiet: true });
});

/** The Fashion-MNIST CNN of the course's benchmarks: conv 32, pool, conv 64, pool, dense 128, dense 10. */
function fashionCnn(): tf.LayersModel {
  const seed = (s: number) => tf.initializers.heNormal({ seed: s });
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [28, 28, 1],
        filters: 32,
        kernelSize: 3,
        activation: "relu",
        kernelInitializer: seed(1),
      }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({
        filters: 64,
        kernelSize: 3,
        activation: "relu",
        kernelInitializer: seed(2),
      }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 128, activation: "relu", kernelInitializer: seed(3) }),
      tf.layers.dense({ units: 10, activation: "softmax", kernelInitializer: seed(4) }),
    ],
  });
}

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
  const model = fashionCnn();
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
  for (const model of [fashionCnn(), lenet({ seed: 1 })]) {
    const { history, counts } = await trainAndCount(model, x, y, "categoricalCrossEntropy");
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(history.at(-1)!.loss).toBeLessThan(history[0].loss);
  }
}, 120_000);
