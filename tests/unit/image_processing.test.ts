import { beforeAll, expect, test } from "vitest";
import { decode as decodeTiff } from "tiff";
import {
  connectedComponents,
  gaussianBlur,
  init,
  medianFilter,
  otsuThreshold,
  readImage,
  tf,
  writeTiff,
} from "@course/lib";
import { encodeTiff } from "../../lib/imaging/image_file.ts";

beforeAll(async () => {
  await init({ backend: "cpu", quiet: true });
});

test("a Gaussian blur of an impulse is the outer product of the normalised 1-D kernel (σ = 1 by hand)", () => {
  const impulse = tf.buffer([21, 21]);
  impulse.set(1, 10, 10);
  const out = gaussianBlur(impulse.toTensor(), 1).arraySync();
  // 1-D kernel truncated at 4σ: exp(-x²/2) / Σ_{x=-4}^{4} exp(-x²/2), Σ = 2.5066206
  const k = (x: number) => Math.exp(-(x * x) / 2) / 2.5066206;
  expect(out[10][10]).toBeCloseTo(k(0) * k(0), 6);
  expect(out[10][12]).toBeCloseTo(k(0) * k(2), 6);
  expect(out[7][11]).toBeCloseTo(k(3) * k(1), 6);
  expect(out[10][15]).toBe(0);
  expect(out.flat().reduce((a, b) => a + b)).toBeCloseTo(1, 5);
});

test("a Gaussian blur keeps a constant image constant up to its borders (mirrored, not zero-padded)", () => {
  const out = gaussianBlur(tf.fill([9, 12], 5), 2).dataSync();
  for (const v of out) expect(v).toBeCloseTo(5, 5);
});

test("the median filter by hand: 100 in the middle is removed, corners read the mirrored border", async () => {
  const out = await (await medianFilter(tf.tensor2d([[1, 2, 3], [4, 100, 6], [7, 8, 9]]))).array();
  expect(out[1][1]).toBe(6); // median of 1 2 3 4 6 7 8 9 100
  expect(out[0][0]).toBe(2); // median of 1 1 2, 1 1 2, 4 4 100
  expect(out[2][2]).toBe(9); // median of 100 6 6, 8 9 9, 8 9 9
});

test("filters say what was wrong with their input", async () => {
  expect(() => gaussianBlur(tf.zeros([2, 8, 8]), 1)).toThrow(
    /must be 2-D .*current shape is \[2, 8, 8\]/,
  );
  expect(() => gaussianBlur(tf.zeros([8, 8]), 0)).toThrow(
    /'sigma' must be > 0: current value is 0/,
  );
  await expect(medianFilter(tf.zeros([8, 8]), 4)).rejects.toThrow(
    /'size' must be an odd .*current value is 4/,
  );
});

test("Otsu's threshold maximises the between-class variance (three values by hand)", async () => {
  // [0,0,0,0 | 5,10,10]: (4/7)(3/7)(25/3)² = 17.0 beats [0,0,0,0,5 | 10,10]: (5/7)(2/7)9² = 16.5
  expect(await otsuThreshold([0, 0, 0, 0, 5, 10, 10])).toBeCloseTo(0.5 * 10 / 256, 6);
  // and mirrored: [0,0,5 | 10,10,10,10] wins, so 5 is background
  const t = await otsuThreshold(tf.tensor([0, 0, 5, 10, 10, 10, 10]));
  expect(t).toBeGreaterThanOrEqual(5);
  expect(t).toBeLessThan(10);
  await expect(otsuThreshold([3, 3])).rejects.toThrow(
    /at least two different values: current range is \[3, 3\]/,
  );
});

test("connected components: 8-connectivity joins diagonal neighbours, 4 does not; labels in raster order", async () => {
  const mask = tf.tensor2d([[1, 0, 0, 1], [0, 1, 0, 1], [0, 0, 0, 0], [1, 1, 0, 1]]);
  const eight = await connectedComponents(mask);
  expect(eight.count).toBe(4);
  expect(eight.labels.arraySync()).toEqual([[1, 0, 0, 2], [0, 1, 0, 2], [0, 0, 0, 0], [
    3,
    3,
    0,
    4,
  ]]);
  const four = await connectedComponents(mask, { connectivity: 4 });
  expect(four.count).toBe(5);
  expect(four.labels.arraySync()[1][1]).toBe(3);
  // A U shape is one object even though its arms start as two runs on the first row.
  expect((await connectedComponents(tf.tensor2d([[1, 0, 1], [1, 1, 1]]))).count).toBe(1);
});

test("a float TIFF written by encodeTiff reads back exactly, by the tiff package and by readImage", async () => {
  const image = tf.tensor2d([[0, 0.5, -1.25], [1e6, 2, Math.PI]]);
  const bytes = await encodeTiff(image);
  expect(bytes.length).toBe(136 + 6 * 4);
  const [page] = decodeTiff(bytes);
  expect([page.width, page.height, page.bitsPerSample, page.sampleFormat]).toEqual([3, 2, 32, 3]);
  expect([...page.data]).toEqual([...image.dataSync()]);
  const dir = await Deno.makeTempDir();
  await writeTiff(`${dir}/out.tif`, image);
  expect((await readImage(`${dir}/out.tif`)).arraySync()).toEqual(image.arraySync());
  expect([...Deno.readDirSync(dir)].map((e) => e.name)).toEqual(["out.tif"]);
  await writeTiff(`${dir}/new/folder/out.tif`, image); // folders made as needed
  expect((await readImage(`${dir}/new/folder/out.tif`)).shape).toEqual([2, 3]);
  await expect(readImage(`${dir}/out.jpg`)).rejects.toThrow(/must end in \.tif, \.tiff or \.png/);
  await expect(encodeTiff(tf.zeros([2, 2, 3]))).rejects.toThrow(
    /must be 2-D .*current shape is \[2, 2, 3\]/,
  );
});
