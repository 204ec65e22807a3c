/**
 * Used by lessons 03–05 and 12.
 *
 * Activation functions and their derivatives, written out by hand: each function's value `f(z)` and
 * slope `df(z)` side by side.
 *
 * @module
 */

/** An element-wise activation: its value and its derivative at a pre-activation `z`. */
export interface Activation {
  /** The activation's name. */
  name: string;
  /** The activation of a pre-activation z. */
  f(z: number): number;
  /** Its derivative at z, for backprop. */
  df(z: number): number;
}

/** The identity: no activation (output layers of regressors, logits). */
export const identity: Activation = {
  name: "identity",
  f: (z) => z,
  df: () => 1,
};

/** The logistic sigmoid σ(z) = 1 / (1 + e^−z); σ'(z) = σ(z)(1 − σ(z)). Saturates on both sides. */
export const sigmoid: Activation = {
  name: "sigmoid",
  f: (z) => z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)),
  df: (z) => {
    const s = sigmoid.f(z);
    return s * (1 - s);
  },
};

/** The hyperbolic tangent; tanh'(z) = 1 − tanh²(z). Zero-centred, saturates on both sides. */
export const tanh: Activation = {
  name: "tanh",
  f: (z) => Math.tanh(z),
  df: (z) => 1 - Math.tanh(z) ** 2,
};

/** ReLU(z) = max(0, z); slope 1 for z > 0, else 0 (0 at z = 0, as tfjs). */
export const relu: Activation = {
  name: "relu",
  f: (z) => Math.max(0, z),
  df: (z) => (z > 0 ? 1 : 0),
};

/**
 * Leaky ReLU: z for z > 0, else α·z; its slope never vanishes.
 *
 * @example
 * ```ts
 * import { leakyRelu } from "@course/lib";
 * leakyRelu(0.2).f(-1); // -0.2
 * ```
 */
export function leakyRelu(alpha = 0.01): Activation {
  return {
    name: `leaky ReLU (α=${alpha})`,
    f: (z) => (z > 0 ? z : alpha * z),
    df: (z) => (z > 0 ? 1 : alpha),
  };
}

/**
 * ELU: z for z > 0, else α(e^z − 1); slope α·e^z below 0.
 *
 * @example
 * ```ts
 * import { elu } from "@course/lib";
 * elu().f(-100); // ≈ -1
 * ```
 */
export function elu(alpha = 1): Activation {
  return {
    name: `ELU (α=${alpha})`,
    f: (z) => (z > 0 ? z : alpha * (Math.exp(z) - 1)),
    df: (z) => (z > 0 ? 1 : alpha * Math.exp(z)),
  };
}

const GELU_C = Math.sqrt(2 / Math.PI);

/**
 * GELU, in the tanh form used by BERT and GPT-2: ½z(1 + tanh(√(2/π)(z + 0.044715z³))); the
 * derivative is that of this formula.
 */
export const gelu: Activation = {
  name: "GELU",
  f: (z) => 0.5 * z * (1 + Math.tanh(GELU_C * (z + 0.044715 * z ** 3))),
  df: (z) => {
    const t = Math.tanh(GELU_C * (z + 0.044715 * z ** 3));
    return 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * GELU_C * (1 + 3 * 0.044715 * z * z);
  },
};

/** SiLU (swish): z·σ(z); slope σ(z)(1 + z(1 − σ(z))). */
export const silu: Activation = {
  name: "SiLU",
  f: (z) => z * sigmoid.f(z),
  df: (z) => {
    const s = sigmoid.f(z);
    return s * (1 + z * (1 - s));
  },
};

/** Softplus: log(1 + e^z), a smooth ReLU; its slope is σ(z). */
export const softplus: Activation = {
  name: "softplus",
  // Written so that neither large nor very negative z overflows.
  f: (z) => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))),
  df: (z) => sigmoid.f(z),
};

/**
 * Maxout over a group of pre-activations: the largest; its gradient is 1 for that one and 0 for the
 * others. Not element-wise, so not an {@linkcode Activation}.
 *
 * @example
 * ```ts
 * import { maxout } from "@course/lib";
 * maxout([0.5, 2, -1]); // { value: 2, grad: [0, 1, 0] }
 * ```
 */
export function maxout(zs: number[]): { value: number; grad: number[] } {
  if (zs.length === 0) {
    throw new Error(
      "Cannot take a maxout as the group must hold at least one value: current value is []",
    );
  }
  const best = zs.indexOf(Math.max(...zs));
  return { value: zs[best], grad: zs.map((_, i) => (i === best ? 1 : 0)) };
}

/** The element-wise activations the course plots and compares. */
export const ACTIVATIONS: Activation[] = [
  sigmoid,
  tanh,
  relu,
  leakyRelu(),
  elu(),
  gelu,
  silu,
  softplus,
];
