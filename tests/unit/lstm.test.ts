import { beforeAll, expect, test } from "vitest";
import { init, lstmSequence, lstmStep, type LstmWeights, tf } from "@course/lib";
import { cellTraces, traceTensors } from "@course/datasets";

beforeAll(async () => {
  await init({ backend: "cpu", quiet: true });
});

const σ = (z: number) => 1 / (1 + Math.exp(-z));

test("one LSTM step by hand: one unit, one input", () => {
  // Gates in Keras's order i, f, g, o: z = x·W + h·U + b.
  const w: LstmWeights = {
    kernel: [[1, 2, 0.5, -1]],
    recurrentKernel: [[0.5, 0, 1, 2]],
    bias: [0, 1, 0, 0.5],
  };
  const step = lstmStep([2], { h: [1], c: [0.3] }, w);
  const [i, f, g, o] = [σ(2 + 0.5), σ(4 + 0 + 1), Math.tanh(1 + 1), σ(-2 + 2 + 0.5)];
  expect(step.input[0]).toBeCloseTo(i, 12);
  expect(step.forget[0]).toBeCloseTo(f, 12);
  expect(step.candidate[0]).toBeCloseTo(g, 12);
  expect(step.output[0]).toBeCloseTo(o, 12);
  expect(step.c[0]).toBeCloseTo(f * 0.3 + i * g, 12);
  expect(step.h[0]).toBeCloseTo(o * Math.tanh(f * 0.3 + i * g), 12);
  expect(() => lstmStep([1, 2], { h: [0], c: [0] }, w)).toThrow(
    "Cannot run the LSTM step as the weights must be [2][4] for 2 inputs and 1 units",
  );
});

test("the hand-written LSTM equals tfjs's lstm layer with the same weights, to 1e-5", async () => {
  const layer = tf.layers.lstm({
    units: 5,
    recurrentActivation: "sigmoid",
    returnSequences: true,
    inputShape: [12, 3],
    kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
    recurrentInitializer: tf.initializers.orthogonal({ seed: 2 }),
    biasInitializer: tf.initializers.randomNormal({ seed: 3 }),
  });
  const model = tf.sequential({ layers: [layer] });
  const x = tf.randomNormal([1, 12, 3], 0, 1, "float32", 4);
  const [kernel, recurrentKernel, bias] = await Promise.all(
    layer.getWeights().map((t) => t.array()),
  );
  const weights = { kernel, recurrentKernel, bias } as LstmWeights;
  const byHand = lstmSequence((await x.array() as number[][][])[0], weights).map((s) => s.h);
  const byTfjs = (await (model.predict(x) as tf.Tensor).array() as number[][][])[0];
  const largest = Math.max(
    ...byHand.flatMap((h, t) => h.map((v, u) => Math.abs(v - byTfjs[t][u]))),
  );
  expect(largest).toBeLessThan(1e-5);
  expect(Math.max(...byTfjs.flat().map(Math.abs))).toBeGreaterThan(0.05); // not trivially zero
});

test("cell traces: seeded; the class says which event came first; both events in every trace", () => {
  const a = cellTraces({ count: 200, seed: 3 });
  expect(cellTraces({ count: 200, seed: 3 })).toEqual(a);
  expect(a.labels.filter((l) => l === 1).length).toBe(100);
  a.labels.forEach((label, i) => {
    expect(label).toBe(a.spikes[i] < a.divisions[i] ? 1 : 0);
    expect(Math.abs(a.spikes[i] - a.divisions[i])).toBeGreaterThanOrEqual(4);
    // The spike's first frame is 1 above the baseline, the division's 0.7 below (plus noise).
    expect(a.traces[i][a.spikes[i]]).toBeGreaterThan(1.3);
    expect(a.traces[i][a.divisions[i]]).toBeLessThan(0.7);
  });
  // What ignores time cannot tell the classes apart: each class's mean, highest and lowest values
  // agree to within noise.
  const stats = [
    (t: number[]) => t.reduce((s, v) => s + v) / t.length,
    (t: number[]) => Math.max(...t),
    (t: number[]) => Math.min(...t),
  ];
  for (const stat of stats) {
    const meanOf = (label: number) => {
      const values = a.traces.filter((_, i) => a.labels[i] === label).map(stat);
      return values.reduce((s, v) => s + v) / values.length;
    };
    expect(Math.abs(meanOf(1) - meanOf(0))).toBeLessThan(0.05);
  }
  const { x, y } = traceTensors(a);
  expect([x.shape, y.shape]).toEqual([[200, 40, 1], [200, 1]]);
  expect(() => cellTraces({ count: 0 })).toThrow("'count' must be a whole number ≥ 1");
});
