import { afterAll, describe, expect, test } from "vitest";
import {
  checkpoint,
  cosineDecay,
  type Data,
  earlyStopping,
  type EpochLog,
  evaluate,
  exponentialDecay,
  fit,
  init,
  learningRateSchedule,
  loadModel,
  losses,
  optimizer,
  reduceOnPlateau,
  saveModel,
  seededRandom,
  stepDecay,
  tf,
} from "@course/lib";

/** Points in [−1, 1]², labelled by whether they lie inside a circle, with a margin around it. */
function circle(n: number, seed: number): Data {
  const random = seededRandom(seed);
  const points: number[][] = [], labels: number[][] = [];
  while (points.length < n) {
    const p = [2 * random() - 1, 2 * random() - 1];
    const r2 = p[0] ** 2 + p[1] ** 2;
    if (Math.abs(r2 - 0.5) < 0.08) continue;
    points.push(p);
    labels.push([r2 < 0.5 ? 1 : 0]);
  }
  return { x: tf.tensor2d(points), y: tf.tensor2d(labels) };
}

/** A small MLP whose initial weights come from `seed`. */
function mlp(seed: number): tf.LayersModel {
  const init = (s: number) => tf.initializers.glorotUniform({ seed: seed * 10 + s });
  return tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [2],
        units: 16,
        activation: "tanh",
        kernelInitializer: init(1),
      }),
      tf.layers.dense({ units: 16, activation: "tanh", kernelInitializer: init(2) }),
      tf.layers.dense({ units: 1, activation: "sigmoid", kernelInitializer: init(3) }),
    ],
  });
}

const train = circle(600, 1), validation = circle(300, 2);
const withoutTimes = (h: EpochLog[]) => h.map(({ seconds: _, ...rest }) => rest);

afterAll(() => tf.dispose([train.x, train.y, validation.x, validation.y]));

describe.each(["cpu", "wasm"] as const)("fit on the %s backend", (backend) => {
  test(
    "learns a seeded 2-D problem to ≥ 0.98 validation accuracy, without leaking tensors",
    async () => {
      await init({ backend, quiet: true });
      const model = mlp(1);
      const counts: number[] = [];
      const history = await fit(model, train, {
        loss: "binaryCrossEntropy",
        learningRate: 0.02,
        epochs: 40,
        batchSize: 32,
        validation,
        metrics: ["accuracy"],
        seed: 3,
        callbacks: [{ onEpochEnd: () => void counts.push(tf.memory().numTensors) }],
      });
      expect(history.length).toBe(40);
      expect(history.at(-1)!.valAccuracy).toBeGreaterThanOrEqual(0.98);
      expect(history.at(-1)!.loss).toBeLessThan(history[0].loss / 4);
      expect(counts[4]).toBe(counts[1]); // after epoch 5 as after epoch 2
      expect(counts.at(-1)).toBe(counts[1]);
      model.dispose();
    },
    120_000,
  );
});

test("two runs with the same seed give identical histories; another seed does not", async () => {
  await init({ backend: "cpu", quiet: true });
  const run = async (seed: number) => {
    const model = mlp(2);
    const history = await fit(model, train, {
      loss: "mse",
      epochs: 3,
      validation,
      seed,
      learningRate: 0.01,
    });
    model.dispose();
    return withoutTimes(history);
  };
  const [a, b, c] = [await run(5), await run(5), await run(6)];
  expect(a).toEqual(b);
  expect(a).not.toEqual(c);
});

test("early stopping stops, restores the best epoch's weights, and the checkpoint holds them", async () => {
  await init({ backend: "cpu", quiet: true });
  const model = mlp(3);
  const dir = await Deno.makeTempDir();
  const stopper = earlyStopping({ patience: 2 });
  // A learning rate that explodes from epoch 6 on makes the validation loss worse after that.
  const history = await fit(model, train, {
    loss: "binaryCrossEntropy",
    optimizer: optimizer("sgd", 0.5),
    epochs: 30,
    validation,
    seed: 1,
    callbacks: [learningRateSchedule((e) => (e < 5 ? 0.5 : 200)), checkpoint(dir), stopper],
  });
  expect(history.length).toBeLessThan(30);
  const best = history.reduce((a, b) => (b.valLoss! < a.valLoss! ? b : a));
  expect(stopper.bestEpoch).toBe(best.epoch);
  expect(history.length).toBe(best.epoch + 2);
  const now = await evaluate(model, validation, (t, y) => losses.binaryCrossEntropy(t, y));
  expect(now.loss).toBeCloseTo(best.valLoss!, 5);
  const saved = await loadModel(dir);
  const [p, q] = [
    model.predict(validation.x) as tf.Tensor,
    saved.predict(validation.x) as tf.Tensor,
  ];
  expect(Array.from(q.dataSync())).toEqual(Array.from(p.dataSync()));
  tf.dispose([p, q]);
  model.dispose();
  saved.dispose();
});

