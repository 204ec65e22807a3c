import { afterEach, beforeAll, describe, expect, test } from "vitest";
import { join } from "node:path";
import {
  blobs,
  circles,
  describeDigits,
  describeFashionMnist,
  describeMicroscopy,
  downloadChecked,
  FASHION_CLASSES,
  fashionTensors,
  gunzip,
  loadCamera,
  loadCell,
  loadDigits,
  loadFashionMnist,
  loadNuclei,
  loadNucleiTestImage,
  logicGate,
  moons,
  parseIdx,
  sha256,
  spirals,
} from "@course/datasets";
import { init, tf } from "@course/lib";

beforeAll(async () => {
  await init({ backend: "cpu", quiet: true });
});

const gzip = async (bytes: Uint8Array) =>
  new Uint8Array(
    await new Response(
      new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
        new CompressionStream("gzip"),
      ),
    )
      .arrayBuffer(),
  );
const counts = (labels: ArrayLike<number>, k: number) => {
  const c = Array(k).fill(0);
  for (let i = 0; i < labels.length; i++) c[labels[i]]++;
  return c;
};

describe("Fashion-MNIST", () => {
  test(
    "60000 + 10000 images of 28×28 bytes, 6000 and 1000 per class, checked by SHA-256",
    async () => {
      const { train, test } = await loadFashionMnist();
      expect([train.count, test.count]).toEqual([60000, 10000]);
      expect([train.images.length, test.images.length]).toEqual([60000 * 784, 10000 * 784]);
      expect(counts(train.labels, 10)).toEqual(Array(10).fill(6000));
      expect(counts(test.labels, 10)).toEqual(Array(10).fill(1000));
      expect(test.images.reduce((a, b) => Math.max(a, b))).toBe(255);
      expect(FASHION_CLASSES[9]).toBe("Ankle boot");
      const { x, y } = fashionTensors(test, 100);
      expect([x.shape, y.shape, x.dtype]).toEqual([[100, 28, 28, 1], [100, 10], "float32"]);
      expect(x.max().dataSync()[0]).toBeLessThanOrEqual(1);
      expect(describeFashionMnist().toString()).toContain("MIT");
    },
    60_000,
  );

  test("a file with a wrong checksum is rejected, saying which and what to do", async () => {
    const dir = await Deno.makeTempDir();
    await Deno.writeFile(
      join(dir, "train-images-idx3-ubyte.gz"),
      await gzip(new Uint8Array([1, 2, 3])),
    );
    await expect(loadFashionMnist({ dirs: [dir] })).rejects.toThrow(
      `Cannot use ${
        join(dir, "train-images-idx3-ubyte.gz")
      } as its SHA-256 must be c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888: current value is`,
    );
  });

  test("a missing data set names what is missing and the commands that get it", async () => {
    const dir = await Deno.makeTempDir();
    await expect(loadFashionMnist({ dirs: [dir] })).rejects.toThrow(
      `Cannot load Fashion-MNIST as train-images-idx3-ubyte(.gz) is in none of ${dir}: install it with 'sudo apt-get install dataset-fashion-mnist', or call loadFashionMnist({ download: true })`,
    );
  });

  test("a truncated gzip gives a clear error", async () => {
    const whole = await gzip(new TextEncoder().encode("x".repeat(10_000)));
    await expect(gunzip(whole.subarray(0, whole.length - 10), "part.gz")).rejects.toThrow(
      "Cannot read part.gz as it is not a complete gzip file",
    );
  });

  test("IDX headers are checked", () => {
    expect(parseIdx(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 2, 7, 9]), "l")).toEqual({
      shape: [2],
      data: new Uint8Array([7, 9]),
    });
    expect(() => parseIdx(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 3, 7, 9]), "short")).toThrow(
      "Cannot read short as it is not an IDX file of bytes: its header announces 3 values but it holds 2",
    );
  });
});

