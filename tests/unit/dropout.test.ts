import { beforeAll, describe, expect, test } from "vitest";
import { dropout, init, lenet, loadModel, saveModel, starDistNet, tf, unet } from "@course/lib";

beforeAll(async () => {
  await init({ backend: "cpu", quiet: true });
});

/** The loss of two training steps at learning rate 0 on one batch: the same unless a mask changed. */
async function twoTrainingLosses(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor) {
  model.compile({ optimizer: tf.train.sgd(0), loss: "meanSquaredError" });
  const first = await model.trainOnBatch(x, y) as number;
  const second = await model.trainOnBatch(x, y) as number;
  return [first, second];
}

/** Which units the model's dropout layers zero in one training pass, as one string of 0s and 1s. */
async function zeroed(model: tf.LayersModel, x: tf.Tensor): Promise<string> {
  const layers = model.layers.filter((l) => l.getClassName() === "CourseDropout");
  expect(layers.length).toBeGreaterThan(0);
  const probe = tf.model({
    inputs: model.inputs,
    outputs: layers.map((l) => l.output as tf.SymbolicTensor),
  });
  const outputs = [probe.apply(x, { training: true })].flat() as tf.Tensor[];
  const bits = [];
  for (const out of outputs) bits.push(...Array.from(await out.data(), (v) => (v === 0 ? 0 : 1)));
  tf.dispose(outputs);
  return bits.join("");
}

const models: [string, () => tf.LayersModel, number[]][] = [
  ["lenet", () => lenet({ dropout: 0.5, seed: 3 }), [4, 28, 28, 1]],
  ["unet", () => unet({ inputShape: [16, 16, 1], depth: 2, baseFilters: 4, dropout: 0.5 }), [
    2,
    16,
    16,
    1,
  ]],
  [
    "starDistNet",
    () => starDistNet({ inputShape: [16, 16, 1], depth: 2, baseFilters: 4, rays: 8, dropout: 0.5 }),
    [
      2,
      16,
      16,
      1,
    ],
  ],
];

describe.each(models)("%s with dropout", (_, build, shape) => {
  const x = tf.randomUniform(shape, 0.1, 1, "float32", 7);

  test("two training passes zero different units; the same seeds give the same passes", async () => {
    const model = build();
    const [first, second] = [await zeroed(model, x), await zeroed(model, x)];
    expect(first).not.toBe(second);
    const again = build();
    expect([await zeroed(again, x), await zeroed(again, x)]).toEqual([first, second]);
  });

  test("two training steps in fit (learning rate 0, one batch) see two different losses", async () => {
    const model = build();
    const y = tf.zeros(model.outputs[0].shape.map((d, i) => d ?? shape[i]));
    const [first, second] = await twoTrainingLosses(model, x, y);
    expect(first).not.toBe(second);
  });
});

describe("the dropout layer", () => {
  test("zeroes about `rate` of the units and scales the rest by 1/(1 − rate); inference passes x", async () => {
    const layer = dropout({ rate: 0.25, seed: 5 });
    const x = tf.ones([1, 20_000]);
    const values = await (layer.apply(x, { training: true }) as tf.Tensor).data();
    const kept = values.filter((v) => v !== 0);
    expect(Math.abs(1 - kept.length / values.length - 0.25)).toBeLessThan(0.01);
    for (const v of kept) expect(v).toBeCloseTo(1 / 0.75, 6);
    expect(await (layer.apply(x) as tf.Tensor).data()).toEqual(await x.data());
  });

  test("two steps' masks are independent: about rate² of the units are zeroed in both", async () => {
    const layer = dropout({ rate: 0.5, seed: 1 });
    const x = tf.ones([1, 20_000]);
    const pass = () => (layer.apply(x, { training: true }) as tf.Tensor).data();
    const [a, b] = [await pass(), await pass()];
    const both = a.filter((v, i) => v === 0 && b[i] === 0).length / a.length;
    expect(Math.abs(both - 0.25)).toBeLessThan(0.01);
  });

  test("tfjs's own seeded dropout, by contrast, zeroes the same units at every step", async () => {
    const layer = tf.layers.dropout({ rate: 0.5, seed: 1 });
    const x = tf.ones([1, 1000]);
    const pass = () => (layer.apply(x, { training: true }) as tf.Tensor).data();
    const [a, b] = [await pass(), await pass()];
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  test("a model with it saves and loads, rate and seed kept", async () => {
    const model = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [3], units: 4 }), dropout({ rate: 0.3, seed: 9 })],
    });
    const dir = await Deno.makeTempDir();
    await saveModel(model, dir);
    const loaded = await loadModel(dir);
    expect(loaded.layers[1].getConfig()).toMatchObject({ rate: 0.3, seed: 9 });
    await Deno.remove(dir, { recursive: true });
  });

  test("a rate outside [0, 1) is refused in one line", () => {
    expect(() => dropout({ rate: 1 })).toThrow(
      "Cannot build a dropout layer as 'rate' must be at least 0 and below 1: current value is 1",
    );
  });
});
