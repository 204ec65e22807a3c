/**
 * Used by lessons 00 and 04–12; by the commands.
 *
 * The convolution gradients for tfjs's WebAssembly backend, built on the backend's fast forward
 * convolution (XNNPACK), and a one-pass MaxPoolGrad.
 *
 * tfjs 4.22's wasm backend has no `Conv2DBackpropFilter` (so it cannot train a CNN at all), and its
 * `Conv2DBackpropInput` is a naive loop. Both gradients are convolutions in disguise:
 *
 * - the filter gradient, dW[kh, kw, ci, co] = Σ x[n, oh·s + kh − pad, ow·s + kw − pad, ci] · dy[n, oh, ow, co],
 *   is a convolution of x with dy where the batch and channel axes trade places and the forward
 *   stride becomes a dilation;
 * - the input gradient is a stride-1 convolution of dy (with s − 1 zeros inserted between its
 *   pixels when the stride s > 1) with the filter rotated by 180° and its channel axes swapped.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { convInfo, exactPadding, padOrCrop } from "./convolution_frame.ts";
import {
  type Backend,
  type FastPath,
  free,
  type Info,
  type KernelArgs,
  run,
  withFastPath,
} from "./wasm_kernel.ts";

/** The backend's own stride-1, valid convolution (XNNPACK), with the given dilations. */
function convolve(backend: Backend, x: Info, filter: Info, dilations: [number, number]): Info {
  return run("Conv2D", backend, { x, filter }, {
    strides: [1, 1],
    pad: "valid",
    dataFormat: "NHWC",
    dilations,
  });
}

/**
 * Input channel counts up to this take the filter gradient as patches × dy, a matrix multiply:
 * XNNPACK's convolution with so few channels (and a kernel as large as the image) is slow.
 */
const FEW_CHANNELS = 4;

/**
 * The patches a convolution sees (im2col), transposed: one row per filter tap, one column per output
 * pixel, [KH·KW·Cin, N·OH·OW]; zero where the filter reaches into the padding.
 */
function patches(backend: Backend, x: Info, info: tf.backend_util.Conv2DInfo): Info {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight, outWidth } = info;
  const taps = info.filterHeight * info.filterWidth * c, pixels = n * outHeight * outWidth;
  // Channels first, [Cin, N, H, W], so that each row of patches copies runs along image rows.
  const planes = c > 1 ? run("Transpose", backend, { x }, { perm: [3, 0, 1, 2] }) : x;
  const out = backend.makeOutput([taps, pixels], "float32");
  const source = backend.typedArrayFromHeap(planes), target = backend.typedArrayFromHeap(out);
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  for (let kh = 0, t = 0; kh < info.filterHeight; kh++) {
    for (let kw = 0; kw < info.filterWidth; kw++) {
      // Output columns whose input column lies inside the image: [first, last).
      const left = kw * dw - info.padInfo.left;
      const first = Math.min(outWidth, Math.max(0, Math.ceil(-left / sw)));
      const last = Math.max(first, Math.min(outWidth, Math.ceil((w - left) / sw)));
      for (let ci = 0; ci < c; ci++) {
        for (let b = 0; b < n; b++) {
          for (let oh = 0; oh < outHeight; oh++, t += outWidth) {
            const ih = oh * sh - info.padInfo.top + kh * dh;
            if (ih < 0 || ih >= h) {
              target.fill(0, t, t + outWidth);
              continue;
            }
            const row = ((ci * n + b) * h + ih) * w + left;
            target.fill(0, t, t + first);
            for (let ow = first; ow < last; ow++) target[t + ow] = source[row + ow * sw];
            target.fill(0, t + last, t + outWidth);
          }
        }
      }
    }
  }
  if (planes !== x) free(backend, planes);
  return out;
}

/**
 * Whether the filter's windows tile the input exactly (kernel = stride, no padding, nothing left
 * over), as in a U-Net's 2×2, stride-2 transposed convolutions: then the input gradient is one
 * matrix product and a reordering.
 */
