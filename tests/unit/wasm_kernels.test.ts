import { beforeAll, describe, expect, test } from "vitest";
import { gaussian, init, seededRandom, tf } from "@course/lib";

/**
 * Largest difference relative to the gradient's scale, ‖a − b‖∞ / ‖b‖∞: float32 sums of hundreds of
 * terms in another order differ by ~1e-6 of their scale, whatever a single element's cancellation.
 */
function difference(a: number[], b: number[]): number {
  const scale = Math.max(...b.map(Math.abs));
  return Math.max(...a.map((v, i) => Math.abs(v - b[i]))) / scale;
}

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
    return {
      y: Array.from(y.dataSync()),
      dx: Array.from(dx.dataSync()),
      dw: Array.from(dw.dataSync()),
      shape: y.shape,
    };
  });
}

/**
 * Every test runs twice: on the wasm backend's own kernels and the course's (`COURSE_NATIVE=0`),
 * and with the heavy kernels on oneDNN, which `npm test`'s set-up installs.
 */
describe.each([
  { native: false, kernels: "the wasm kernels" },
  { native: true, kernels: "the oneDNN kernels" },
])("$kernels", ({ native }) => {
  beforeAll(async () => {
    const choice = await init({ backend: "wasm", quiet: true, native }); // registers the kernels
    expect(choice.native, choice.withoutNative).toEqual(
      native ? expect.stringMatching(/^oneDNN 2\./) : undefined,
    );
  });

  test("a 1×1 convolution from one channel to one keeps NaN (XNNPACK's alone gives -Infinity)", async () => {
    await tf.setBackend("wasm");
    const x = tf.tensor4d([1, NaN, 3, Infinity], [1, 4, 1, 1]);
    const filter = tf.tensor4d([0.5], [1, 1, 1, 1]);
    const out = tf.conv2d(x, filter, 1, "valid");
    const fused = tf.fused.conv2d({ x, filter, strides: 1, pad: "same", bias: tf.scalar(1) });
    expect(Array.from(await out.data())).toEqual([0.5, NaN, 1.5, Infinity]);
    expect(Array.from(await fused.data())).toEqual([1.5, NaN, 2.5, Infinity]);
    tf.dispose([x, filter, out, fused]);
  });

  test(
    `convolutions and their gradients on wasm equal the cpu backend's to 1e-4 on ${cases.length} shapes`,
    async () => {
      const failures: string[] = [];
      for (const c of cases) {
        const random = seededRandom(c.batch * 1000 + c.kernel * 100 + c.stride * 10 + c.inChannels);
        const values = (n: number) => Float32Array.from({ length: n }, () => gaussian(random));
        const x = values(c.batch * c.height * c.width * c.inChannels);
        const w = values(c.kernel * c.kernel * c.inChannels * c.outChannels);
        const dySeed = values(4096);
        const dyOf = (shape: number[]) =>
          Float32Array.from(
            { length: shape.reduce((a, b) => a * b, 1) },
            (_, i) => dySeed[i % 4096],
          );
        const cpu = await gradientsOn("cpu", c, x, w, dyOf);
        const wasm = await gradientsOn("wasm", c, x, w, dyOf);
        const errors = (["y", "dx", "dw"] as const).map((k) => difference(wasm[k], cpu[k]));
        if (Math.max(...errors) > 1e-4) {
          failures.push(`${JSON.stringify(c)}: y, dx, dw ${errors.map((e) => e.toExponential(1))}`);
        }
      }
      expect(failures).toEqual([]);
    },
    120_000,
  );

  /** The values `f` computes on the cpu and the wasm backends (tensors made inside `f`). */
  async function onBoth(f: () => tf.Tensor): Promise<{ cpu: number[]; wasm: number[] }> {
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      return tf.tidy(() => Array.from(f().dataSync()));
    };
    const cpu = await run("cpu"), wasm = await run("wasm");
    return { cpu, wasm };
  }

  /** Gaussian values from a seed, as a tensor of `shape`. */
  function randomTensor(shape: number[], seed: number): tf.Tensor {
    const random = seededRandom(seed);
    const n = shape.reduce((a, b) => a * b, 1);
    return tf.tensor(Float32Array.from({ length: n }, () => gaussian(random)), shape);
  }

  test("Tile on wasm equals the cpu backend's, on the fast path (batch norm's broadcast) and off it", async () => {
    const cases: [number[], number[]][] = [[[1, 1, 1, 5], [3, 4, 2, 1]], [[1, 7], [5, 1]], [
      [2, 3],
      [
        2,
        2,
      ],
    ], [[1, 3, 1], [2, 1, 4]]];
    for (const [shape, reps] of cases) {
      const values = Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i + 0.5);
      const { cpu, wasm } = await onBoth(() => tf.tile(tf.tensor(values, shape), reps));
      expect(wasm, `${shape} × ${reps}`).toEqual(cpu);
    }
  });

  test("max-pooling's gradient on wasm equals the cpu backend's, overlapping windows and padding included", async () => {
    const failures: string[] = [];
    for (const [size, stride] of [[2, 2], [3, 2], [2, 1], [3, 3]]) {
      for (const pad of ["same", "valid"] as const) {
        for (const [batch, channels] of [[1, 1], [3, 5]]) {
          const shape = [batch, 7, 10, channels];
          const { cpu, wasm } = await onBoth(() => {
            const x = randomTensor(shape, size * 10 + stride + channels);
            const dy = randomTensor(tf.maxPool(x as tf.Tensor4D, size, stride, pad).shape, 7);
            return tf.grad((a: tf.Tensor) =>
              tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, size, stride, pad), dy))
            )(x);
          });
          const error = difference(wasm, cpu);
          if (!(error < 1e-6)) failures.push(`${size}/${stride} ${pad} ${shape}: ${error}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  test("max-pooling's gradient goes to the first of equal maxima, as on the cpu backend", async () => {
    const { cpu, wasm } = await onBoth(() =>
      tf.grad((a: tf.Tensor) => tf.sum(tf.maxPool(a as tf.Tensor4D, 2, 2, "valid")))(
        tf.tensor4d([0, 0, 0, 0, 1, 1, 1, 1], [1, 2, 4, 1]),
      )
    );
    expect(wasm).toEqual([0, 0, 0, 0, 1, 0, 1, 0]);
    expect(wasm).toEqual(cpu);
  });

  test("matrix products with transposed operands on wasm equal the cpu backend's", async () => {
    for (
      const [transposeA, transposeB] of [[false, false], [true, false], [false, true], [true, true]]
    ) {
      for (const batch of [[], [1], [2]]) {
        const { cpu, wasm } = await onBoth(() => {
          const a = randomTensor([...batch, ...(transposeA ? [5, 3] : [3, 5])], 1);
          const b = randomTensor([...batch, ...(transposeB ? [4, 5] : [5, 4])], 2);
          return tf.matMul(a, b, transposeA, transposeB);
        });
        expect(difference(wasm, cpu), `${transposeA} ${transposeB} ${batch}`).toBeLessThan(1e-6);
      }
    }
  });

  test("sums and means over leading axes (a bias's gradient) on wasm equal the cpu backend's; other sums too", async () => {
    const cases: [number[], boolean][] = [
      [[0, 1, 2], false],
      [[0, 1, 2], true],
      [[0], false],
      [[1, 2], false],
      [[3], true],
    ];
    // A small tensor, and one as large as a batch norm's input (the native kernels take those).
    for (const shape of [[4, 6, 5, 3], [8, 12, 10, 16]]) {
      for (const [axes, keepDims] of cases) {
        for (const reduce of [tf.sum, tf.mean]) {
          const { cpu, wasm } = await onBoth(() => reduce(randomTensor(shape, 3), axes, keepDims));
          expect(difference(wasm, cpu), `${shape} ${reduce.name} ${axes} ${keepDims}`)
            .toBeLessThan(1e-6);
        }
      }
    }
    const ints = await onBoth(() => tf.sum(tf.tensor([[1, 2], [3, 4]], [2, 2], "int32"), 0));
    expect(ints.wasm).toEqual([4, 6]);
    expect(tf.sum(randomTensor([2, 3], 4), 0, true).shape).toEqual([1, 3]);
  });

  test("a clone or a same-type cast on wasm shares memory, and outlives its source", async () => {
    await tf.setBackend("wasm");
    const buffers = () => tf.engine().backend.numDataIds();
    const before = buffers();
    const source = tf.tensor([1.5, -2.5, 3.5]);
    const clone = tf.clone(source), cast = tf.cast(source, "float32");
    expect(buffers() - before).toBe(1); // one buffer for all three
    source.dispose();
    expect(Array.from(clone.dataSync())).toEqual([1.5, -2.5, 3.5]);
    clone.dispose();
    expect(Array.from(cast.dataSync())).toEqual([1.5, -2.5, 3.5]);
    expect(Array.from(tf.cast(cast, "int32").dataSync())).toEqual([1, -2, 3]);
    cast.dispose();
  });

  test("transposed convolutions on wasm (2×2 stride 2 as in a U-Net, 3×3 stride 2) equal the cpu backend's, outputs and gradients", async () => {
    for (
      const [kernel, stride, pad] of [[2, 2, "same"], [2, 2, "valid"], [3, 2, "same"]] as const
    ) {
      for (const [batch, inChannels, outChannels] of [[1, 1, 3], [3, 8, 5]]) {
        const xShape = [batch, 5, 6, inChannels],
          wShape = [kernel, kernel, outChannels, inChannels];
        const outShape = [batch, 5 * stride, 6 * stride, outChannels] as [
          number,
          number,
          number,
          number,
        ];
        const { cpu, wasm } = await onBoth(() => {
          const x = randomTensor(xShape, kernel + inChannels), w = randomTensor(wShape, 5);
          const transposed = (a: tf.Tensor, b: tf.Tensor) =>
            tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, outShape, stride, pad);
          const dy = randomTensor(outShape, 6);
          const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
            tf.sum(tf.mul(transposed(a, b), dy))
          )([
            x,
            w,
          ]);
          return tf.concat([transposed(x, w).flatten(), dx.flatten(), dw.flatten()]);
        });
        expect(difference(wasm, cpu), `${kernel}/${stride} ${pad} ${xShape}`).toBeLessThan(1e-5);
      }
    }
  });

  test("concatenation and splitting along every axis on wasm equal the cpu backend's", async () => {
    for (const axis of [0, 1, 2, 3]) {
      const { cpu, wasm } = await onBoth(() => {
        const parts = [randomTensor([2, 3, 4, 5], 1), randomTensor([2, 3, 4, 5], 2)].map((t, i) =>
          t.slice(0, [2, 3, 4, 5].map((d, j) => j === axis ? d - i : d))
        );
        const joined = tf.concat(parts, axis);
        const [a, b, c] = tf.split(joined, [1, 2, joined.shape[axis] - 3], axis);
        return tf.concat([joined.flatten(), c.flatten(), b.flatten(), a.flatten()]);
      });
      expect(wasm, `axis ${axis}`).toEqual(cpu);
    }
    const ints = await onBoth(() =>
      tf.concat([tf.tensor1d([1, 2], "int32"), tf.tensor1d([3], "int32")])
    );
    expect(ints.wasm).toEqual([1, 2, 3]);
  });

  test("convolutions with a bias and dense layers with a bias and ReLU on wasm equal the cpu backend's", async () => {
    for (const activation of ["linear", "relu"] as const) {
      const { cpu, wasm } = await onBoth(() => {
        const x = randomTensor([2, 9, 7, 3], 1), w = randomTensor([3, 3, 3, 5], 2);
        const conv = tf.fused.conv2d({
          x: x as tf.Tensor4D,
          filter: w as tf.Tensor4D,
          strides: 1,
          pad: "same",
          bias: randomTensor([5], 3),
          activation,
        });
        const dense = tf.fused.matMul({
          a: randomTensor([6, 4], 4),
          b: randomTensor([4, 3], 5),
          bias: randomTensor([3], 6),
          activation,
        });
        return tf.concat([conv.flatten(), dense.flatten()]);
      });
      expect(difference(wasm, cpu), activation).toBeLessThan(1e-5);
    }
  });

  test("element-wise arithmetic with broadcasting on wasm equals the cpu backend's, either operand broadcast", async () => {
    const full = [8, 9, 7, 16];
    const operands: [number[], number[]][] = [
      [full, full],
      [full, [16]],
      [[16], full],
      [full, [1, 1, 1, 16]],
      [[1, 9, 1, 16], full],
      [full, []],
      [[], full],
    ];
    const ops = { add: tf.add, sub: tf.sub, mul: tf.mul, div: tf.div };
    for (const [name, op] of Object.entries(ops)) {
      for (const [a, b] of operands) {
        const { cpu, wasm } = await onBoth(() =>
          op(
            randomTensor(a, 1),
            name === "div" ? randomTensor(b, 2).abs().add(1) : randomTensor(b, 2),
          )
        );
        expect(difference(wasm, cpu), `${name} ${a} ${b}`).toBeLessThan(1e-6);
      }
    }
  });
});
