import { beforeAll, describe, expect, test } from "vitest";
import {
  applyTransform,
  augmentPair,
  gaussianNoise,
  init,
  n2vLoss,
  n2vMask,
  n2vPatches,
  percentile,
  percentileNormalise,
  poissonGaussianNoise,
  poissonNoise,
  predictImage,
  predictTiled,
  samplePatches,
  seededRandom,
  splitIndices,
  standardise,
  stitchTiles,
  tf,
  tileImage,
  trainingPatches,
  type Transform,
  unet,
  unetReceptiveField,
  weightedSampler,
} from "@course/lib";
import { poisson } from "../../lib/imaging/noise.ts";

beforeAll(async () => {
  await init({ backend: "cpu", quiet: true });
});

const values = (t: tf.Tensor) => Array.from(t.dataSync());
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const variance = (xs: number[]) => mean(xs.map((x) => (x - mean(xs)) ** 2));

describe("splits", () => {
  test("fractions, no overlap, everything used, and the same split for the same seed", () => {
    const s = splitIndices(100, { validation: 0.2, test: 0.1, seed: 4 });
    expect([s.train.length, s.validation.length, s.test.length]).toEqual([70, 20, 10]);
    expect([...s.train, ...s.validation, ...s.test].sort((a, b) => a - b)).toEqual(
      Array.from({ length: 100 }, (_, i) => i),
    );
    expect(splitIndices(100, { validation: 0.2, test: 0.1, seed: 4 })).toEqual(s);
    expect(splitIndices(100, { validation: 0.2, test: 0.1, seed: 5 })).not.toEqual(s);
  });

  test("stratified: every part keeps the classes' proportions", () => {
    const labels = Array.from({ length: 100 }, (_, i) => (i < 90 ? 0 : 1));
    const s = splitIndices(100, { validation: 0.2, test: 0.2, stratify: labels, seed: 1 });
    for (const part of [s.train, s.validation, s.test]) {
      expect(part.filter((i) => labels[i] === 1).length / part.length).toBeCloseTo(0.1, 10);
    }
    expect(() => splitIndices(10, { validation: 0.6, test: 0.5 })).toThrow(
      "leave some training data",
    );
  });
});

describe("normalisation", () => {
  test("standardising gives mean 0 and std 1; the training statistics transfer", async () => {
    const { x, mean: m, std } = await standardise(tf.tensor([1, 2, 3, 4]));
    expect(m).toBe(2.5);
    expect(std).toBeCloseTo(Math.sqrt(1.25), 6);
    expect(mean(values(x))).toBeCloseTo(0, 6);
    expect(values((await standardise(tf.tensor([2.5]), { mean: m, std })).x)).toEqual([0]);
  });

  test("percentiles as NumPy computes them; percentile normalisation maps them to 0 and 1", async () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([10, 0, 20], 25)).toBe(5);
    const n = values(await percentileNormalise(tf.tensor([0, 1, 2, 100]), { low: 0, high: 75 }));
    expect(n[0]).toBe(0);
    // The 75th percentile of [0, 1, 2, 100] lies a quarter of the way from 2 to 100: 26.5.
    expect(n[1]).toBeCloseTo(1 / 26.5, 6);
    expect(n[3]).toBeCloseTo(100 / 26.5, 5);
  });
});

