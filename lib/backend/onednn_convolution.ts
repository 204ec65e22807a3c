/**
 * Used by lessons 00 and 04–12; by the commands.
 *
 * Convolutions on oneDNN 2.x, in tfjs's layouts (NHWC data, HWIO filters), on the caller's memory:
 * forward (with a bias), and both gradients. oneDNN picks the implementation for the CPU and the
 * filter layout it wants; the filter is reordered to or from HWIO on each run.
 *
 * @module
 */
import { ALG, ARG, MEMORY_DESC_BYTES, OP_DESC_BYTES, PROP, QUERY } from "./onednn_api.ts";
import {
  check,
  dims,
  execute,
  memoryDesc,
  type OneDnn,
  type Operation,
  owning,
  reorder,
  setHandle,
  withPrimitiveDesc,
} from "./onednn.ts";

/** A convolution's geometry, in tfjs's terms (NHWC data, HWIO filters). */
export interface ConvolutionShape {
  /** Input [N, H, W, Cin]. */
  x: number[];
  /** Filter [KH, KW, Cin, Cout]. */
  filter: number[];
  /** Output [N, OH, OW, Cout]. */
  y: number[];
  strides: [number, number];
  dilations: [number, number];
  /** Padding [top, bottom, left, right]; bottom and right may be negative (rows never reached). */
  pad: [number, number, number, number];
  /** Whether the forward pass adds a bias [Cout]. */
  bias: boolean;
}

/** The three directions a convolution runs in. */
export type Direction = "forward" | "backwardData" | "backwardWeights";

/** The memory descriptors of a convolution in tfjs's layouts, and with `any` for the filter. */
function convolutionDescs(dnnl: OneDnn, s: ConvolutionShape) {
  const [n, h, w, cin] = s.x, [kh, kw, , cout] = s.filter, [, oh, ow] = s.y;
  return {
    x: memoryDesc(dnnl, [n, cin, h, w], "nhwc"),
    y: memoryDesc(dnnl, [n, cout, oh, ow], "nhwc"),
    filter: memoryDesc(dnnl, [cout, cin, kh, kw], "hwio"),
    anyFilter: memoryDesc(dnnl, [cout, cin, kh, kw], "any"),
    bias: memoryDesc(dnnl, [cout], "a"),
    geometry: [
      dims(s.strides),
      dims(s.dilations.map((d) => d - 1)),
      dims([s.pad[0], s.pad[2]]),
      dims([s.pad[1], s.pad[3]]),
    ] as const,
  };
}

/** The forward convolution's operation descriptor, which the gradients also need as a hint. */
function forwardOp(dnnl: OneDnn, s: ConvolutionShape, d: ReturnType<typeof convolutionDescs>) {
  const op = new Uint8Array(OP_DESC_BYTES);
  check(
    dnnl.symbols.dnnl_dilated_convolution_forward_desc_init(
      op,
      PROP.forwardTraining,
      ALG.convolutionDirect,
      d.x,
      d.anyFilter,
      s.bias ? d.bias : new Uint8Array(MEMORY_DESC_BYTES),
      d.y,
      ...d.geometry,
    ),
    "convolution_forward_desc_init",
  );
  return op;
}

/** A gradient's operation descriptor. */
function gradientOp(
  dnnl: OneDnn,
  direction: "backwardData" | "backwardWeights",
  d: ReturnType<typeof convolutionDescs>,
) {
  const op = new Uint8Array(OP_DESC_BYTES), sym = dnnl.symbols;
  check(
    direction === "backwardData"
      ? sym.dnnl_dilated_convolution_backward_data_desc_init(
        op,
        ALG.convolutionDirect,
        d.x,
        d.anyFilter,
        d.y,
        ...d.geometry,
      )
      : sym.dnnl_dilated_convolution_backward_weights_desc_init(
        op,
        ALG.convolutionDirect,
        d.x,
        d.anyFilter,
        new Uint8Array(MEMORY_DESC_BYTES),
        d.y,
        ...d.geometry,
      ),
    `convolution_${direction}_desc_init`,
  );
  return op;
}

