/**
 * Used by the wasm backend's convolutions and the native kernels.
 *
 * A convolution's frame: tfjs's geometry from its shapes and attributes, the padding that makes
 * its output exactly tfjs's, and an input padded or cropped to it.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type Backend, free, type Info, run } from "./wasm_kernel.ts";

/**
 * tfjs's geometry of a convolution from its shapes and kernel attributes.
 *
 * @example
 * ```ts
 * import { convInfo } from "./convolution_frame.ts";
 * convInfo([1, 8, 8, 3], [3, 3, 3, 16], { strides: 2, pad: "same" }).outShape; // [1, 4, 4, 16]
 * ```
 */
export function convInfo(
  xShape: number[],
  filterShape: number[],
  attrs: {
    strides: number | [number, number];
    pad: unknown;
    dilations?: number | [number, number];
    dimRoundingMode?: "floor" | "round" | "ceil";
  },
) {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad as "same" | "valid",
    attrs.dimRoundingMode,
  );
}

/**
 * A convolution's padding [top, bottom, left, right] that makes its output exactly tfjs's: the
 * bottom and right rows are what the last window reaches past the input (negative where the last
 * rows are never reached, as with a valid convolution whose stride leaves rows over; more than
 * tfjs's own padding where a rounding mode of "ceil" or "round" adds an output row).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { exactPadding } from "./convolution_frame.ts";
 * const info = tf.backend_util.computeConv2DInfo([1, 8, 8, 1], [3, 3, 1, 1], 3, 1, "valid");
 * exactPadding(info); // [0, -2, 0, -2]: the windows at 0 and 3 end before the last two rows
 * ```
 */
export function exactPadding(info: tf.backend_util.Conv2DInfo): [number, number, number, number] {
  const { top, left } = info.padInfo;
  const reach = (out: number, stride: number, kernel: number, dilation: number) =>
    (out - 1) * stride + (kernel - 1) * dilation + 1;
  const bottom = reach(info.outHeight, info.strideHeight, info.filterHeight, info.dilationHeight) -
    info.inHeight - top;
  const right = reach(info.outWidth, info.strideWidth, info.filterWidth, info.dilationWidth) -
    info.inWidth - left;
  return [top, bottom, left, right];
}

/**
 * Pads (positive amounts) then crops (negative amounts) the two spatial axes of an NHWC tensor:
 * padding first, so that a side's crop may take padding the other side added (a window that only
 * ever reaches the left padding of a one-pixel-wide image).
 *
 * @example
 * ```ts
 * import { padOrCrop } from "./convolution_frame.ts";
 * // padOrCrop(backend, x, [1, -2, 0, 0]): one row of zeros on top, the last two rows cut
 * ```
 */
export function padOrCrop(
  backend: Backend,
  x: Info,
  frame: [number, number, number, number],
): { info: Info; made: boolean } {
  const [top, bottom, left, right] = frame.map((p) => Math.max(0, p));
  let info = x, made = false;
  if (top > 0 || bottom > 0 || left > 0 || right > 0) {
    info = run("PadV2", backend, { x: info }, {
      paddings: [[0, 0], [top, bottom], [left, right], [0, 0]],
      constantValue: 0,
    });
    made = true;
  }
  const [cropTop, cropBottom, cropLeft, cropRight] = frame.map((p) => Math.max(0, -p));
  if (cropTop > 0 || cropBottom > 0 || cropLeft > 0 || cropRight > 0) {
    const [n, h, w, c] = info.shape;
    const size = [n, h - cropTop - cropBottom, w - cropLeft - cropRight, c];
    const cropped = run("Slice", backend, { x: info }, { begin: [0, cropTop, cropLeft, 0], size });
    if (made) free(backend, info);
    info = cropped;
    made = true;
  }
  return { info, made };
}