describe("augmentation keeps image and mask aligned", () => {
  // An asymmetric pattern: every pixel different, so any misalignment shows.
  const image = tf.tensor2d(
    Array.from({ length: 6 }, (_, y) => Array.from({ length: 6 }, (_, x) => 6 * y + x + 1)),
  );
  const maskOf = (t: tf.Tensor) => values(t).map((v) => 2 * v); // each mask pixel names its image pixel
  const mask = tf.tensor2d(maskOf(image), [6, 6]);
  const base: Transform = { flipX: false, flipY: false, quarterTurns: 0, shift: [0, 0] };
  const cases: [string, Transform][] = [
    ["flip left-right", { ...base, flipX: true }],
    ["flip up-down", { ...base, flipY: true }],
    ["rotate 90°", { ...base, quarterTurns: 1 }],
    ["rotate 180°", { ...base, quarterTurns: 2 }],
    ["rotate 270°", { ...base, quarterTurns: 3 }],
    ["shift", { ...base, shift: [2, -1] }],
    ["crop", { ...base, crop: { top: 1, left: 2, height: 3, width: 4 } }],
  ];
  test.each(cases)("%s", (_, t) => {
    const [i, m] = [applyTransform(image, t), applyTransform(mask, t)];
    expect(values(m)).toEqual(maskOf(i));
    expect(i.shape).toEqual(m.shape);
  });

  test("the transforms themselves, by hand", () => {
    const x = tf.tensor2d([[1, 2], [3, 4]]);
    expect(applyTransform(x, { ...base, flipX: true }).arraySync()).toEqual([[2, 1], [4, 3]]);
    expect(applyTransform(x, { ...base, quarterTurns: 1 }).arraySync()).toEqual([[2, 4], [1, 3]]);
    expect(applyTransform(x, { ...base, shift: [1, 0] }).arraySync()).toEqual([[0, 0], [1, 2]]);
  });

  test("random pairs: same seed, same transforms; channels are carried along", () => {
    const rgb = tf.stack([image, image, image], -1);
    const a = augmentPair(
      rgb,
      mask,
      { flips: true, rotations: true, maxShift: 1 },
      seededRandom(3),
    );
    const b = augmentPair(
      rgb,
      mask,
      { flips: true, rotations: true, maxShift: 1 },
      seededRandom(3),
    );
    expect(values(a[0])).toEqual(values(b[0]));
    expect(a[0].shape).toEqual([6, 6, 3]);
    expect(() => augmentPair(image, tf.zeros([5, 6]), {})).toThrow(
      "must have the same height and width",
    );
  });
});

describe("tiling", () => {
  test.each(
    [[[64, 64], 32, 0], [[100, 70], 32, 4], [[50, 45, 3], 16, 3], [[20, 20], 32, 4]] as const,
  )(
    "an image of %j in tiles of %i with overlap %i stitches back exactly",
    (shape, size, overlap) => {
      const image = tf.randomUniform([...shape], 0, 1, "float32", 1);
      const tiles = tileImage(image, { size, overlap });
      expect(values(stitchTiles(tiles, [...shape]))).toEqual(values(image));
    },
  );

  test("tiled prediction equals whole-image prediction when the overlap covers the receptive field", () => {
    const model = unet({ inputShape: [null, null, 1], depth: 2, baseFilters: 4, seed: 1 });
    const image = tf.randomUniform([96, 96, 1], 0, 1, "float32", 2);
    const whole = (model.predict(image.expandDims(0)) as tf.Tensor).squeeze([0]);
    const tiled = predictTiled(model, image as tf.Tensor3D, { size: 64, overlap: 28 });
    const worst = tf.max(tf.abs(tf.sub(whole, tiled))).dataSync()[0];
    expect(worst).toBeLessThan(1e-5);
  });
});

describe("Noise2Void masking", () => {
  test("about 0.2% of pixels, each replaced by a neighbour (never itself); target and mask consistent", async () => {
    const [h, w] = [128, 96];
    const patch = tf.tensor2d(Float32Array.from({ length: h * w }, (_, i) => i), [h, w]); // all values distinct
    const { input, target, mask } = await n2vMask(patch, { radius: 2, random: seededRandom(7) });
    const [x, t, m] = [values(input), values(target), values(mask)];
    const masked = m.flatMap((v, i) => (v === 1 ? [i] : []));
    expect(masked.length).toBe(Math.round(0.002 * h * w)); // 25 of 12,288
    expect(t).toEqual(values(patch));
    for (let i = 0; i < h * w; i++) if (m[i] === 0) expect(x[i]).toBe(t[i]);
    for (const p of masked) {
      expect(x[p]).not.toBe(t[p]);
      const [dy, dx] = [Math.floor(x[p] / w) - Math.floor(p / w), (x[p] % w) - (p % w)];
      expect(Math.max(Math.abs(dy), Math.abs(dx))).toBeLessThanOrEqual(2);
    }
  });

  test("the fraction follows the setting", async () => {
    const { mask } = await n2vMask(tf.zeros([100, 100]) as tf.Tensor2D, {
      fraction: 0.01,
      random: seededRandom(1),
    });
    expect(mask.sum().dataSync()[0]).toBe(100);
  });
});

