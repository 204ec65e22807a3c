/**
 * Used by lessons 09–11; by `deno task denoise` and `deno task segment`.
 *
 * Grey images from and to files: TIFF (microscopy's format, any sample type) and PNG in, 32-bit
 * float TIFF out, so predictions keep their values (Fiji, napari and scikit-image read it).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { decode as decodePng } from "fast-png";
import { decode as decodeTiff } from "tiff";
import { writeFileAtomic } from "../../contract/files.ts";
import { valuesOf } from "../backend/read.ts";

/** The file names {@linkcode readImageValues} reads. */
export const IMAGE_EXTENSIONS = [".tif", ".tiff", ".png"];

/** A grey image's values, row after row, on the CPU: what a file holds, before any backend. */
export interface ImageValues {
  values: Float32Array;
  shape: [height: number, width: number];
}

/** The file's bytes, with one-line errors for what a user may have given instead of an image. */
async function imageBytes(path: string): Promise<Uint8Array> {
  if (!/\.(tiff?|png)$/i.test(path)) {
    throw new Error(`Cannot read ${path} as its name must end in .tif, .tiff or .png`);
  }
  const info = await Deno.stat(path).catch((error) => {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(`Cannot read ${path} as it does not exist`);
    }
    throw error;
  });
  if (!info.isFile) throw new Error(`Cannot read ${path} as it is not a file (a folder?)`);
  if (info.size === 0) throw new Error(`Cannot read ${path} as it is empty`);
  return await Deno.readFile(path);
}

/** Decodes with `decode`, saying which format the file is not when it fails. */
function decoded<T>(path: string, format: string, decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    const why = (error as Error).message;
    throw new Error(
      `Cannot read ${path} as it is not a ${format} file${/not a/i.test(why) ? "" : `: ${why}`}`,
    );
  }
}

/**
 * Reads a one-channel TIFF (first page) or grey PNG into plain values, without a tensor: a command
 * can check its input files before it starts a backend.
 *
 * @example
 * ```ts
 * import { readImageValues } from "./image_file.ts";
 * const { shape } = await readImageValues("nuclei.tif"); // [height, width]
 * ```
 */
export async function readImageValues(path: string): Promise<ImageValues> {
  const bytes = await imageBytes(path);
  if (/\.png$/i.test(path)) {
    const png = decoded(path, "PNG", () => decodePng(bytes));
    if (png.channels !== 1) {
      throw new Error(
        `Cannot read ${path} as it must be a grey PNG: it has ${png.channels} channels`,
      );
    }
    return { values: Float32Array.from(png.data), shape: [png.height, png.width] };
  }
  const [page] = decoded(path, "TIFF", () => decodeTiff(bytes));
  if (!page || page.samplesPerPixel !== 1) {
    throw new Error(
      `Cannot read ${path} as it must be a one-channel TIFF image: it has ${
        page?.samplesPerPixel ?? 0
      } channels`,
    );
  }
  return {
    values: Float32Array.from(page.data as ArrayLike<number>),
    shape: [page.height, page.width],
  };
}

/**
 * Reads a one-channel TIFF (first page) or grey PNG as a [height, width] float32 tensor of the
 * file's values (not rescaled).
 *
 * @example
 * ```ts
 * import { readImage } from "@course/lib";
 * const image = await readImage("nuclei.tif"); // [height, width]
 * ```
 */
export async function readImage(path: string): Promise<tf.Tensor2D> {
  const { values, shape } = await readImageValues(path);
  return tf.tensor2d(values, shape);
}

/** Baseline TIFF tags, in the ascending order the format requires: [tag, type (3 short, 4 long), value]. */
function tiffTags(width: number, height: number, dataOffset: number): [number, number, number][] {
  return [
    [256, 4, width],
    [257, 4, height],
    [258, 3, 32], // bits per sample
    [259, 3, 1], // no compression
    [262, 3, 1], // black is zero
    [273, 4, dataOffset], // the one strip's offset
    [277, 3, 1], // samples per pixel
    [278, 4, height], // rows per strip: all
    [279, 4, width * height * 4], // strip bytes
    [339, 3, 3], // sample format: IEEE float
  ];
}

/**
 * Encodes a [height, width] tensor as an uncompressed little-endian 32-bit float TIFF.
 *
 * @example
 * ```ts
 * import { tf } from "@course/lib";
 * import { encodeTiff } from "./image_file.ts";
 * const bytes = await encodeTiff(tf.tensor2d([[0, 0.5], [1, 2]])); // 152 bytes: header, tags, 4 floats
 * ```
 */
export async function encodeTiff(image: tf.Tensor): Promise<Uint8Array> {
  if (image.rank !== 2) {
    throw new Error(
      `Cannot encode a TIFF as the image must be 2-D [height, width]: current shape is [${
        image.shape.join(", ")
      }]`,
    );
  }
  const [height, width] = image.shape;
  const ifdSize = 2 + 10 * 12 + 4, dataOffset = 8 + ifdSize + 2; // data on a 4-byte boundary
  const bytes = new Uint8Array(dataOffset + width * height * 4), view = new DataView(bytes.buffer);
  view.setUint16(0, 0x4949); // "II": little-endian
  view.setUint16(2, 42, true);
  view.setUint32(4, 8, true);
  const tags = tiffTags(width, height, dataOffset);
  view.setUint16(8, tags.length, true);
  tags.forEach(([tag, type, value], i) => {
    const at = 10 + 12 * i;
    view.setUint16(at, tag, true);
    view.setUint16(at + 2, type, true);
    view.setUint32(at + 4, 1, true);
    if (type === 3) view.setUint16(at + 8, value, true);
    else view.setUint32(at + 8, value, true);
  });
  const pixels = await valuesOf(image);
  for (let i = 0; i < pixels.length; i++) view.setFloat32(dataOffset + 4 * i, pixels[i], true);
  return bytes;
}

/**
 * Writes a [height, width] tensor to a 32-bit float TIFF file, creating its folder, through a
 * temporary file so that a failed write leaves no half-written image.
 *
 * @example
 * ```ts
 * import { tf, writeTiff } from "@course/lib";
 * await writeTiff("prediction.tif", tf.zeros([64, 64]));
 * ```
 */
export async function writeTiff(path: string, image: tf.Tensor): Promise<void> {
  await writeFileAtomic(path, await encodeTiff(image));
}
