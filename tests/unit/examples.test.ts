import { beforeAll, expect, test } from "vitest";
import { join } from "node:path";
import { gaussianNoise, init, metrics, readImage, tf, writeTiff } from "@course/lib";
import { loadCamera, loadNuclei } from "@course/datasets";
import { task } from "../helpers.ts";

beforeAll(async () => {
  await init({ backend: "cpu", quiet: true });
});

test(
  "deno task denoise: Noise2Void on an image file writes a denoised float TIFF of the same size",
  async () => {
    const dir = await Deno.makeTempDir();
    const clean = (await loadCamera()).slice([100, 150], [128, 96]);
    const noisy = gaussianNoise(clean, 25, 7);
    await writeTiff(join(dir, "noisy.tif"), noisy);
    const { code, stdout, stderr } = await task([
      "denoise",
      join(dir, "noisy.tif"),
      "--out",
      join(dir, "denoised.tif"),
      "--patches",
      "800",
      "--epochs",
      "1",
    ]);
    expect(code, stderr).toBe(0);
    expect(stdout).toContain(`wrote ${join(dir, "denoised.tif")} (128×96, 32-bit float)`);
    const denoised = await readImage(join(dir, "denoised.tif"));
    expect(denoised.shape).toEqual([128, 96]);
    const before = await metrics.psnr(clean, noisy, 255);
    const after = await metrics.psnr(clean, denoised, 255);
    expect(after, `PSNR ${before.toFixed(2)} → ${after.toFixed(2)} dB`).toBeGreaterThan(before + 2);
  },
  300_000,
);

test(
  "deno task segment: trained on one image, it segments another; probabilities and labels written",
  async () => {
    const dir = await Deno.makeTempDir();
    const { image, labels } = await loadNuclei();
    const region = (t: tf.Tensor, left: number) => t.slice([0, left], [256, 128]);
    await writeTiff(join(dir, "train.tif"), region(image, 0));
    await writeTiff(join(dir, "train_mask.tif"), region(labels, 0));
    await writeTiff(join(dir, "other.tif"), region(image, 256));
    const { code, stdout, stderr } = await task([
      "segment",
      join(dir, "train.tif"),
      join(dir, "train_mask.tif"),
      "--predict",
      join(dir, "other.tif"),
      "--patches",
      "160",
      "--epochs",
      "2",
    ]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(
      /wrote .*other_probability\.tif and .*other_labels\.tif \(\d+ objects\)/,
    );
    const probability = await readImage(join(dir, "other_probability.tif"));
    const objects = await readImage(join(dir, "other_labels.tif"));
    expect(probability.shape).toEqual([256, 128]);
    const truth = region(labels, 256).greater(0);
    const iou = await metrics.iou(truth, probability.greater(0.5));
    expect(iou, `IoU ${iou.toFixed(3)}`).toBeGreaterThan(0.6);
    expect(objects.max().dataSync()[0]).toBe(Number(stdout.match(/\((\d+) objects\)/)![1]));
  },
  300_000,
);

test(
  "deno task segment --instances: StarDist keeps touching nuclei apart in the label image it writes",
  async () => {
    const dir = await Deno.makeTempDir();
    const { image, labels } = await loadNuclei();
    const region = (t: tf.Tensor, left: number) => t.slice([0, left], [256, 192]);
    await writeTiff(join(dir, "train.tif"), region(image, 0));
    await writeTiff(join(dir, "train_labels.tif"), region(labels, 0));
    await writeTiff(join(dir, "other.tif"), region(image, 256));
    const { code, stdout, stderr } = await task([
      "segment",
      join(dir, "train.tif"),
      join(dir, "train_labels.tif"),
      "--instances",
      "--predict",
      join(dir, "other.tif"),
      "--patches",
      "240",
      "--epochs",
      "12",
    ]);
    expect(code, stderr).toBe(0);
    const count = Number(stdout.match(/other_labels\.tif \((\d+) objects\)/)![1]);
    const objects = await readImage(join(dir, "other_labels.tif"));
    expect(objects.shape).toEqual([256, 192]);
    expect(new Set(await objects.data()).size - 1).toBe(count);
    const [match] = await metrics.matchInstances(region(labels, 256), objects, [0.5]);
    // Lesson 11's quick setting, on a smaller image: it learns polygons, if not yet good ones.
    expect(match.averagePrecision, JSON.stringify(match)).toBeGreaterThan(0.5);
    // A mask with fractions is not an instance label image: one line, nothing written.
    await writeTiff(join(dir, "fractions.tif"), region(labels, 0).div(3));
    const bad = await task([
      "segment",
      join(dir, "train.tif"),
      join(dir, "fractions.tif"),
      "--instances",
      "--out",
      join(dir, "bad"),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toMatch(
      /^error: Cannot segment as the mask must be an instance label image with --instances \(0 background, one whole number per object\): '.*fractions\.tif' holds \d+\.\d+$/,
    );
    expect([...Deno.readDirSync(dir)].map((e) => e.name)).not.toContain("bad_labels.tif");
  },
  300_000,
);

test(
  "on WebGPU (the software adapter here), denoise and segment run and write images of the input's size",
  async () => {
    const dir = await Deno.makeTempDir();
    const image = (await loadCamera()).slice([100, 150], [64, 48]);
    await writeTiff(join(dir, "image.tif"), image);
    await writeTiff(join(dir, "mask.tif"), tf.greater(image, 120));
    const webgpu = { COURSE_BACKEND: "webgpu" };
    const small = ["--patches", "16", "--epochs", "1"];
    const denoise = await task(["denoise", join(dir, "image.tif"), ...small], webgpu);
    expect(denoise.code, denoise.stderr).toBe(0);
    expect(denoise.stdout).toContain("backend: webgpu (forced by COURSE_BACKEND)");
    const segment = await task(
      ["segment", join(dir, "image.tif"), join(dir, "mask.tif"), ...small, "--out", join(dir, "s")],
      webgpu,
    );
    expect(segment.code, segment.stderr).toBe(0);
    for (const written of ["image_n2v.tif", "s_probability.tif", "s_labels.tif"]) {
      expect((await readImage(join(dir, written))).shape, written).toEqual([64, 48]);
    }
  },
  600_000,
);