function tiles(info: tf.backend_util.Conv2DInfo): boolean {
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, padInfo } = info;
  return kh === sh && kw === sw && info.dilationHeight === 1 && info.dilationWidth === 1 &&
    padInfo.top === 0 && padInfo.left === 0 && info.outHeight * sh === info.inHeight &&
    info.outWidth * sw === info.inWidth;
}

/**
 * The filter gradient: conv2d(xᵀ, dyᵀ) with x as [Cin, H, W, N], dy as a filter [OH, OW, N, Cout],
 * dilation = the forward stride; then [Cin, KH, KW, Cout] → [KH, KW, Cin, Cout].
 */
function conv2DBackpropFilter(args: KernelArgs, backend: Backend): Info {
  const { x, dy } = args.inputs;
  const filterShape = args.attrs.filterShape as number[];
  const info = convInfo(x.shape, filterShape, args.attrs as never);
  if (x.shape[3] <= FEW_CHANNELS) {
    // dW = patchesᵀ · dy, as [KH·KW·Cin, N·OH·OW] · [N·OH·OW, Cout].
    const p = patches(backend, x, info);
    const g = run("Reshape", backend, { x: dy }, { shape: [-1, info.outChannels] });
    const dw = run("BatchMatMul", backend, { a: p, b: g }, {
      transposeA: false,
      transposeB: false,
    });
    free(backend, p, g);
    return { ...dw, shape: filterShape };
  }
  const [kh, kw] = filterShape, [sh, sw] = [info.strideHeight, info.strideWidth];
  const pad = info.padInfo;
  // Rows the forward convolution never reached (valid padding with a stride) are cropped.
  const bottom = kh + (info.outHeight - 1) * sh - x.shape[1] - pad.top;
  const right = kw + (info.outWidth - 1) * sw - x.shape[2] - pad.left;
  const xt = run("Transpose", backend, { x }, { perm: [3, 1, 2, 0] });
  const framed = padOrCrop(backend, xt, [pad.top, bottom, pad.left, right]);
  const dyt = run("Transpose", backend, { x: dy }, { perm: [1, 2, 0, 3] });
  const conv = convolve(backend, framed.info, dyt, [sh, sw]);
  const dw = run("Transpose", backend, { x: conv }, { perm: [1, 2, 0, 3] });
  free(backend, xt, dyt, conv, ...(framed.made ? [framed.info] : []));
  return dw;
}

/** Inserts s − 1 zero rows/columns between the pixels of an NHWC tensor. */
function dilate(backend: Backend, dy: Info, sh: number, sw: number): { info: Info; made: boolean } {
  if (sh === 1 && sw === 1) return { info: dy, made: false };
  const [n, h, w, c] = dy.shape;
  const six = run("Reshape", backend, { x: dy }, { shape: [n, h, 1, w, 1, c] });
  const spread = run("PadV2", backend, { x: six }, {
    paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]],
    constantValue: 0,
  });
  const flat = run("Reshape", backend, { x: spread }, { shape: [n, h * sh, w * sw, c] });
  const trimmed = run("Slice", backend, { x: flat }, {
    begin: [0, 0, 0, 0],
    size: [n, (h - 1) * sh + 1, (w - 1) * sw + 1, c],
  });
  free(backend, six, spread, flat);
  return { info: trimmed, made: true };
}

/**
 * The input gradient when the windows tile the input: each dy pixel times the filter, [N·OH·OW, Cout]
 * · [Cout, KH·KW·Cin], is one KH×KW block of dx, put in place in JavaScript.
 */
