/**
 * Used by lessons 03–05.
 *
 * A fully connected layer with its forward and backward pass written out by hand.
 *
 * @module
 */
import { gaussian, type Random } from "../data/random.ts";
import { type Activation, identity } from "./activations.ts";

/** A trainable array and its gradient, updated in place by an optimiser. */
export interface Param {
  /** The values, changed in place by an optimizer's step. */
  value: number[];
  /** The loss's gradient with respect to each value, from the last backward pass. */
  grad: number[];
}

/**
 * A dense layer a = f(W x + b) on a batch, one row per example: `W[j][i]` connects input i to
 * output j.
 *
 * @example
 * ```ts
 * import { Dense, seededRandom, sigmoid } from "@course/lib";
 * const layer = new Dense(2, 3, sigmoid, seededRandom(0));
 * const a = layer.forward([[1, 0]]); // one example in, three activations out
 * const dx = layer.backward([[1, 1, 1]]); // gradient in, gradient w.r.t. the input out
 * ```
 */
export class Dense {
  /** Weights, [outputs][inputs]: `W[j][i]` connects input i to output j. */
  readonly W: number[][];
  /** Biases, one per output. */
  readonly b: number[];
  /** The loss's gradient with respect to `W`, from the last backward pass. */
  readonly gradW: number[][];
  /** The loss's gradient with respect to `b`. */
  readonly gradB: number[];
  /** Kept from the forward pass for the backward pass. */
  private x: number[][] = [];
  private z: number[][] = [];

  /**
   * A layer with Glorot-initialised weights (the normal variant of Glorot and Bengio's scheme:
   * standard deviation √(2 / (inputs + outputs)), whatever the activation) and zero biases; without
   * `random`, all weights are 0.
   * @param inputs how many inputs
   * @param outputs how many outputs
   * @param activation applied after the affine map
   * @param random the random numbers of the initialisation
   */
  constructor(
    readonly inputs: number,
    readonly outputs: number,
    readonly activation: Activation = identity,
    random?: Random,
  ) {
    for (const [name, n] of [["inputs", inputs], ["outputs", outputs]] as const) {
      if (!Number.isInteger(n) || n < 1) {
        throw new Error(
          `Cannot create a dense layer as '${name}' must be a whole number ≥ 1: current value is ${n}`,
        );
      }
    }
    // Glorot and Bengio's (2010) variance, a compromise between 1/inputs (forward) and 1/outputs
    // (backward), roughly keeps activations and gradients from growing or shrinking layer by layer.
    const std = Math.sqrt(2 / (inputs + outputs));
    this.W = Array.from(
      { length: outputs },
      () => Array.from({ length: inputs }, () => (random ? gaussian(random, 0, std) : 0)),
    );
    this.b = Array(outputs).fill(0);
    this.gradW = this.W.map((row) => row.map(() => 0));
    this.gradB = Array(outputs).fill(0);
  }

  /** Forward: z = W x + b, a = f(z), for every example of the batch. */
  forward(x: number[][]): number[][] {
    const bad = x.find((row) => row.length !== this.inputs);
    if (bad) {
      throw new Error(
        `Cannot apply the dense layer as each input must have ${this.inputs} values: current value has ${bad.length}`,
      );
    }
    this.x = x;
    this.z = x.map((xn) => this.W.map((wj, j) => wj.reduce((s, w, i) => s + w * xn[i], this.b[j])));
    return this.z.map((zn) => zn.map((z) => this.activation.f(z)));
  }

  /**
   * Backward, given ∂L/∂a: ∂L/∂z = ∂L/∂a · f'(z); ∂L/∂W[j][i] = Σ_n ∂L/∂z[n][j] · x[n][i];
   * ∂L/∂b[j] = Σ_n ∂L/∂z[n][j]; and returns ∂L/∂x[n][i] = Σ_j ∂L/∂z[n][j] · W[j][i].
   */
  backward(gradA: number[][]): number[][] {
    const gradZ = gradA.map((gn, n) => gn.map((g, j) => g * this.activation.df(this.z[n][j])));
    // In place: optimisers hold on to these arrays through params().
    this.gradW.forEach((gj, j) =>
      gj.forEach((_, i) => gj[i] = gradZ.reduce((s, gn, n) => s + gn[j] * this.x[n][i], 0))
    );
    this.gradB.forEach((_, j) => this.gradB[j] = gradZ.reduce((s, gn) => s + gn[j], 0));
    return gradZ.map((gn) =>
      Array.from({ length: this.inputs }, (_, i) => gn.reduce((s, g, j) => s + g * this.W[j][i], 0))
    );
  }

  /** The weights (one row per output) and the biases, each with its gradient. */
  params(): Param[] {
    return [
      ...this.W.map((row, j) => ({ value: row, grad: this.gradW[j] })),
      { value: this.b, grad: this.gradB },
    ];
  }
}
