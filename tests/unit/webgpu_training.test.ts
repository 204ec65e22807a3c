import { beforeAll, expect, test } from "vitest";
import { fit, init, tf, unet } from "@course/lib";
import { requireWebGpu } from "../helpers.ts";

// Deno offers a WebGPU adapter even without a GPU (llvmpipe, in software); a machine with none fails.
beforeAll(() => requireWebGpu("train on WebGPU"));

test(
  "a U-Net trains on the WebGPU backend with an accuracy metric, with flat tensor counts",
  async () => {
    await init({ backend: "webgpu", quiet: true });
    const x = tf.randomUniform([4, 16, 16, 1], 0, 1, "float32", 1);
    const y = tf.tidy(() => x.greater(0.5).toFloat());
    const model = unet({
      inputShape: [16, 16, 1],
      depth: 1,
      baseFilters: 4,
      batchNorm: true,
      seed: 0,
    });
    const counts: number[] = [];
    const history = await fit(model, { x, y }, {
      loss: "mse",
      epochs: 4,
      batchSize: 4,
      learningRate: 0.01,
      validation: { x, y },
      // Metrics are read asynchronously too: a synchronous read fails on WebGPU under Deno.
      metrics: ["accuracy"],
      callbacks: [{ onEpochEnd: () => void counts.push(tf.memory().numTensors) }],
    });
    expect(new Set(counts).size).toBe(1);
    for (const h of history) {
      expect(h.accuracy).toBeGreaterThanOrEqual(0), expect(h.valAccuracy).toBeLessThanOrEqual(1);
    }
    expect(history.at(-1)!.loss).toBeLessThan(history[0].loss);
  },
  120_000,
);

test(
  "WebGPU's convolution gradients equal the cpu backend's",
  async () => {
    const gradients = async (backend: string) => {
      await init({ backend: backend as "cpu", quiet: true });
      const x = tf.randomUniform([2, 9, 7, 3], -1, 1, "float32", 3);
      const w = tf.randomUniform([3, 3, 3, 4], -1, 1, "float32", 4);
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, "same")))
      )([x, w]);
      return [Array.from(await dx.data()), Array.from(await dw.data())];
    };
    const [gpu, cpu] = [await gradients("webgpu"), await gradients("cpu")];
    for (const k of [0, 1]) {
      const scale = Math.max(...cpu[k].map(Math.abs));
      expect(Math.max(...gpu[k].map((v, i) => Math.abs(v - cpu[k][i]))) / scale).toBeLessThan(1e-4);
    }
  },
  120_000,
);
