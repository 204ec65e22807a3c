/**
 * Used by lessons 00 and 04–12; by the commands.
 *
 * tfjs's fused kernels (a matrix product or a convolution, a bias, an activation) on the wasm
 * backend, in parts where the backend's own fused kernels get them wrong:
 *
 * - their ReLU and ReLU6 (XNNPACK's clamps) turn NaN into 0, hiding a diverged network; here they
 *   run on the result in place, NaN kept, as on the cpu backend;
 * - a bias of any shape but one value per output channel: a bias of one value reads as many values
 *   as there are channels, one of rank 2 or 4 is refused; here it is added by the Add kernel;
 * - matrix products with a transposed operand or a batch: wrong values (the product kernel, which
 *   handles both, runs instead).
 *
 * The product or convolution with a bias per channel still runs fused (on oneDNN where it is on),
 * and so does everything where the fused kernel is right.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type Backend, type FastPath, free, type Info, run, withFastPath } from "./wasm_kernel.ts";

type Args = Parameters<FastPath>[0];

/** Clamps a float32 result to [low, high] in place, keeping NaN (`x < low` is false for NaN). */
function clamp(backend: Backend, x: Info, low: number, high: number): Info {
  const values = backend.typedArrayFromHeap(x) as Float32Array;
  if (high === Infinity) { // a ReLU: one comparison a value (half the time of two)
    for (let i = 0; i < values.length; i++) if (values[i] < low) values[i] = low;
    return x;
  }
  for (let i = 0; i < values.length; i++) {
    if (values[i] < low) values[i] = low;
    else if (values[i] > high) values[i] = high;
  }
  return x;
}

/** The activations tfjs fuses, applied to a result the caller owns (and frees, if replaced). */
const ACTIVATIONS: Record<string, (backend: Backend, x: Info, args: Args) => Info> = {
  linear: (_, x) => x,
  relu: (backend, x) => clamp(backend, x, 0, Infinity),
  relu6: (backend, x) => clamp(backend, x, 0, 6),
  elu: (backend, x) => run("Elu", backend, { x }, {}),
  sigmoid: (backend, x) => run("Sigmoid", backend, { x }, {}),
  leakyrelu: (backend, x, args) =>
    run("LeakyRelu", backend, { x }, { alpha: args.attrs.leakyreluAlpha ?? 0.2 }),
  prelu: (backend, x, args) =>
    run("Prelu", backend, { x, alpha: args.inputs.preluActivationWeights }, {}),
};

/** Whether a bias is one value per output channel, `[channels]`: what the fused kernels take. */
const perChannel = (bias: Info | undefined, channels: number) =>
  !bias || (bias.shape.length === 1 && bias.shape[0] === channels);

/** `out` with the bias added, where the fused kernel left it out, and then the activation. */
function finish(backend: Backend, out: Info, args: Args, biasAdded: boolean): Info {
  const { bias } = args.inputs;
  const activation = (args.attrs.activation as string | undefined) ?? "linear";
  const activate = ACTIVATIONS[activation];
  if (!activate) {
    free(backend, out);
    throw new Error(
      `Cannot apply the fused activation as '${activation}' is not one of ${
        Object.keys(ACTIVATIONS).join(", ")
      }`,
    );
  }
  let result = out;
  if (bias && !biasAdded) {
    result = run("Add", backend, { a: out, b: bias }, {});
    free(backend, out);
  }
  const activated = activate(backend, result, args);
  if (activated !== result) free(backend, result);
  return activated;
}

/**
 * A fused kernel in parts: the core (`fused` with its bias where that is per channel and no
 * activation; else `unfused`), then the bias and the activation; `undefined` where the fused kernel
 * is right as it is (`right`).
 */
const inParts = (
  fused: string,
  unfused: string,
  channels: (args: Args) => number,
  coreRight: (args: Args) => boolean,
): FastPath =>
(args, backend) => {
  const { bias, preluActivationWeights: _, ...inputs } = args.inputs;
  const { activation = "linear", leakyreluAlpha: __, ...attrs } = args.attrs;
  const withBias = coreRight(args) && perChannel(bias, channels(args));
  if (withBias && activation === "linear") return undefined;
  const out = withBias
    ? run(fused, backend, { ...inputs, ...(bias ? { bias } : {}) }, {
      ...attrs,
      activation: "linear",
    })
    : run(unfused, backend, inputs, attrs);
  return finish(backend, out, args, withBias);
};

/** A matrix product's output columns. */
const columns = (args: Args) => {
  const { b } = args.inputs;
  return b.shape[b.shape.length - (args.attrs.transposeB ? 2 : 1)];
};

/** Whether a product is a dense layer's: no operand transposed, no batch. */
const dense = (args: Args) => {
  const { a, b } = args.inputs;
  const single = (t: Info) => tf.util.sizeFromShape(t.shape.slice(0, -2)) === 1;
  return !args.attrs.transposeA && !args.attrs.transposeB && single(a) && single(b);
};

/**
 * Puts the fused kernels' parts in front of the wasm backend's fused kernels, for the cases those
 * get wrong.
 *
 * @example
 * ```ts
 * import { registerFusedParts } from "./wasm_fused.ts";
 * registerFusedParts(); // tf.fused.matMul with a bias of [1] now adds that one value everywhere
 * ```
 */
export function registerFusedParts(): void {
  withFastPath("_FusedMatMul", inParts("_FusedMatMul", "BatchMatMul", columns, dense));
  withFastPath(
    "FusedConv2D",
    inParts("FusedConv2D", "Conv2D", (args) => args.inputs.filter.shape[3], () => true),
  );
}
