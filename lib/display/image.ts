/**
 * Used by lessons 00, 04, 06 and 08–11.
 *
 * Images from tensors: grey, RGB or RGBA, encoded as PNG and shown in the notebook.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { encode } from "fast-png";
import { displayable, Rich, type RichPromise } from "./show.ts";
import { valuesOf } from "../backend/read.ts";

/** Options of {@linkcode image} and {@linkcode toPng}. */
export interface ImageOptions {
  /**
   * The values shown as black and white. Default: `[0, 1]` for floats inside it, `[0, 255]` for
   * integers inside that, else the tensor's own minimum and maximum.
   */
  range?: [number, number];
  /**
   * Whole-number enlargement by repeating pixels (keeps 8×8 digits crisp). Default: the smallest
   * that makes the longer side at least 128 pixels.
   */
  scale?: number;
  /** Text shown in terminals and as the image's description. */
  title?: string;
}

/** A PNG ready to show, with the size it was encoded at. */
export interface Png {
  bytes: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

function imageShape(shape: number[]): [number, number, number] {
  const [h, w, c = 1] = shape.length === 4 && shape[0] === 1 ? shape.slice(1) : shape;
  const ok = (shape.length === 2 || shape.length === 3 || (shape.length === 4 && shape[0] === 1)) &&
    [1, 3, 4].includes(c) && h > 0 && w > 0;
  if (!ok) {
    throw new Error(
      `Cannot make an image as the tensor's shape must be [height, width] or ` +
        `[height, width, 1|3|4] (or a batch of one): current shape is [${shape.join(", ")}]`,
    );
  }
  return [h, w, c];
}

function defaultRange(
  values: Float32Array | Int32Array | Uint8Array,
  dtype: string,
): [number, number] {
  if (dtype === "bool") return [0, 1];
  let min = Infinity, max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (dtype === "float32" && min >= 0 && max <= 1) return [0, 1];
  if (min >= 0 && max <= 255 && (dtype !== "float32" || max > 1)) return [0, 255];
  return [min, max === min ? min + 1 : max];
}

/**
 * Encodes a tensor as an 8-bit PNG, reading it asynchronously.
 *
 * @example
 * ```ts
 * import { tf } from "@course/lib";
 * import { toPng } from "./image.ts";
 * const png = await toPng(tf.ones([8, 8]), { scale: 1 }); // a white 8×8 PNG
 * ```
 */
export async function toPng(tensor: tf.Tensor, options: ImageOptions = {}): Promise<Png> {
  const [h, w, c] = imageShape(tensor.shape);
  const values = await valuesOf(tensor) as Float32Array | Int32Array | Uint8Array;
  const [lo, hi] = options.range ?? defaultRange(values, tensor.dtype);
  const scale = options.scale ?? Math.max(1, Math.ceil(128 / Math.max(h, w)));
  if (!Number.isInteger(scale) || scale < 1) {
    throw new Error(
      `Cannot make an image as 'scale' must be a whole number ≥ 1: current value is ${scale}`,
    );
  }
  const width = w * scale, height = h * scale;
  const data = new Uint8Array(width * height * c);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const src = (Math.floor(y / scale) * w + Math.floor(x / scale)) * c;
      const dst = (y * width + x) * c;
      for (let k = 0; k < c; k++) {
        const v = (values[src + k] - lo) / (hi - lo);
        data[dst + k] = Math.round(255 * Math.min(1, Math.max(0, v)));
      }
    }
  }
  const bytes = encode({ width, height, data, channels: c, depth: 8 });
  return { bytes, width, height, channels: c };
}

/**
 * Base64 of bytes, as Jupyter wants for images.
 *
 * @example
 * ```ts
 * import { toBase64 } from "./image.ts";
 * toBase64(new Uint8Array([104, 105])); // "aGk="
 * ```
 */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/**
 * An image of a tensor, shown as a PNG in the notebook. The tensor is read at once, so it may be
 * freed right after the call; the image is ready when the returned promise is.
 *
 * @example
 * ```ts
 * import { image, show, tf } from "@course/lib";
 * const ramp = tf.linspace(0, 1, 64).reshape([8, 8]);
 * await show(image(ramp, { title: "a ramp" })); // or image(ramp) as a cell's last expression
 * ```
 */
export function image(tensor: tf.Tensor, options: ImageOptions = {}): RichPromise {
  imageShape(tensor.shape); // a wrong shape is refused here, not when the image is shown
  return displayable(imageOf(tensor, options));
}

async function imageOf(tensor: tf.Tensor, options: ImageOptions): Promise<Rich> {
  const png = await toPng(tensor, options);
  const kind = ({ 1: "grey", 3: "RGB", 4: "RGBA" } as Record<number, string>)[png.channels];
  const title = options.title ? `${options.title}: ` : "";
  return new Rich({
    "image/png": toBase64(png.bytes),
    "text/plain": `${title}image ${
      tensor.shape.join("×")
    } ${kind} (PNG ${png.width}×${png.height})`,
  });
}
