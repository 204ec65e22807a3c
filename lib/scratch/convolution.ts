/**
 * Used by lesson 06.
 *
 * Convolution and pooling by hand, on plain 2-D arrays: what a convolutional layer computes for one
 * channel, with stride, zero padding and dilation, and the receptive field of a stack of layers.
 *
 * As in every deep-learning library, "convolution" here is cross-correlation: the kernel is not
 * flipped, `out[i][j] = Σ image[i·s + a·d − p][j·s + b·d − p] · kernel[a][b]`.
 *
 * @module
 */

/** A 2-D array of numbers, row by row. */
export type Matrix = number[][];

/** How a kernel or pooling window moves over an image. */
export interface WindowOptions {
  /** Step between windows (default 1 for convolution, the window size for pooling). */
  stride?: number;
  /** Zeros added on every side (default 0). */
  padding?: number;
  /** Spacing between the kernel's taps; 1 = adjacent pixels (default 1). */
  dilation?: number;
}

/**
 * Output length along one axis: ⌊(n + 2p − d·(k − 1) − 1) / s⌋ + 1.
 *
 * @example
 * ```ts
 * import { convOutputSize } from "@course/lib";
 * convOutputSize(5, 3); // 3: a 3×3 kernel fits 3 times across 5 pixels
 * convOutputSize(5, 3, { padding: 1 }); // 5: "same" padding
 * convOutputSize(28, 2, { stride: 2 }); // 14
 * ```
 */
export function convOutputSize(n: number, k: number, options: WindowOptions = {}): number {
  const { stride = 1, padding = 0, dilation = 1 } = options;
  const size = Math.floor((n + 2 * padding - dilation * (k - 1) - 1) / stride) + 1;
  if (size < 1) {
    throw new Error(
      `Cannot slide a ${k}-wide kernel (dilation ${dilation}) over ${n} pixels with padding ` +
        `${padding} as the output must have at least one pixel: current size is ${size}`,
    );
  }
  return size;
}

/** The image's pixel, or 0 outside it (zero padding). */
function pixel(image: Matrix, row: number, col: number): number {
  return image[row]?.[col] ?? 0;
}

/**
 * One channel of a convolutional layer: slides `kernel` over `image` and writes each weighted sum.
 *
 * @example
 * ```ts
 * import { conv2d } from "@course/lib";
 * const image = [[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]];
 * conv2d(image, [[1, 0, 1], [0, 1, 0], [1, 0, 1]]); // [[4, 3, 4], [2, 4, 3], [2, 3, 4]]
 * ```
 */
export function conv2d(image: Matrix, kernel: Matrix, options: WindowOptions = {}): Matrix {
  const { stride = 1, padding = 0, dilation = 1 } = options;
  const kh = kernel.length, kw = kernel[0].length;
  const oh = convOutputSize(image.length, kh, { stride, padding, dilation });
  const ow = convOutputSize(image[0].length, kw, { stride, padding, dilation });
  return Array.from({ length: oh }, (_, i) =>
    Array.from({ length: ow }, (_, j) => {
      let sum = 0;
      for (let a = 0; a < kh; a++) {
        for (let b = 0; b < kw; b++) {
          const row = i * stride + a * dilation - padding,
            col = j * stride + b * dilation - padding;
          sum += pixel(image, row, col) * kernel[a][b];
        }
      }
      return sum;
    }));
}

/** Options of {@linkcode pool2d}. */
export interface PoolOptions {
  /** Window size (default 2). */
  size?: number;
  /** Step between windows (default: the window size, so windows do not overlap). */
  stride?: number;
  /** Keep each window's largest value, or its mean (default "max"). */
  mode?: "max" | "average";
}

/**
 * Max or average pooling of one channel, without padding.
 *
 * @example
 * ```ts
 * import { pool2d } from "@course/lib";
 * const x = [[3, 15, 1, 13], [9, 7, 0, 10], [11, 5, 5, 3], [1, 8, 9, 6]]; // deck 004's example
 * pool2d(x); // [[15, 13], [11, 9]]
 * pool2d(x, { mode: "average" }); // [[8.5, 6], [6.25, 5.75]]
 * ```
 */
export function pool2d(image: Matrix, options: PoolOptions = {}): Matrix {
  const { size = 2, mode = "max" } = options, stride = options.stride ?? size;
  const oh = convOutputSize(image.length, size, { stride });
  const ow = convOutputSize(image[0].length, size, { stride });
  return Array.from({ length: oh }, (_, i) =>
    Array.from({ length: ow }, (_, j) => {
      const window = image.slice(i * stride, i * stride + size)
        .flatMap((row) => row.slice(j * stride, j * stride + size));
      return mode === "max"
        ? Math.max(...window)
        : window.reduce((a, b) => a + b, 0) / window.length;
    }));
}

/** A layer as the receptive field sees it: its window, stride and dilation. */
export interface FieldLayer {
  /** Side of the window. */
  kernel: number;
  /** Step between windows (default 1). */
  stride?: number;
  /** Spacing of the window's taps (default 1). */
  dilation?: number;
}

/**
 * Receptive field of the last layer of a stack: how many input pixels (along one axis) one of its
 * outputs depends on. Each layer adds (k − 1)·d times the product of the strides before it.
 *
 * @example
 * ```ts
 * import { receptiveField } from "@course/lib";
 * receptiveField([{ kernel: 3 }, { kernel: 3 }]); // 5: two 3×3 convolutions see 5×5
 * receptiveField([{ kernel: 3 }, { kernel: 2, stride: 2 }, { kernel: 3 }]); // 8
 * ```
 */
export function receptiveField(layers: FieldLayer[]): number {
  let field = 1, jump = 1;
  for (const { kernel, stride = 1, dilation = 1 } of layers) {
    field += (kernel - 1) * dilation * jump;
    jump *= stride;
  }
  return field;
}