/** Runs `use` with the primitive descriptor of a direction (a gradient's hinted by the forward one). */
function withConvolutionDesc<T>(
  dnnl: OneDnn,
  direction: Direction,
  s: ConvolutionShape,
  d: ReturnType<typeof convolutionDescs>,
  use: (pd: Deno.PointerValue) => T,
): T {
  return withPrimitiveDesc(
    dnnl,
    forwardOp(dnnl, s, d),
    null,
    (forward) =>
      direction === "forward"
        ? use(forward)
        : withPrimitiveDesc(dnnl, gradientOp(dnnl, direction, d), forward, use),
  );
}

/**
 * Builds a convolution for one direction and shape: the primitive oneDNN picks for this CPU, with
 * its filter in the layout that primitive wants and a reorder to or from tfjs's HWIO. Destroying it
 * frees the primitives, the reordered filter and the memory objects.
 *
 * @example
 * ```ts
 * import { convolution } from "./onednn_convolution.ts";
 * import { loadOneDnn } from "./onednn.ts";
 * const dnnl = loadOneDnn(2);
 * const conv = convolution(dnnl, "forward", {
 *   x: [1, 8, 8, 3], filter: [3, 3, 3, 16], y: [1, 8, 8, 16],
 *   strides: [1, 1], dilations: [1, 1], pad: [1, 1, 1, 1], bias: false,
 * });
 * const [x, f, y] = [192, 432, 1024].map((n) => new Float32Array(n));
 * conv.run([x, f, y].map((t) => Deno.UnsafePointer.of(t)));
 * conv.destroy();
 * ```
 */
export function convolution(dnnl: OneDnn, direction: Direction, s: ConvolutionShape): Operation {
  const d = convolutionDescs(dnnl, s);
  return owning(dnnl, (owned) => {
    const [xMem, yMem, bMem] = [d.x, d.y, d.bias].map((desc) => owned.memory(desc, false));
    const { conv, filter, filterMemory } = withConvolutionDesc(dnnl, direction, s, d, (pd) => {
      const weights = direction === "backwardWeights" ? QUERY.diffWeights : QUERY.weights;
      const chosen = dnnl.symbols.dnnl_primitive_desc_query_md(pd, weights, 0);
      const filter = reorder(owned, d.filter, chosen, direction !== "backwardWeights");
      // The primitive's filter memory, and where tfjs's HWIO filter lies (the same without a reorder).
      const filterMemory = filter?.inner ?? owned.memory(d.filter, false);
      const args: Map<number, Deno.PointerValue> = direction === "forward"
        ? new Map([[ARG.src, xMem], [ARG.weights, filterMemory], [ARG.dst, yMem]])
        : direction === "backwardData"
        ? new Map([[ARG.diffDst, yMem], [ARG.weights, filterMemory], [ARG.diffSrc, xMem]])
        : new Map([[ARG.src, xMem], [ARG.diffDst, yMem], [ARG.diffWeights, filterMemory]]);
      if (direction === "forward" && s.bias) args.set(ARG.bias, bMem);
      return { conv: owned.primitive(pd, args), filter, filterMemory };
    });
    const userFilter = filter?.outer ?? filterMemory;
    const set = (mem: Deno.PointerValue, at: Deno.PointerValue) => setHandle(dnnl, mem, at);
    // Forward: (x, filter, bias?) → y; backwardData: (dy, filter) → dx; backwardWeights: (x, dy) → dW.
    return (pointers) => {
      const inputs = pointers.slice(0, -1), output = pointers.at(-1)!;
      if (direction === "forward") {
        set(xMem, inputs[0]), set(yMem, output);
        if (s.bias) set(bMem, inputs[2]);
      } else if (direction === "backwardData") set(yMem, inputs[0]), set(xMem, output);
      else set(xMem, inputs[0]), set(yMem, inputs[1]);
      if (direction !== "backwardWeights") {
        set(userFilter, inputs[1]);
        if (filter) execute(dnnl, filter.run);
        execute(dnnl, conv);
      } else {
        set(userFilter, output);
        execute(dnnl, conv);
        if (filter) execute(dnnl, filter.run);
      }
    };
  });
}
