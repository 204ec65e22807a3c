import { beforeAll, expect, test } from "vitest";
import { init, metrics, tf } from "@course/lib";

beforeAll(async () => {
  await init({ backend: "cpu", quiet: true });
});

test("accuracy compares classes by argmax, or by 0.5 for one column", async () => {
  expect(
    await metrics.accuracy(tf.tensor2d([[1, 0], [0, 1]]), tf.tensor2d([[0.9, 0.1], [0.8, 0.2]])),
  )
    .toBe(0.5);
  expect(await metrics.accuracy(tf.tensor2d([[1], [0], [1]]), tf.tensor2d([[0.7], [0.4], [0.2]])))
    .toBeCloseTo(2 / 3, 12);
  expect(
    metrics.accuracyTensor(tf.tensor2d([[1, 0], [0, 1]]), tf.tensor2d([[0.9, 0.1], [0.8, 0.2]]))
      .dataSync()[0],
  )
    .toBe(0.5);
  expect(
    metrics.accuracyTensor(tf.tensor2d([[1], [0], [1]]), tf.tensor2d([[0.7], [0.4], [0.2]]))
      .dataSync()[0],
  )
    .toBeCloseTo(2 / 3, 6);
});

test("confusion matrix and per-class scores, by hand", async () => {
  const m = await metrics.confusionMatrix([0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 2, 2], 3);
  expect(m).toEqual([[2, 1, 0], [0, 1, 1], [0, 0, 1]]);
  const { perClass, macro } = metrics.classScores(m);
  expect(perClass[0]).toEqual({ precision: 1, recall: 2 / 3, f1: 0.8 });
  expect(perClass[1].precision).toBe(0.5);
  expect(perClass[2]).toEqual({ precision: 0.5, recall: 1, f1: 2 / 3 });
  expect(macro.recall).toBeCloseTo((2 / 3 + 0.5 + 1) / 3, 12);
  expect(metrics.perClassAccuracy(m)).toEqual([2 / 3, 0.5, 1]);
  await expect(metrics.confusionMatrix([3], [0], 3)).rejects.toThrow(
    "labels must be whole numbers from 0 to 2",
  );
});

test("IoU and Dice of two known masks", async () => {
  const a = [1, 1, 1, 0, 0, 0], b = [0, 1, 1, 1, 0, 0];
  expect(await metrics.iou(a, b)).toBe(0.5); // 2 shared of 4
  expect(await metrics.dice(a, b)).toBeCloseTo(2 / 3, 12); // 2·2 / (3 + 3)
  expect(await metrics.iou([0, 0], [0, 0])).toBe(1);
  expect(await metrics.iou(tf.tensor([1, 0]), tf.tensor([0, 1]))).toBe(0);
});

test("PSNR of known arrays", async () => {
  expect(await metrics.psnr([0, 0, 0, 0], [0.1, -0.1, 0.1, -0.1], 1)).toBeCloseTo(20, 10);
  expect(await metrics.psnr([10, 20], [10, 20], 255)).toBe(Infinity);
  expect(await metrics.psnr([0, 0], [1, 1], 255)).toBeCloseTo(20 * Math.log10(255), 10);
});

test("SSIM: 1 for an image with itself, the formula for constant images, lower with noise", async () => {
  const image = tf.randomUniform([20, 24], 0, 1, "float32", 1);
  expect(await metrics.ssim(image, image, 1)).toBeCloseTo(1, 10);
  // Constant 0 against constant c: (c1 · c2) / ((c² + c1) · c2) in every window.
  const c1 = 1e-4;
  expect(await metrics.ssim(tf.zeros([8, 8]), tf.fill([8, 8], 0.1), 1)).toBeCloseTo(
    c1 / (0.01 + c1),
    8,
  ); // 0.1 is stored as float32;
  const noisy = tf.add(image, tf.randomNormal([20, 24], 0, 0.2, "float32", 2));
  const lessNoisy = tf.add(image, tf.randomNormal([20, 24], 0, 0.05, "float32", 2));
  expect(await metrics.ssim(image, noisy, 1)).toBeLessThan(await metrics.ssim(image, lessNoisy, 1));
  await expect(metrics.ssim(tf.zeros([4, 4]), tf.zeros([4, 4]), 1)).rejects.toThrow(
    "at least 7×7",
  );
});

test("instance matching: identical label images give AP 1, disjoint ones 0", async () => {
  const labels = [0, 1, 1, 0, 2, 2, 0, 3];
  expect((await metrics.matchInstances(labels, labels)).every((m) => m.averagePrecision === 1))
    .toBe(true);
  const disjoint = [1, 0, 0, 2, 0, 0, 3, 0];
  expect((await metrics.matchInstances(labels, disjoint)).every((m) => m.averagePrecision === 0))
    .toBe(
      true,
    );
  // Different ids for the same objects still match.
  expect((await metrics.matchInstances(labels, [0, 7, 7, 0, 5, 5, 0, 9]))[0].averagePrecision).toBe(
    1,
  );
});

test("instance matching at a threshold, by hand", async () => {
  // True object 1 has 4 pixels; the prediction covers 3 of them plus 1 more: IoU 3/5 = 0.6.
  const truth = [1, 1, 1, 1, 0, 2, 2];
  const pred = [1, 1, 1, 0, 1, 0, 0];
  const [at05, at07] = await metrics.matchInstances(truth, pred, [0.5, 0.7]);
  expect(at05).toMatchObject({
    truePositives: 1,
    falsePositives: 0,
    falseNegatives: 1,
    precision: 1,
    recall: 0.5,
    f1: 2 / 3, // 2·1 / (2·1 + 0 + 1)
    averagePrecision: 0.5,
  });
  expect(at07).toMatchObject({
    truePositives: 0,
    falsePositives: 1,
    falseNegatives: 2,
    averagePrecision: 0,
  });
});