describe("checked downloads (from a real HTTP server on 127.0.0.1)", () => {
  let server: Deno.HttpServer | undefined;
  afterEach(async () => {
    await server?.shutdown();
    Deno.env.delete("COURSE_CACHE");
  });
  const serve = (body: Uint8Array) => {
    server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      () => new Response(body as Uint8Array<ArrayBuffer>),
    );
    return `http://127.0.0.1:${(server.addr as Deno.NetAddr).port}/`;
  };

  test("a download with the right checksum is stored in the cache", async () => {
    const content = new TextEncoder().encode("the published bytes");
    const url = serve(await gzip(content));
    const path = join(await Deno.makeTempDir(), "sub", "file.gz");
    expect(await downloadChecked(url, path, await sha256(content))).toEqual(content);
    expect(await gunzip(await Deno.readFile(path), path)).toEqual(content);
  });

  test("a download with a wrong checksum is rejected and leaves no file, partial or whole", async () => {
    const cache = await Deno.makeTempDir();
    Deno.env.set("COURSE_CACHE", cache);
    const url = serve(await gzip(new TextEncoder().encode("not fashion")));
    await expect(loadFashionMnist({ dirs: [], download: true, url })).rejects.toThrow(
      "as its SHA-256 must be c59f468a",
    );
    const left: string[] = [];
    for await (const entry of Deno.readDir(cache)) left.push(entry.name);
    expect(left).toEqual([]);
  });
});

test("the 8×8 digits: 1797 images, values 0–16, every class", async () => {
  const digits = await loadDigits();
  expect(digits.count).toBe(1797);
  expect(digits.images.length).toBe(1797 * 64);
  expect(digits.images.reduce((a, b) => Math.max(a, b))).toBe(16);
  expect(counts(digits.labels, 10)).toEqual([178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
  expect(describeDigits().toString()).toContain("CC BY 4.0");
});

test("microscopy: the 512×512 nuclei image and its 125 labelled nuclei; the other images' sizes", async () => {
  const { image, labels } = await loadNuclei();
  expect([image.shape, labels.shape, labels.dtype]).toEqual([[512, 512], [512, 512], "int32"]);
  const ids = new Set(labels.dataSync());
  ids.delete(0);
  expect(ids.size).toBe(125);
  const foreground = labels.greater(0).sum().dataSync()[0] / (512 * 512);
  expect(foreground).toBeGreaterThan(0.15);
  expect(foreground).toBeLessThan(0.25);
  expect(image.max().dataSync()[0]).toBe(235);
  expect((await loadNucleiTestImage()).shape).toEqual([256, 256]);
  expect((await loadCamera()).shape).toEqual([512, 512]);
  expect((await loadCell()).shape).toEqual([660, 550]);
  expect(describeMicroscopy().map(String).join("\n")).toContain("CC0");
});

describe("synthetic sets", () => {
  test("logic gates", () => {
    expect(logicGate("XOR")).toEqual({
      points: [[0, 0], [0, 1], [1, 0], [1, 1]],
      labels: [0, 1, 1, 0],
    });
    expect(logicGate("NAND").labels).toEqual([1, 1, 1, 0]);
    expect(() => logicGate("MAYBE" as "AND")).toThrow('current value is "MAYBE"');
  });

  test("sizes, balanced classes, and the same points for the same seed", () => {
    for (
      const make of [
        (s: number) => blobs({ n: 101, seed: s }),
        (s: number) => moons({ n: 101, noise: 0.1, seed: s }),
        (s: number) => circles({ n: 101, noise: 0.05, seed: s }),
        (s: number) => spirals({ n: 101, classes: 3, seed: s }),
      ]
    ) {
      const a = make(1), b = make(1), c = make(2);
      expect(a.points.length).toBe(101);
      expect(a).toEqual(b);
      expect(a).not.toEqual(c);
      const k = Math.max(...a.labels) + 1;
      const sizes = counts(a.labels, k);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
  });

  test("shapes: noiseless moons lie on their half circles, circles on their radii", () => {
    const m = moons({ n: 20 });
    m.points.forEach(([x, y], i) => {
      const [cx, cy] = m.labels[i] === 0 ? [0, 0] : [1, 0.5];
      expect(Math.hypot(x - cx, y - cy)).toBeCloseTo(1, 12);
    });
    const c = circles({ n: 20, factor: 0.3 });
    c.points.forEach(([x, y], i) =>
      expect(Math.hypot(x, y)).toBeCloseTo(c.labels[i] === 1 ? 0.3 : 1, 12)
    );
  });
});

test("loaders leave no tensors behind but the ones they return", async () => {
  const before = tf.memory().numTensors;
  const { image, labels } = await loadNuclei();
  expect(tf.memory().numTensors).toBe(before + 2);
  tf.dispose([image, labels]);
});
