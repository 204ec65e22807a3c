/**
 * Used by lessons 09 and 11; by `deno task segment`.
 *
 * From pixels to objects: Otsu's global threshold (the classical baseline for segmentation) and
 * connected components (a semantic mask split into instances, one label per object).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type Values, valuesOf } from "../backend/read.ts";

/**
 * Otsu's threshold (1979): of `bins` candidate thresholds between the smallest and largest value,
 * the one that maximises the variance between the two classes it makes. Foreground is
 * `value > threshold`, as scikit-image's `threshold_otsu`.
 *
 * @example
 * ```ts
 * import { otsuThreshold } from "@course/lib";
 * await otsuThreshold([1, 1, 2, 8, 9, 9]); // between 2 and 8
 * ```
 */
export async function otsuThreshold(pixels: Values, bins = 256): Promise<number> {
  const values = await valuesOf(pixels);
  let min = Infinity, max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    min = Math.min(min, values[i]);
    max = Math.max(max, values[i]);
  }
  if (!(max > min)) {
    throw new Error(
      `Cannot compute Otsu's threshold as the image must have at least two different values: ` +
        `current range is [${min}, ${max}]`,
    );
  }
  const width = (max - min) / bins, counts = new Float64Array(bins);
  for (let i = 0; i < values.length; i++) {
    counts[Math.min(bins - 1, Math.floor((values[i] - min) / width))]++;
  }
  const centre = (b: number) => min + (b + 0.5) * width;
  let total = 0, totalSum = 0;
  for (let b = 0; b < bins; b++) {
    total += counts[b];
    totalSum += counts[b] * centre(b);
  }
  // Split after bin b: background = bins 0…b, foreground = the rest.
  let best = -1, threshold = centre(0), below = 0, belowSum = 0;
  for (let b = 0; b < bins - 1; b++) {
    below += counts[b];
    belowSum += counts[b] * centre(b);
    const above = total - below;
    if (below === 0 || above === 0) continue;
    const difference = belowSum / below - (totalSum - belowSum) / above;
    const between = below * above * difference * difference;
    if (between > best) {
      best = between;
      threshold = centre(b);
    }
  }
  return threshold;
}

/** Options of {@linkcode connectedComponents}. */
export interface ComponentOptions {
  /** 4: pixels touching by an edge are connected; 8 (default, as scikit-image): by a corner too. */
  connectivity?: 4 | 8;
}

/**
 * Labels the connected foreground regions (non-zero pixels) of a mask [height, width]: 0 stays
 * background, each region gets 1, 2, … in the order its first pixel is met, row by row.
 *
 * @example
 * ```ts
 * import { connectedComponents, tf } from "@course/lib";
 * const { labels, count } = await connectedComponents(tf.tensor2d([[1, 0, 1], [1, 0, 0]]));
 * count; // 2
 * await labels.array(); // [[1, 0, 2], [1, 0, 0]]
 * ```
 */
export async function connectedComponents(
  mask: tf.Tensor,
  options: ComponentOptions = {},
): Promise<{ labels: tf.Tensor2D; count: number }> {
  if (mask.rank !== 2) {
    throw new Error(
      `Cannot label connected components as the mask must be 2-D [height, width]: current shape is [${
        mask.shape.join(", ")
      }]`,
    );
  }
  const [h, w] = mask.shape, on = await valuesOf(mask), labels = new Int32Array(h * w);
  const steps = options.connectivity === 4
    ? [[-1, 0], [1, 0], [0, -1], [0, 1]]
    : [[-1, -1], [-1, 0], [-1, 1], [0, -1], [0, 1], [1, -1], [1, 0], [1, 1]];
  let count = 0;
  const stack: number[] = [];
  for (let start = 0; start < h * w; start++) {
    if (!on[start] || labels[start]) continue;
    labels[start] = ++count;
    stack.push(start);
    while (stack.length) {
      const p = stack.pop()!, y = Math.floor(p / w), x = p % w;
      for (const [dy, dx] of steps) {
        const ny = y + dy, nx = x + dx, q = ny * w + nx;
        if (ny < 0 || ny >= h || nx < 0 || nx >= w || !on[q] || labels[q]) continue;
        labels[q] = count;
        stack.push(q);
      }
    }
  }
  return { labels: tf.tensor2d(labels, [h, w], "int32"), count };
}
