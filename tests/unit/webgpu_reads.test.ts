/**
 * The library's public functions that read tensors, run on WebGPU with tensors that live on the GPU
 * (Deno's software adapter, llvmpipe, runs the same WebGPU implementation and tfjs shaders as a real
 * GPU), give what the CPU backend gives. A synchronous read anywhere on their way fails here.
 */
import { expect, test } from "vitest";
import {
  connectedComponents,
  decisionBoundary,
  evaluate,
  gaussianBlur,
  gaussianNoise,
  image,
  imageGrid,
  init,
  labelColours,
  losses,
  medianFilter,
  metrics,
  n2vMask,
  n2vPatches,
  numberOf,
  objectCentres,
  objectProbabilities,
  otsuThreshold,
  percentileNormalise,
  poissonGaussianNoise,
  poissonNoise,
  predictImage,
  read,
  seededRandom,
  standardise,
  starDistances,
  starDistInstances,
  starDistPatches,
  starDistTargets,
  table,
  tf,
  trainingPatches,
  unet,
} from "@course/lib";
import { valuesOf } from "../../lib/backend/read.ts";
import { encodeTiff } from "../../lib/imaging/image_file.ts";

/** 64×64 pixels in [0, 1], the same on every backend. */
const random = seededRandom(11);
const PIXELS = Float32Array.from({ length: 64 * 64 }, () => random());
const CLASSES = Float32Array.from({ length: 200 * 10 }, () => random());

/**
 * A tensor computed by the backend: on WebGPU it lives on the GPU (tfjs keeps uploaded values, and
 * the results of ops on fewer than about 1000 values, on the CPU).
 */
const resident = (values: Float32Array, shape: number[]) => tf.mul(tf.tensor(values, shape), 1);

const flat = async (t: tf.Tensor) => Array.from(await valuesOf(t));
const html = async (view: Promise<{ bundle: Record<string, unknown> }>) => (await view).bundle;

/**
 * Every reading function of the library on the current backend, as plain values. Each call gets
 * tensors of its own, fresh from the GPU: once read, a tensor's values stay cached on the CPU, and a
 * synchronous read of it would no longer fail.
 */
async function everything() {
  const img = () => resident(PIXELS, [64, 64]) as tf.Tensor2D;
  const mask = () => tf.tidy(() => img().greater(0.5).toFloat()) as tf.Tensor2D;
  const scores = () => resident(CLASSES, [200, 10]);
  const truth = () => tf.tidy(() => scores().reverse(0));
  const { labels, count } = await connectedComponents(mask());
  const gpuLabels = () => tf.add(labels, tf.scalar(0, "int32"));
  const model = unet({ inputShape: [null, null, 1], depth: 2, baseFilters: 4, seed: 3 });
  const { x: patchX, y: patchY } = await trainingPatches(img(), mask(), {
    size: 16,
    count: 8,
    seed: 1,
    foreground: 0.5,
    augment: { flips: true, rotations: true },
  });
  const n2v = await n2vPatches(img(), { size: 16, count: 8, fraction: 0.05, seed: 2 });
  const masked = await n2vMask(img(), { fraction: 0.01, random: seededRandom(4) });
  const { x: standard, mean, std } = await standardise(img());
  const stars = await starDistPatches(img(), gpuLabels() as tf.Tensor2D, {
    size: 16,
    count: 8,
    seed: 1,
    foreground: 0.5,
    rays: 8,
  });
  const polygons = await starDistInstances(
    img(),
    tf.tidy(() => img().expandDims(-1).tile([1, 1, 8]).mul(4)),
  );
  const results = {
    table: (await table(img().slice([0, 0], [30, 40]))).bundle,
    image: (await image(img())).bundle,
    grid: await html(imageGrid([img(), mask(), labelColours(gpuLabels())])),
    accuracy: await metrics.accuracy(truth(), scores()),
    confusion: await metrics.confusionMatrix(truth().argMax(1), scores().argMax(1), 10),
    iou: await metrics.iou(mask(), img().greater(0.3)),
    dice: await metrics.dice(mask(), img().greater(0.3)),
    psnr: await metrics.psnr(img(), mask(), 1),
    ssim: await metrics.ssim(img(), gaussianBlur(img(), 1), 1),
    instances: await metrics.matchInstances(
      gpuLabels(),
      (await connectedComponents(img().greater(0.3))).labels,
    ),
    median: await flat(await medianFilter(img())),
    blur: await flat(gaussianBlur(img(), 1.5)),
    otsu: await otsuThreshold(img()),
    components: [count, await flat(labels)],
    colours: await flat(labelColours(gpuLabels())),
    gaussian: await flat(gaussianNoise(img(), 0.1, 1)),
    poisson: await flat(await poissonNoise(img().mul(20), 1)),
    poissonGaussian: await flat(await poissonGaussianNoise(img(), { gain: 0.01, sigma: 0.02 })),
    standardised: [mean, std, await flat(standard)],
    percentile: await flat(await percentileNormalise(img())),
    patches: [await flat(patchX), await flat(patchY)],
    n2v: [await flat(n2v.x), await flat(n2v.y)],
    n2vMask: [await flat(masked.input), await flat(masked.mask)],
    starDistances: await flat(await starDistances(gpuLabels(), 8)),
    objectProbabilities: await flat(await objectProbabilities(gpuLabels())),
    objectCentres: [...await objectCentres(gpuLabels())],
    starDistTargets: await flat(await starDistTargets(gpuLabels(), 8)),
    starDistPatches: [await flat(stars.x), await flat(stars.y)],
    starDistInstances: [polygons.count, await flat(polygons.labels)],
    predicted: await flat(predictImage(model, img(), { multiple: 4 })),
    tiled: await flat(predictImage(model, img(), { multiple: 4, tiles: { size: 32, overlap: 8 } })),
    tiff: Array.from(await encodeTiff(img())),
    read: Array.from(await read(() => img().sum(1))),
    number: await numberOf(() => img().max()),
    evaluated: await evaluate(
      tf.sequential({
        layers: [tf.layers.dense({
          inputShape: [10],
          units: 10,
          activation: "softmax",
          kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }),
        })],
      }),
      { x: scores(), y: truth() },
      losses.categoricalCrossEntropy,
      { accuracy: metrics.accuracyTensor },
    ),
    boundary: (await decisionBoundary(
      (ps) => read(() => tf.sigmoid(tf.tensor2d(ps).sum(1).mul(10))),
      { resolution: 40 },
    )).bundle["application/vnd.plotly.v1+json"],
  };
  model.dispose();
  return results;
}