function tiledBackpropInput(
  backend: Backend,
  dy: Info,
  filter: Info,
  info: tf.backend_util.Conv2DInfo,
): Info {
  const { batchSize: n, outHeight, outWidth, filterHeight: kh, filterWidth: kw } = info;
  const c = info.inChannels;
  const g = run("Reshape", backend, { x: dy }, { shape: [-1, info.outChannels] });
  const w = run("Reshape", backend, { x: filter }, { shape: [-1, info.outChannels] });
  const blocks = run("BatchMatMul", backend, { a: g, b: w }, {
    transposeA: false,
    transposeB: true,
  });
  const out = backend.makeOutput(info.inShape, "float32");
  const source = backend.typedArrayFromHeap(blocks), target = backend.typedArrayFromHeap(out);
  const row = kw * c; // one row of a block: contiguous in dx
  for (let b = 0, pixel = 0; b < n; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++, pixel++) {
        for (let i = 0; i < kh; i++) {
          const from = (pixel * kh + i) * row;
          const to = ((b * info.inHeight + oh * kh + i) * info.inWidth + ow * kw) * c;
          for (let k = 0; k < row; k++) target[to + k] = source[from + k];
        }
      }
    }
  }
  free(backend, g, w, blocks);
  return out;
}

/** The input gradient: a full stride-1 convolution of (dilated) dy with the rotated, swapped filter. */
function conv2DBackpropInput(args: KernelArgs, backend: Backend): Info {
  const { dy, filter } = args.inputs;
  const inputShape = args.attrs.inputShape as number[];
  const info = convInfo(inputShape, filter.shape, args.attrs as never);
  if (tiles(info)) return tiledBackpropInput(backend, dy, filter, info);
  const [kh, kw] = filter.shape, pad = info.padInfo;
  const spread = dilate(backend, dy, info.strideHeight, info.strideWidth);
  const [hd, wd] = [spread.info.shape[1], spread.info.shape[2]];
  const top = kh - 1 - pad.top, left = kw - 1 - pad.left;
  const bottom = inputShape[1] + kh - 1 - hd - top, right = inputShape[2] + kw - 1 - wd - left;
  const framed = padOrCrop(backend, spread.info, [top, bottom, left, right]);
  const flipped = run("Reverse", backend, { x: filter }, { dims: [0, 1] });
  const swapped = run("Transpose", backend, { x: flipped }, { perm: [0, 1, 3, 2] });
  const dx = convolve(backend, framed.info, swapped, [1, 1]);
  free(
    backend,
    flipped,
    swapped,
    ...(framed.made ? [framed.info] : []),
    ...(spread.made ? [spread.info] : []),
  );
  return dx;
}

/**
 * MaxPoolGrad: each output's gradient goes to the first largest pixel of its window (as on the cpu
 * backend). One pass in JavaScript over the heap, channels innermost; the backend's own kernel
 * takes ~15× longer on the Fashion CNN.
 */
function maxPoolGrad(args: KernelArgs, backend: Backend): Info {
  const { dy, input } = args.inputs;
  const { filterSize, strides, pad, dimRoundingMode } = args.attrs as {
    filterSize: number | [number, number];
    strides: number | [number, number];
    pad: "same" | "valid";
    dimRoundingMode?: "floor" | "round" | "ceil";
  };
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const out = backend.makeOutput(input.shape, "float32");
  // Views after the allocation: growing the heap detaches earlier ones.
  const x = backend.typedArrayFromHeap(input), g = backend.typedArrayFromHeap(dy);
  const dx = backend.typedArrayFromHeap(out).fill(0);
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth } = info;
  const best = new Float32Array(c), at = new Int32Array(c);
  for (let b = 0, o = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const top = oh * info.strideHeight - info.padInfo.top;
      const [h0, h1] = [Math.max(0, top), Math.min(inHeight, top + info.filterHeight)];
      for (let ow = 0; ow < outWidth; ow++, o += c) {
        const left = ow * info.strideWidth - info.padInfo.left;
        const [w0, w1] = [Math.max(0, left), Math.min(inWidth, left + info.filterWidth)];
        best.fill(-Infinity), at.fill(-1);
        for (let h = h0; h < h1; h++) {
          for (let w = w0; w < w1; w++) {
            const base = ((b * inHeight + h) * inWidth + w) * c;
            for (let k = 0; k < c; k++) {
              if (x[base + k] > best[k]) best[k] = x[base + k], at[k] = base + k;
            }
          }
        }
        for (let k = 0; k < c; k++) if (at[k] >= 0) dx[at[k]] += g[o + k];
      }
    }
  }
  return out;
}

