/**
 * Used by lessons 09–11; by `deno task denoise` and `deno task segment`.
 *
 * Tiling large images with overlap and stitching the tiles back, so a network can process images
 * larger than memory allows; with an overlap of at least half the receptive field, tiled prediction
 * equals whole-image prediction.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** A tile: its tensor, where it starts, and the part of it ("core") that goes into the stitched result. */
export interface Tile {
  /** The tile's pixels. */
  tensor: tf.Tensor;
  /** Its first row in the image. */
  top: number;
  /** Its first column in the image. */
  left: number;
  /** The core, in image coordinates: [top, bottom) × [left, right). Cores do not overlap. */
  core: { top: number; bottom: number; left: number; right: number };
}

/** Options of {@linkcode tileImage}. */
export interface TileOptions {
  /** Tile size, [height, width] or one number for squares. */
  size: number | [number, number];
  /** Pixels each tile shares with its neighbours on each side (default 0). */
  overlap?: number;
}

/** Starts of tiles along one axis, and the core each keeps. */
function axisTiles(length: number, size: number, overlap: number) {
  if (size >= length) return [{ start: 0, size: length, from: 0, to: length }];
  const step = size - 2 * overlap;
  if (step <= 0) {
    throw new Error(
      `Cannot tile as the tile size must exceed twice the overlap: current values are size ${size} and overlap ${overlap}`,
    );
  }
  const starts: number[] = [];
  for (let s = 0;; s += step) {
    if (s + size >= length) {
      starts.push(length - size);
      break;
    }
    starts.push(s);
  }
  // Each core ends `overlap` before its tile's end and starts where the previous one ended (for the
  // last tile, moved back to the border, that is past its own `overlap`): the cores never overlap.
  const ends = starts.map((start, i) => i === starts.length - 1 ? length : start + size - overlap);
  return starts.map((start, i) => ({ start, size, from: i === 0 ? 0 : ends[i - 1], to: ends[i] }));
}

/**
 * Cuts an image [height, width] or [height, width, channels] into overlapping tiles. The last tile
 * of a row or column is moved back to end at the image's border, so any size works.
 *
 * @example
 * ```ts
 * import { stitchTiles, tf, tileImage } from "@course/lib";
 * const image = tf.randomUniform([100, 70]);
 * const tiles = tileImage(image, { size: 32, overlap: 4 });
 * stitchTiles(tiles, image.shape); // equal to image
 * ```
 */
export function tileImage(image: tf.Tensor, options: TileOptions): Tile[] {
  const [sh, sw] = typeof options.size === "number" ? [options.size, options.size] : options.size;
  const overlap = options.overlap ?? 0;
  const [h, w] = image.shape as number[];
  const rows = axisTiles(h, sh, overlap), cols = axisTiles(w, sw, overlap);
  return rows.flatMap((r) =>
    cols.map((c) => {
      const begin = image.shape.map(() => 0), size = image.shape.map(() => -1);
      begin[0] = r.start, begin[1] = c.start, size[0] = r.size, size[1] = c.size;
      return {
        tensor: tf.slice(image, begin, size),
        top: r.start,
        left: c.start,
        core: { top: r.from, bottom: r.to, left: c.from, right: c.to },
      };
    })
  );
}

/**
 * Puts tiles back together: each pixel comes from the core of the tile that covers it away from its
 * border. Tiles may have other channels than the image they were cut from (predictions).
 *
 * @example
 * ```ts
 * import { stitchTiles, tf, tileImage } from "@course/lib";
 * const tiles = tileImage(tf.zeros([40, 40]), { size: 16, overlap: 2 });
 * stitchTiles(tiles, [40, 40]); // a [40, 40] tensor
 * ```
 */
