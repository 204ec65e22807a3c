import { beforeAll, expect, test } from "vitest";
import { gaussian, init, seededRandom, tf } from "@course/lib";

/**
 * Largest difference relative to the gradient's scale, ‖a − b‖∞ / ‖b‖∞: float32 sums of hundreds of
 * terms in another order differ by ~1e-6 of their scale, whatever a single element's cancellation.
 */
function difference(a: number[], b: number[]): number {
  const scale = Math.max(...b.map(Math.abs));
  return Math.max(...a.map((v, i) => Math.abs(v - b[i]))) / scale;
}

beforeAll(async () => {
  await init({ backend: "wasm", quiet: true }); // registers the training kernels
});

interface Case {
  batch: number;
  height: number;
  width: number;
  kernel: number;
  stride: number;
  pad: "same" | "valid";
  inChannels: number;
  outChannels: number;
}

const cases: Case[] = [];
for (const batch of [1, 8]) {
  for (const kernel of [1, 3, 5]) {
    for (const stride of [1, 2]) {
      for (const pad of ["same", "valid"] as const) {
        for (const [inChannels, outChannels] of [[1, 3], [3, 16], [16, 1]]) {
          cases.push({ batch, height: 9, width: 7, kernel, stride, pad, inChannels, outChannels });
        }
      }
    }
  }
}

/** Runs a gradient kernel on a backend, on the same numbers. */
async function gradientsOn(
  backend: "cpu" | "wasm",
  c: Case,
  x: Float32Array,
  w: Float32Array,
  dyOf: (shape: number[]) => Float32Array,
) {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const xt = tf.tensor4d(x, [c.batch, c.height, c.width, c.inChannels]);
    const wt = tf.tensor4d(w, [c.kernel, c.kernel, c.inChannels, c.outChannels]);
    const y = tf.conv2d(xt, wt, c.stride, c.pad);
    const dy = tf.tensor(dyOf(y.shape), y.shape);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), dy))
    )([xt, wt]);
    return { dx: Array.from(dx.dataSync()), dw: Array.from(dw.dataSync()), shape: y.shape };
  });
}

test(
  `the wasm convolution gradients equal the cpu backend's to 1e-4 on ${cases.length} shapes`,
  async () => {
    const failures: string[] = [];
    for (const c of cases) {
      const random = seededRandom(c.batch * 1000 + c.kernel * 100 + c.stride * 10 + c.inChannels);
      const values = (n: number) => Float32Array.from({ length: n }, () => gaussian(random));
      const x = values(c.batch * c.height * c.width * c.inChannels);
      const w = values(c.kernel * c.kernel * c.inChannels * c.outChannels);
      const dySeed = values(4096);
      const dyOf = (shape: number[]) =>
        Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => dySeed[i % 4096]);
      const cpu = await gradientsOn("cpu", c, x, w, dyOf);
      const wasm = await gradientsOn("wasm", c, x, w, dyOf);
      const errors = [difference(wasm.dx, cpu.dx), difference(wasm.dw, cpu.dw)];
      if (Math.max(...errors) > 1e-4) {
        failures.push(
          `${JSON.stringify(c)}: dx ${errors[0].toExponential(1)}, dw ${
            errors[1].toExponential(1)
          }`,
        );
      }
    }
    expect(failures).toEqual([]);
  },
  120_000,
);

test("Tile on wasm equals the cpu backend's, on the fast path (batch norm's broadcast) and off it", async () => {
  const cases: [number[], number[]][] = [[[1, 1, 1, 5], [3, 4, 2, 1]], [[1, 7], [5, 1]], [[2, 3], [
    2,
    2,
  ]], [[1, 3, 1], [2, 1, 4]]];
  for (const [shape, reps] of cases) {
    const values = Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i + 0.5);
    const tiled = async (backend: string) => {
      await tf.setBackend(backend);
      return tf.tidy(() => Array.from(tf.tile(tf.tensor(values, shape), reps).dataSync()));
    };
    expect(await tiled("wasm"), `${shape} × ${reps}`).toEqual(await tiled("cpu"));
  }
  await tf.setBackend("wasm");
});