/** Numbers anywhere in `a` and `b` agree to `tolerance` (relative to 1 or the value's size). */
function expectNear(a: unknown, b: unknown, tolerance: number, path = "result"): void {
  if (typeof a === "number" && typeof b === "number") {
    const scale = Math.max(1, Math.abs(b));
    if (!(Math.abs(a - b) <= tolerance * scale)) expect(a, path).toBe(b);
  } else if (a && typeof a === "object" && b && typeof b === "object") {
    expect(Object.keys(a), path).toEqual(Object.keys(b));
    for (const key of Object.keys(a)) {
      expectNear(
        (a as Record<string, unknown>)[key],
        (b as Record<string, unknown>)[key],
        tolerance,
        `${path}.${key}`,
      );
    }
  } else {
    expect(a, path).toEqual(b);
  }
}

test("on WebGPU the test's tensors live on the GPU: a synchronous read of them fails", async () => {
  await init({ backend: "webgpu", quiet: true });
  const img = resident(PIXELS, [64, 64]);
  expect(() => img.dataSync()).toThrow("clearRect");
  expect(Array.from(await img.data())).toEqual(Array.from(PIXELS));
  img.dispose();
  // A display reads at once, so its tensor may be freed before it is shown.
  const fresh = resident(PIXELS, [64, 64]), shown = image(fresh);
  fresh.dispose();
  expect((await shown).toString()).toBe("image 64×64 grey (PNG 128×128)");
}, 120_000);

test("every reading function gives on WebGPU what it gives on the CPU backend", async () => {
  await init({ backend: "cpu", quiet: true });
  const onCpu = await everything();
  await init({ backend: "webgpu", quiet: true });
  const onGpu = await everything();
  // Exact where only values are moved; convolutions and sums may round differently on the GPU.
  const { predicted, tiled, blur, ssim, boundary, evaluated, read: sums, ...exact } = onGpu;
  const { predicted: p, tiled: t, blur: b, ssim: s, boundary: d, evaluated: e, read: r, ...rest } =
    onCpu;
  expectNear(exact, rest, 1e-6);
  expectNear({ predicted, tiled, blur, ssim, boundary, evaluated, sums }, {
    predicted: p,
    tiled: t,
    blur: b,
    ssim: s,
    boundary: d,
    evaluated: e,
    sums: r,
  }, 1e-4);
}, 300_000);
