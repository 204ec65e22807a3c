/**
 * Used by lessons 04, 06 and 08–11.
 *
 * The course's image views: grids of images with titles, instance labels in distinct colours, and
 * masks laid over images. Light HTML with PNGs, not plotly figures.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { displayable, escapeHtml, Rich, type RichPromise } from "./show.ts";
import { type ImageOptions, type Png, toBase64, toPng } from "./image.ts";
import { PALETTE } from "./charts.ts";

/**
 * A grid of images with titles (HTML with PNGs, light enough for dozens of images). The images are
 * read at once, asynchronously; the grid is ready when the returned promise is.
 *
 * @example
 * ```ts
 * import { imageGrid, show, tf } from "@course/lib";
 * await show(imageGrid([tf.eye(8), tf.ones([8, 8])], { titles: ["identity", "ones"], columns: 2 }));
 * ```
 */
export function imageGrid(
  images: tf.Tensor[] | tf.Tensor,
  options: ImageOptions & { titles?: string[]; columns?: number; size?: number } = {},
): RichPromise {
  const list = images instanceof tf.Tensor ? tf.unstack(images) : images;
  const pngs = Promise.all(list.map((t) => toPng(t, { scale: 1, ...options })));
  if (images instanceof tf.Tensor) tf.dispose(list); // their reads have started: see read.ts
  return displayable(pngs.then((all) => gridOf(all, options)));
}

function gridOf(
  pngs: Png[],
  options: { titles?: string[]; columns?: number; size?: number },
): Rich {
  const columns = options.columns ?? Math.min(pngs.length, 8);
  const size = options.size ?? 96;
  const cells = pngs.map((png, i) => {
    const title = options.titles?.[i] ?? "";
    return `<figure style="margin:2px;text-align:center"><img src="data:image/png;base64,${
      toBase64(png.bytes)
    }" width="${size}" style="image-rendering:pixelated"><figcaption style="font:11px sans-serif">${
      escapeHtml(title)
    }</figcaption></figure>`;
  });
  const html = `<div style="display:grid;grid-template-columns:repeat(${columns}, ${size + 8}px)">${
    cells.join("")
  }</div>`;
  const titles = options.titles ? `: ${options.titles.join(", ")}` : "";
  return new Rich({ "text/html": html, "text/plain": `${pngs.length} images${titles}` });
}

/**
 * An RGB image of a label image (0 = background, black; each label a distinct colour), to show
 * instance segmentations. Computed with tensor operations, so the labels stay where they are.
 *
 * @example
 * ```ts
 * import { image, labelColours, tf } from "@course/lib";
 * image(labelColours(tf.tensor2d([[0, 1], [2, 2]], undefined, "int32")));
 * ```
 */
export function labelColours(labels: tf.Tensor): tf.Tensor3D {
  const [h, w] = labels.shape;
  const colours = [
    [0, 0, 0],
    ...PALETTE.map((hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)),
  ];
  return tf.tidy(() => {
    // Label l > 0 takes palette entry (l − 1) mod 10, stored at row 1 + that; 0 takes row 0.
    const l = labels.reshape([h * w]).toInt();
    const row = tf.where(
      l.greater(0),
      l.sub(1).mod(PALETTE.length).add(1).toInt(),
      tf.zerosLike(l),
    );
    return tf.gather(tf.tensor2d(colours), row).reshape([h, w, 3]) as tf.Tensor3D;
  });
}

/**
 * A grey image with a binary mask laid over it in colour, to show a segmentation on its image.
 *
 * @example
 * ```ts
 * import { image, overlay, tf } from "@course/lib";
 * image(overlay(tf.randomUniform([32, 32]), tf.randomUniform([32, 32]).round()));
 * ```
 */
export function overlay(
  grey: tf.Tensor,
  mask: tf.Tensor,
  options: { colour?: [number, number, number]; alpha?: number } = {},
): tf.Tensor3D {
  return tf.tidy(() => {
    const g = grey.reshape(grey.shape.slice(0, 2));
    const lo = g.min(), hi = g.max();
    const normal = g.sub(lo).div(hi.sub(lo).add(1e-12));
    const base = tf.stack([normal, normal, normal], -1);
    const colour = tf.tensor1d(options.colour ?? [1, 0.2, 0.2]).reshape([1, 1, 3]);
    const m = mask.reshape(grey.shape.slice(0, 2)).greater(0).toFloat().expandDims(-1).mul(
      options.alpha ?? 0.5,
    );
    return base.mul(tf.sub(1, m)).add(colour.mul(m)) as tf.Tensor3D;
  });
}