describe("patches", () => {
  const image = tf.randomUniform([64, 64], 0, 1, "float32", 3);
  const mask = tf.buffer([64, 64]);
  mask.set(1, 50, 50); // one foreground pixel
  const maskTensor = mask.toTensor();

  test("the same seed gives the same patches, cut from the same place in image and mask", async () => {
    const a = await samplePatches(image, maskTensor, { size: 16, count: 5, seed: 2 });
    const b = await samplePatches(image, maskTensor, { size: 16, count: 5, seed: 2 });
    expect(a.corners).toEqual(b.corners);
    expect(values(a.images)).toEqual(values(b.images));
    expect(a.images.shape).toEqual([5, 16, 16, 1]);
    const [top, left] = a.corners[0];
    expect(values(a.images.slice([0, 0, 0, 0], [1, 16, 16, 1]))).toEqual(
      values(image.slice([top, left], [16, 16])),
    );
  });

  test("foreground-aware patches contain the foreground", async () => {
    const { masks } = await samplePatches(image, maskTensor, {
      size: 16,
      count: 10,
      seed: 1,
      foreground: 1,
    });
    expect(values(masks!.sum([1, 2, 3]))).toEqual(Array(10).fill(1));
  });
});

test("weighted sampling draws rare classes as often as common ones", () => {
  const labels = [...Array(95).fill(0), ...Array(5).fill(1)];
  const drawn = weightedSampler(labels)(10_000, seededRandom(0));
  const rare = drawn.filter((i) => labels[i] === 1).length / drawn.length;
  expect(Math.abs(rare - 0.5)).toBeLessThan(0.02);
  const tenfold = weightedSampler(labels, [1, 10])(10_000, seededRandom(0));
  expect(tenfold.filter((i) => labels[i] === 1).length / 10_000).toBeCloseTo(50 / 145, 1);
});

describe("noise models", () => {
  test("Poisson counts have mean and variance λ, small and large λ", () => {
    for (const lambda of [3, 40, 500]) {
      const random = seededRandom(lambda);
      const xs = Array.from({ length: 20_000 }, () => poisson(lambda, random));
      expect(xs.every(Number.isInteger)).toBe(true);
      expect(Math.abs(mean(xs) - lambda) / lambda).toBeLessThan(0.02);
      expect(Math.abs(variance(xs) - lambda) / lambda).toBeLessThan(0.05);
    }
  });

  test("Gaussian, Poisson and Poisson-Gaussian noise on images have the right spread", async () => {
    const flat = tf.fill([100, 100], 0.5);
    expect(Math.sqrt(variance(values(gaussianNoise(flat, 0.1, 1))))).toBeCloseTo(0.1, 2);
    expect(variance(values(await poissonNoise(tf.fill([100, 100], 20), 1))) / 20).toBeCloseTo(1, 1);
    // Var = gain · signal + σ² = 0.01 · 0.5 + 0.02² = 0.0054.
    const noisy = values(await poissonGaussianNoise(flat, { gain: 0.01, sigma: 0.02, seed: 1 }));
    expect(mean(noisy)).toBeCloseTo(0.5, 2);
    expect(variance(noisy) / 0.0054).toBeCloseTo(1, 1);
    expect(values(gaussianNoise(flat, 0.1, 1))).toEqual(values(gaussianNoise(flat, 0.1, 1)));
  });
});

