/**
 * Used by lessons 06–08; by the commands.
 *
 * Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017): 70,000 grey 28×28 images of clothing in 10
 * classes, 60,000 for training and 10,000 for testing. MIT licence.
 *
 * The files are looked for in this order: `$FASHION_MNIST_DIR`, the Debian package's folder
 * (`apt-get install dataset-fashion-mnist`), the user's cache; with `download: true`, they are then
 * fetched from the canonical source into the cache. Every file is checked by the SHA-256 of its
 * decompressed content.
 *
 * @module
 */
import { tf } from "@course/lib";
import { join } from "node:path";
import { describeTable, type Description } from "./describe.ts";
import { downloadChecked, gunzip, verify } from "./download.ts";
import { cacheDir } from "../contract/files.ts";
import { courseVariable } from "../contract/settings.ts";

/** The ten classes, in label order. */
export const FASHION_CLASSES = [
  "T-shirt/top",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Ankle boot",
];

/** The four files and the SHA-256 of their decompressed content. */
export const FASHION_FILES = {
  trainImages: {
    file: "train-images-idx3-ubyte",
    sha256: "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
  },
  trainLabels: {
    file: "train-labels-idx1-ubyte",
    sha256: "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
  },
  testImages: {
    file: "t10k-images-idx3-ubyte",
    sha256: "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
  },
  testLabels: {
    file: "t10k-labels-idx1-ubyte",
    sha256: "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
  },
} as const;

/** Where zalando publishes the files. */
export const FASHION_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";

/** Folder of the Debian package `dataset-fashion-mnist`. */
export const FASHION_DEBIAN_DIR = "/usr/share/datasets/fashion-mnist";

/** An IDX array: its dimensions and its bytes. */
export interface Idx {
  shape: number[];
  data: Uint8Array;
}

/**
 * Parses an IDX file of unsigned bytes (the MNIST format): magic number 0x08 (uint8) with the
 * number of dimensions, then each dimension as a big-endian 32-bit integer, then the data.
 *
 * @example
 * ```ts
 * import { parseIdx } from "@course/datasets";
 * parseIdx(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 2, 7, 9]), "labels"); // { shape: [2], data: [7, 9] }
 * ```
 */
export function parseIdx(bytes: Uint8Array, name: string): Idx {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (why: string): never => {
    throw new Error(`Cannot read ${name} as it is not an IDX file of bytes: ${why}`);
  };
  if (bytes.length < 4 || view.getUint16(0) !== 0) fail("it does not start with two zero bytes");
  if (bytes[2] !== 0x08) {
    fail(`its data type must be 0x08 (unsigned byte): current value is 0x${bytes[2].toString(16)}`);
  }
  const rank = bytes[3];
  const shape = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const offset = 4 + 4 * rank, size = shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== offset + size) {
    fail(`its header announces ${size} values but it holds ${bytes.length - offset}`);
  }
  return { shape, data: bytes.subarray(offset) };
}

/** One part (train or test) of Fashion-MNIST. */
export interface FashionSplit {
  /** Pixels 0–255, image after image, row after row (count × 28 × 28). */
  images: Uint8Array;
  /** Class of each image, 0–9. */
  labels: Uint8Array;
  count: number;
}

/** Options of {@linkcode loadFashionMnist}. */
export interface FashionOptions {
  /** Folders to look in, first match wins (default: `$FASHION_MNIST_DIR`, Debian's, the cache). */
  dirs?: string[];
  /** Download into the cache when no folder has the files (default false: tests never download). */
  download?: boolean;
  /** Where to download from (default the canonical source). */
  url?: string;
}

function defaultDirs(): string[] {
  const fromEnv = courseVariable("FASHION_MNIST_DIR");
  return [...(fromEnv ? [fromEnv] : []), FASHION_DEBIAN_DIR, cacheDir("fashion-mnist")];
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

async function readFile(
  key: keyof typeof FASHION_FILES,
  dirs: string[],
  options: FashionOptions,
): Promise<Uint8Array> {
  const { file, sha256 } = FASHION_FILES[key];
  for (const dir of dirs) {
    for (const name of [file, `${file}.gz`]) {
      const path = join(dir, name);
      if (!(await exists(path))) continue;
      const raw = await Deno.readFile(path);
      const bytes = name.endsWith(".gz") ? await gunzip(raw, path) : raw;
      await verify(bytes, sha256, path);
      return bytes;
    }
  }
  if (options.download) {
    const url = `${options.url ?? FASHION_URL}${file}.gz`;
    return await downloadChecked(url, join(cacheDir("fashion-mnist"), `${file}.gz`), sha256);
  }
  throw new Error(
    `Cannot load Fashion-MNIST as ${file}(.gz) is in none of ${dirs.join(", ")}: install it with ` +
      `'sudo apt-get install dataset-fashion-mnist', or call loadFashionMnist({ download: true }) ` +
      `to fetch it into ${cacheDir("fashion-mnist")}`,
  );
}

/**
 * Loads Fashion-MNIST's training and test sets.
 *
 * @example
 * ```ts
 * import { loadFashionMnist } from "@course/datasets";
 * const { train, test } = await loadFashionMnist();
 * train.count; // 60000
 * ```
 */
export async function loadFashionMnist(
  options: FashionOptions = {},
): Promise<{ train: FashionSplit; test: FashionSplit }> {
  const dirs = options.dirs ?? defaultDirs();
  const part = async (images: keyof typeof FASHION_FILES, labels: keyof typeof FASHION_FILES) => {
    const x = parseIdx(await readFile(images, dirs, options), FASHION_FILES[images].file);
    const y = parseIdx(await readFile(labels, dirs, options), FASHION_FILES[labels].file);
    return { images: x.data, labels: y.data, count: y.shape[0] };
  };
  return {
    train: await part("trainImages", "trainLabels"),
    test: await part("testImages", "testLabels"),
  };
}

/**
 * Images as a float tensor [n, 28, 28, 1] with values in [0, 1], and labels as one-hot rows
 * [n, 10]; `limit` takes the first n examples.
 *
 * @example
 * ```ts
 * import { fashionTensors, loadFashionMnist } from "@course/datasets";
 * const { x, y } = fashionTensors((await loadFashionMnist()).test, 1000);
 * ```
 */
export function fashionTensors(
  split: FashionSplit,
  limit = split.count,
): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const n = Math.min(limit, split.count);
  return tf.tidy(() => ({
    x: tf.tensor4d(split.images.subarray(0, n * 784), [n, 28, 28, 1], "int32").div(
      255,
    ) as tf.Tensor4D,
    y: tf.oneHot(tf.tensor1d(split.labels.subarray(0, n), "int32"), 10).toFloat() as tf.Tensor2D,
  }));
}

/** Fashion-MNIST's description. */
export const FASHION_DESCRIPTION: Description = {
  name: "Fashion-MNIST",
  sizes: { train: "60000 images 28×28", test: "10000 images 28×28" },
  classes: FASHION_CLASSES,
  values: "0–255 (uint8), 6000 training and 1000 test images per class",
  source: "Xiao, Rasul and Vollgraf (2017), zalando research; Debian package dataset-fashion-mnist",
  licence: "MIT",
};

/**
 * Fashion-MNIST's sizes, classes, values, source and licence, as a table.
 *
 * @example
 * ```ts
 * import { describeFashionMnist } from "@course/datasets";
 * describeFashionMnist();
 * ```
 */
export function describeFashionMnist() {
  return describeTable(FASHION_DESCRIPTION);
}
