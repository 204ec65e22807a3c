/**
 * Used by lesson 10.
 *
 * Classical denoising filters, the baselines a learned denoiser has to beat: Gaussian blur and the
 * median filter. Borders are mirrored (as scikit-image's and SciPy's "reflect" mode), so the
 * image's edges are not darkened.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { valuesOf } from "../backend/read.ts";

function checkImage(image: tf.Tensor, what: string): [number, number] {
  if (image.rank !== 2) {
    throw new Error(
      `Cannot apply ${what} as the image must be 2-D [height, width]: current shape is [${
        image.shape.join(", ")
      }]`,
    );
  }
  return image.shape as [number, number];
}

/** The normalised 1-D Gaussian kernel of `sigma`, truncated at 4σ (SciPy's default). */
function gaussianKernel(sigma: number): number[] {
  const radius = Math.max(1, Math.round(4 * sigma));
  const weights = Array.from({ length: 2 * radius + 1 }, (_, i) => {
    const x = i - radius;
    return Math.exp(-(x * x) / (2 * sigma * sigma));
  });
  const sum = weights.reduce((a, b) => a + b);
  return weights.map((w) => w / sum);
}

/**
 * Blurs a 2-D image with a Gaussian of standard deviation `sigma` pixels: two 1-D convolutions
 * (rows, then columns), borders mirrored.
 *
 * @example
 * ```ts
 * import { gaussianBlur, tf } from "@course/lib";
 * const smooth = gaussianBlur(tf.randomNormal([64, 64]), 1.5); // [64, 64], less noisy
 * ```
 */
export function gaussianBlur(image: tf.Tensor, sigma: number): tf.Tensor2D {
  const [h, w] = checkImage(image, "a Gaussian blur");
  if (!(sigma > 0)) {
    throw new Error(`Cannot blur as 'sigma' must be > 0: current value is ${sigma}`);
  }
  const kernel = gaussianKernel(sigma), radius = (kernel.length - 1) / 2;
  if (radius >= Math.min(h, w)) {
    throw new Error(
      `Cannot blur a ${h}×${w} image with sigma ${sigma} as its kernel (${kernel.length} pixels) ` +
        `must be shorter than twice the image's side: choose a smaller sigma`,
    );
  }
  return tf.tidy(() => {
    const padded = tf.mirrorPad(image, [[radius, radius], [radius, radius]], "symmetric");
    const x = padded.reshape([1, h + 2 * radius, w + 2 * radius, 1]) as tf.Tensor4D;
    const rows = tf.tensor4d(kernel, [1, kernel.length, 1, 1]);
    const columns = tf.tensor4d(kernel, [kernel.length, 1, 1, 1]);
    return tf.conv2d(tf.conv2d(x, rows, 1, "valid"), columns, 1, "valid").reshape([h, w]);
  });
}

/**
 * The median of each pixel's `size`×`size` neighbourhood (odd size, default 3), borders mirrored:
 * removes salt-and-pepper noise and keeps edges sharper than a blur. Asynchronous, as it reads the
 * image.
 *
 * @example
 * ```ts
 * import { medianFilter, tf } from "@course/lib";
 * await medianFilter(tf.tensor2d([[0, 0, 0], [0, 9, 0], [0, 0, 0]])); // all zeros
 * ```
 */
export async function medianFilter(image: tf.Tensor, size = 3): Promise<tf.Tensor2D> {
  const [h, w] = checkImage(image, "a median filter");
  if (!(Number.isInteger(size) && size % 2 === 1 && size <= Math.min(h, w))) {
    throw new Error(
      `Cannot apply a median filter as 'size' must be an odd whole number no larger than the ` +
        `image's side (${Math.min(h, w)}): current value is ${size}`,
    );
  }
  // Sorting windows is plain arithmetic on the CPU: the image is read once (asynchronously).
  const radius = (size - 1) / 2, pixels = await valuesOf(image), out = new Float32Array(h * w);
  const window = new Float32Array(size * size);
  // Mirror as "symmetric": index -1 reads 0, index h reads h - 1.
  const mirror = (i: number, n: number) => (i < 0 ? -i - 1 : i >= n ? 2 * n - i - 1 : i);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let k = 0;
      for (let dy = -radius; dy <= radius; dy++) {
        const row = mirror(y + dy, h) * w;
        for (let dx = -radius; dx <= radius; dx++) window[k++] = pixels[row + mirror(x + dx, w)];
      }
      out[y * w + x] = window.sort()[(size * size - 1) / 2];
    }
  }
  return tf.tensor2d(out, [h, w]);
}