test("bad options are refused with what was wrong", async () => {
  const model = mlp(4);
  await expect(fit(model, train, { loss: "nope" as "mse" })).rejects.toThrow(
    'the loss must be a function or one of mse, mae, binaryCrossEntropy, categoricalCrossEntropy, softDice: current value is "nope"',
  );
  await expect(fit(model, { x: train.x, y: validation.y }, { loss: "mse" })).rejects.toThrow(
    "the training inputs and targets must have the same, non-zero number of examples: current values are 600 and 300",
  );
  await expect(fit(model, train, { loss: "mse", epochs: 1, callbacks: [earlyStopping()] })).rejects
    .toThrow(
      "Cannot monitor 'valLoss' as the epoch log has no such number: current entries are epoch, loss, learningRate, seconds; pass validation data to fit",
    );
  model.dispose();
});

test("learning-rate schedules, by hand, and reduce-on-plateau", async () => {
  expect(stepDecay(0.1, 0.5, 10)(25)).toBeCloseTo(0.025, 15);
  expect(exponentialDecay(0.1, 0.9)(2)).toBeCloseTo(0.081, 15);
  expect(cosineDecay(0.1, 10)(0)).toBeCloseTo(0.1, 15);
  expect(cosineDecay(0.1, 10)(5)).toBeCloseTo(0.05, 15);
  expect(cosineDecay(0.1, 10, 0.01)(20)).toBeCloseTo(0.01, 15);
  const model = mlp(5);
  // Monitoring a number that never improves: the rate halves every 2 epochs.
  const history = await fit(model, train, {
    loss: "mse",
    optimizer: optimizer("adam", 0.01),
    epochs: 5,
    callbacks: [reduceOnPlateau({ monitor: "loss", mode: "max", minDelta: 1e9, patience: 2 })],
  });
  expect(history.map((h) => h.learningRate)).toEqual([0.01, 0.01, 0.01, 0.005, 0.005]);
  model.dispose();
});

test("a saved model loads with identical predictions", async () => {
  await init({ backend: "cpu", quiet: true });
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, activation: "relu" }),
      tf.layers.batchNormalization(),
      tf.layers.flatten(),
      tf.layers.dense({ units: 3, activation: "softmax" }),
    ],
  });
  const dir = await Deno.makeTempDir();
  await saveModel(model, dir);
  expect([...Deno.readDirSync(dir)].map((e) => e.name).sort()).toEqual([
    "model.json",
    "weights.bin",
  ]);
  const loaded = await loadModel(dir);
  const x = tf.randomNormal([5, 8, 8, 1], 0, 1, "float32", 9);
  const [p, q] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
  expect(Array.from(q.dataSync())).toEqual(Array.from(p.dataSync()));
  await expect(loadModel(`${dir}/nothing`)).rejects.toThrow(
    "has no model.json: save one there first",
  );
  tf.dispose([x, p, q]);
});

test("a layer's L2 penalty joins the training loss and its gradient, by hand", async () => {
  await init({ backend: "cpu", quiet: true });
  // One weight w = 1, input 1, target 0: loss (w − 0)² = 1, its gradient 2w = 2; the penalty
  // 0.5·w² adds 0.5 to the loss and w = 1 to the gradient. SGD at 0.1: w = 1 − 0.1·3 = 0.7.
  const train = async (l2?: number) => {
    const model = tf.sequential({
      layers: [tf.layers.dense({
        inputShape: [1],
        units: 1,
        useBias: false,
        kernelInitializer: "ones",
        kernelRegularizer: l2 ? tf.regularizers.l2({ l2 }) : undefined,
      })],
    });
    const history = await fit(model, { x: tf.ones([1, 1]), y: tf.zeros([1, 1]) }, {
      loss: "mse",
      optimizer: "sgd",
      learningRate: 0.1,
      epochs: 1,
    });
    return { loss: history[0].loss, w: (model.getWeights()[0].dataSync())[0] };
  };
  const penalised = await train(0.5), plain = await train();
  expect(penalised.loss).toBeCloseTo(1.5, 6);
  expect(penalised.w).toBeCloseTo(0.7, 6);
  expect(plain.loss).toBeCloseTo(1, 6);
  expect(plain.w).toBeCloseTo(0.8, 6);
});