/**
 * A second input channel of zeros, and a zero filter row for it: XNNPACK computes a 1×1
 * convolution of one channel into one (an elementwise product) with a clamp that turns NaN into
 * -Infinity; with two input channels it takes its matrix product, which keeps NaN, and the zeros
 * add nothing.
 */
function widened(backend: Backend, x: Info, filter: Info): { x: Info; filter: Info } {
  const pad = (t: Info, axis: number) =>
    run("PadV2", backend, { x: t }, {
      paddings: t.shape.map((_, i) => [0, i === axis ? 1 : 0]),
      constantValue: 0,
    });
  return { x: pad(x, 3), filter: pad(filter, 2) };
}

/**
 * Conv2D and FusedConv2D with padding given as numbers (with a rounding mode) or per side, or
 * "same" with a stride: tfjs's wasm kernel hands XNNPACK a padding whose output is not the one tfjs
 * allocates, and XNNPACK then writes past it (the heap is corrupt from then on) or leaves values
 * unset. The input is padded or cropped here to the exact frame of a valid convolution with the
 * same strides and dilations. A 1×1 filter from one channel to one is widened (see `widened`).
 */
const framedForward: FastPath = (args, backend, original) => {
  const { x, filter } = args.inputs;
  const attrs = args.attrs as Parameters<typeof convInfo>[2];
  const info = convInfo(x.shape, filter.shape, attrs);
  const strided = info.strideHeight > 1 || info.strideWidth > 1;
  const framing = !(attrs.pad === "valid" || (attrs.pad === "same" && !strided));
  const single = filter.shape.every((d) => d === 1);
  if (!framing && !single) return undefined;
  const framed = framing ? padOrCrop(backend, x, exactPadding(info)) : { info: x, made: false };
  const wide = single ? widened(backend, framed.info, filter) : undefined;
  const out = original(
    {
      inputs: { ...args.inputs, x: wide?.x ?? framed.info, filter: wide?.filter ?? filter },
      backend,
      attrs: framing ? { ...attrs, pad: "valid", dimRoundingMode: undefined } : attrs,
    } as unknown as Parameters<tf.KernelFunc>[0],
  ) as Info;
  if (framed.made) free(backend, framed.info);
  if (wide) { for (const t of [wide.x, wide.filter]) free(backend, t); }
  return out;
};

/**
 * Registers the convolution gradients and MaxPoolGrad for the wasm backend, replacing the
 * backend's own slow loops where it has them, and frames the forward convolutions' padding.
 *
 * @example
 * ```ts
 * import { registerConvolutionGradients } from "./wasm_convolution.ts";
 * registerConvolutionGradients(); // a CNN can now train on the wasm backend
 * ```
 */
export function registerConvolutionGradients(): void {
  const kernels: [string, (args: KernelArgs, backend: Backend) => Info][] = [
    ["Conv2DBackpropFilter", conv2DBackpropFilter],
    ["Conv2DBackpropInput", conv2DBackpropInput],
    ["MaxPoolGrad", maxPoolGrad],
  ];
  for (const [kernelName, kernelFunc] of kernels) {
    if (tf.getKernel(kernelName, "wasm")) tf.unregisterKernel(kernelName, "wasm");
    tf.registerKernel({
      kernelName,
      backendName: "wasm",
      kernelFunc: ((args: KernelArgs) =>
        kernelFunc(args, args.backend as Backend)) as unknown as tf.KernelFunc,
    });
  }
  withFastPath("Conv2D", framedForward);
  withFastPath("FusedConv2D", framedForward);
}
