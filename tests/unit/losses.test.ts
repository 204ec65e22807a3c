import { beforeAll, expect, test } from "vitest";
import { init, losses, tf } from "@course/lib";

beforeAll(async () => {
  await init({ backend: "cpu", quiet: true });
});

const value = (t: tf.Scalar) => t.dataSync()[0];

test("MSE and MAE, by hand", () => {
  expect(value(losses.mse(tf.tensor([0, 0]), tf.tensor([1, 2])))).toBeCloseTo(2.5, 6);
  expect(value(losses.mae(tf.tensor([0, 0]), tf.tensor([1, -3])))).toBeCloseTo(2, 6);
});

test("binary cross-entropy from probabilities and from logits, by hand", () => {
  const expected = -(Math.log(0.9) + Math.log(0.8)) / 2;
  expect(value(losses.binaryCrossEntropy(tf.tensor([1, 0]), tf.tensor([0.9, 0.2])))).toBeCloseTo(
    expected,
    6,
  );
  const logits = tf.tensor([Math.log(9), Math.log(0.25)]); // sigmoid: 0.9 and 0.2
  expect(value(losses.binaryCrossEntropy(tf.tensor([1, 0]), logits, { fromLogits: true })))
    .toBeCloseTo(expected, 6);
  // Large logits do not overflow.
  expect(value(losses.binaryCrossEntropy(tf.tensor([1]), tf.tensor([200]), { fromLogits: true })))
    .toBeCloseTo(0, 6);
});

test("categorical cross-entropy from probabilities and from logits, by hand", () => {
  const t = tf.tensor2d([[0, 1], [1, 0]]);
  const expected = -(Math.log(0.75) + Math.log(0.5)) / 2;
  expect(value(losses.categoricalCrossEntropy(t, tf.tensor2d([[0.25, 0.75], [0.5, 0.5]]))))
    .toBeCloseTo(expected, 6);
  const logits = tf.tensor2d([[0, Math.log(3)], [2, 2]]);
  expect(value(losses.categoricalCrossEntropy(t, logits, { fromLogits: true }))).toBeCloseTo(
    expected,
    6,
  );
});

test("class weights multiply each example's loss by its class's weight", () => {
  const loss = losses.weightedCrossEntropy([1, 4]);
  const t = tf.tensor2d([[0, 1], [1, 0]]), p = tf.tensor2d([[0.5, 0.5], [0.5, 0.5]]);
  expect(value(loss(t, p))).toBeCloseTo(((4 + 1) * Math.LN2) / 2, 6);
  expect(() => losses.weightedCrossEntropy([1, 2, 3])(t, p)).toThrow("3 weights and 2 classes");
  expect(() => losses.weightedCrossEntropy([1, -1])).toThrow("every class weight must be ≥ 0");
});

test("Dice and log-Dice, by hand", () => {
  const t = tf.tensor4d([1, 1, 0, 0], [1, 2, 2, 1]);
  const p = tf.tensor4d([1, 0.5, 0.5, 0], [1, 2, 2, 1]);
  // overlap 1.5, sums 2 and 2: Dice = (3 + 1) / (4 + 1) = 0.8.
  expect(value(losses.softDice(t, p))).toBeCloseTo(0.2, 6);
  expect(value(losses.logDice(t, p))).toBeCloseTo(-Math.log(0.8), 6);
  expect(value(losses.softDice(t, p, { smooth: 0 }))).toBeCloseTo(1 - 3 / 4, 6);
  expect(value(losses.softDice(t, t))).toBeCloseTo(0, 6);
});

test("masked MSE counts masked pixels only", () => {
  expect(value(losses.maskedMse(tf.tensor([0, 0, 0]), tf.tensor([1, 3, 5]), tf.tensor([0, 1, 1]))))
    .toBeCloseTo(17, 5);
});

test("losses leak no tensors, and refuse mismatched shapes", () => {
  const t = tf.tensor2d([[0, 1]]), p = tf.tensor2d([[0.3, 0.7]]);
  const before = tf.memory().numTensors;
  for (
    const loss of [
      losses.mse,
      losses.mae,
      losses.binaryCrossEntropy,
      losses.categoricalCrossEntropy,
    ]
  ) {
    loss(t, p).dispose();
  }
  expect(tf.memory().numTensors).toBe(before);
  expect(() => losses.mse(t, tf.tensor([1]))).toThrow(
    "Cannot compute the mean squared error as targets and predictions must have the same shape: current shapes are [1, 2] and [1]",
  );
});

test("gradients flow through the losses: tfjs can train with them", () => {
  const w = tf.variable(tf.scalar(0));
  const grad = tf.grad((x: tf.Tensor) =>
    losses.softDice(tf.tensor2d([[1, 0]]), tf.sigmoid(tf.mul(x, tf.tensor2d([[1, -1]]))))
  );
  expect(grad(w).dataSync()[0]).toBeLessThan(0); // increasing w improves the overlap
});