export function stitchTiles(tiles: Tile[], shape: number[]): tf.Tensor {
  const [h, w] = shape;
  // The cores cover the image exactly, row of tiles by row of tiles: cut them out and concatenate,
  // with tensor operations, so that the tiles stay on the backend (the GPU) where they are.
  return tf.tidy(() => {
    const rows = new Map<number, tf.Tensor[]>();
    for (const { tensor, top, left, core } of tiles) {
      const begin = tensor.shape.map(() => 0), size = tensor.shape.map(() => -1);
      begin[0] = core.top - top, begin[1] = core.left - left;
      size[0] = core.bottom - core.top, size[1] = core.right - core.left;
      if (!rows.has(core.top)) rows.set(core.top, []);
      rows.get(core.top)!.push(tf.slice(tensor, begin, size));
    }
    const stitched = tf.concat([...rows.values()].map((row) => tf.concat(row, 1)), 0);
    if (stitched.shape[0] !== h || stitched.shape[1] !== w) {
      throw new Error(
        `Cannot stitch tiles as their cores must cover [${h}, ${w}]: they cover ` +
          `[${stitched.shape.slice(0, 2).join(", ")}]`,
      );
    }
    return stitched;
  });
}

/**
 * Predicts a large image [height, width, channels] tile by tile with a fully convolutional model
 * and stitches the predictions.
 *
 * @example
 * ```ts
 * import { predictTiled, tf, unet } from "@course/lib";
 * const model = unet({ inputShape: [null, null, 1], depth: 2, baseFilters: 4 });
 * predictTiled(model, tf.zeros([100, 100, 1]), { size: 64, overlap: 16 }); // [100, 100, 1]
 * ```
 */
export function predictTiled(
  model: tf.LayersModel,
  image: tf.Tensor3D,
  options: TileOptions,
): tf.Tensor {
  const tiles = tileImage(image, options).map((tile) => {
    const prediction = tf.tidy(() =>
      (model.predict(tile.tensor.expandDims(0)) as tf.Tensor).squeeze([0])
    );
    tile.tensor.dispose();
    return { ...tile, tensor: prediction };
  });
  const stitched = stitchTiles(tiles, image.shape);
  tf.dispose(tiles.map((t) => t.tensor));
  return stitched;
}

/** Options of {@linkcode predictImage}. */
export interface PredictImageOptions {
  /** The model needs sides divisible by this: 2^depth for a U-Net (default 1). */
  multiple?: number;
  /** Predict tile by tile (for images too large for memory at once); default the whole image. */
  tiles?: TileOptions;
}

/**
 * Predicts a whole image of any size with a fully convolutional model: mirrors the bottom and right
 * borders out to a multiple of `multiple`, predicts (whole or tiled), and crops back. A 2-D image
 * [height, width] gives a 2-D prediction when the model has one output channel; otherwise the
 * result is [height, width, channels].
 *
 * @example
 * ```ts
 * import { predictImage, tf, unet } from "@course/lib";
 * const model = unet({ inputShape: [null, null, 1], depth: 2, baseFilters: 4 });
 * predictImage(model, tf.zeros([101, 67]), { multiple: 4 }); // [101, 67]
 * ```
 */
export function predictImage(
  model: tf.LayersModel,
  image: tf.Tensor,
  options: PredictImageOptions = {},
): tf.Tensor {
  if (image.rank !== 2 && image.rank !== 3) {
    throw new Error(
      `Cannot predict the image as it must be [height, width] or [height, width, channels]: ` +
        `current shape is [${image.shape.join(", ")}]`,
    );
  }
  const [h, w] = image.shape, m = options.multiple ?? 1;
  const padded = tf.tidy(() => {
    const x = (image.rank === 2 ? image.expandDims(-1) : image) as tf.Tensor3D;
    const extra = (n: number) => (m - (n % m)) % m;
    return tf.mirrorPad(x, [[0, extra(h)], [0, extra(w)], [0, 0]], "symmetric");
  });
  const predicted = options.tiles
    ? predictTiled(model, padded, options.tiles)
    : tf.tidy(() => (model.predict(padded.expandDims(0)) as tf.Tensor).squeeze([0]));
  padded.dispose();
  return tf.tidy(() => {
    const cropped = predicted.slice([0, 0, 0], [h, w, -1]);
    predicted.dispose();
    return image.rank === 2 && cropped.shape[2] === 1 ? cropped.squeeze([2]) : cropped;
  });
}