describe("training patches", () => {
  const image = tf.randomUniform([48, 40], 0, 1, "float32", 5);

  test("augmented patches stay aligned with their targets, and differ from the plain ones", async () => {
    const options = { size: 16, count: 12, seed: 3, augment: { flips: true, rotations: true } };
    const { x, y } = await trainingPatches(image, image.mul(2), options);
    expect(x.shape).toEqual([12, 16, 16, 1]);
    expect(values(y)).toEqual(values(x.mul(2)));
    const plain = await trainingPatches(image, image, { ...options, augment: undefined });
    expect(values(plain.x)).not.toEqual(values(x));
    // Each augmented patch holds the same pixels as the plain patch from the same place.
    const sorted = (t: tf.Tensor) => values(t).sort((a, b) => a - b);
    expect(sorted(x.slice(5, 1))).toEqual(sorted(plain.x.slice(5, 1)));
  });

  test("Noise2Void patches: the target is the unmasked patch, the mask marks exactly where input differs", async () => {
    const { x, y } = await n2vPatches(image, {
      size: 16,
      count: 6,
      fraction: 0.02,
      seed: 1,
    });
    expect(y.shape).toEqual([6, 16, 16, 2]);
    const [target, mask] = tf.split(y, 2, -1);
    expect(values(mask.sum([1, 2, 3]))).toEqual(Array(6).fill(Math.round(0.02 * 256)));
    const differs = values(tf.notEqual(x, target).toFloat());
    const masked = values(mask);
    differs.forEach((d, i) => d && expect(masked[i]).toBe(1));
    expect(values(target)).toEqual(
      values((await samplePatches(image, null, { size: 16, count: 6, seed: 1 })).images),
    );
  });

  test("the Noise2Void loss counts masked pixels only (by hand)", () => {
    // values 1 (masked), 5 (not), 3 (masked); predictions 3, 0, 0: ((3 − 1)² + (0 − 3)²) / 2
    const yTrue = tf.tensor4d([[[[1, 1], [5, 0], [3, 1]]]]);
    expect(n2vLoss(yTrue, tf.tensor4d([[[[3], [0], [0]]]])).dataSync()[0]).toBeCloseTo(6.5, 6);
    expect(() => n2vLoss(yTrue, yTrue)).toThrow(
      /must have 2 channels \(value, mask\) and the prediction 1/,
    );
  });
});

describe("whole-image prediction", () => {
  const model = unet({ inputShape: [null, null, 1], depth: 2, baseFilters: 4, seed: 2 });

  test("any size: mirrored out to a multiple of 4, cropped back; on a multiple it is model.predict", () => {
    expect(predictImage(model, tf.zeros([37, 22]), { multiple: 4 }).shape).toEqual([37, 22]);
    const image = tf.randomUniform([32, 24], 0, 1, "float32", 4);
    const direct = (model.predict(image.reshape([1, 32, 24, 1])) as tf.Tensor).reshape([32, 24]);
    expect(values(predictImage(model, image, { multiple: 4 }))).toEqual(values(direct));
    const tiled = predictImage(model, image, { multiple: 4, tiles: { size: 16, overlap: 4 } });
    expect(tiled.shape).toEqual([32, 24]);
  });

  test.each([[1, 0], [2, 0], [2, 1], [2, 2], [2, 3], [3, 2]])(
    "U-Net of depth %i, pixel at %i on the pooling grid: its gradient is non-zero within the receptive field",
    (depth, position) => {
      const net = unet({
        inputShape: [null, null, 1],
        depth,
        baseFilters: 4,
        seed: 3,
        finalActivation: "linear",
      });
      const centre = 64 + position;
      const gradient = tf.grad((x: tf.Tensor) =>
        (net.apply(x) as tf.Tensor).slice([0, centre, 8, 0], [1, 1, 1, 1]).sum()
      )(tf.randomUniform([1, 128, 16, 1], 0, 1, "float32", 5)); // rows matter; 16 columns suffice
      const rows = values(gradient.abs().sum([0, 2, 3])).flatMap((v, row) => (v > 0 ? [row] : []));
      const { size, reach } = unetReceptiveField(depth);
      const [first, last] = [rows[0], rows.at(-1)!];
      expect(last - first + 1).toBeLessThanOrEqual(size);
      expect(Math.max(centre - first, last - centre)).toBeLessThanOrEqual(reach);
      // The widest positions reach the bounds: depth 2 is the same everywhere, depth 3 at 2 (by hand: 18–117).
      if (depth === 2 || position === 2) expect(last - first + 1).toBe(size);
      if (depth === 3) expect([first, last]).toEqual([18, 117]);
    },
  );
});
