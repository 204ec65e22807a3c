/**
 * Used by lessons 03 and 04.
 *
 * A multi-layer perceptron built from {@linkcode Dense} layers, trained by hand-written backprop.
 *
 * @module
 */
import { seededRandom } from "../data/random.ts";
import { type Activation, identity, tanh } from "./activations.ts";
import { Dense, type Param } from "./dense.ts";

/** Options of {@linkcode MLP}. */
export interface MLPOptions {
  /** Activation of the hidden layers (default tanh). */
  hidden?: Activation;
  /** Activation of the output layer (default identity: pair it with a loss that expects logits). */
  output?: Activation;
  /** Seed of the initial weights (default 0). */
  seed?: number;
}

/**
 * Layers of sizes `sizes[0] → sizes[1] → … → sizes.at(-1)`.
 *
 * @example
 * ```ts
 * import { MLP, mse, sigmoid } from "@course/lib";
 * const net = new MLP([2, 4, 1], { output: sigmoid, seed: 1 });
 * const y = net.forward([[0, 1]]);
 * net.backward(mse.grad(y, [[1]])); // fills every layer's gradients
 * ```
 */
export class MLP {
  /** The dense layers, input to output. */
  readonly layers: Dense[];

  /**

   * Dense layers of the given sizes.
   * @param sizes the width of each layer, inputs first, e.g. [2, 4, 1]
   * @param options activations and the seed of the initialisation
   */
  constructor(sizes: number[], options: MLPOptions = {}) {
    if (sizes.length < 2) {
      throw new Error(
        `Cannot create an MLP as it needs at least an input and an output size: current value is [${
          sizes.join(", ")
        }]`,
      );
    }
    const random = seededRandom(options.seed ?? 0);
    this.layers = sizes.slice(1).map((n, l) =>
      new Dense(
        sizes[l],
        n,
        l === sizes.length - 2 ? options.output ?? identity : options.hidden ?? tanh,
        random,
      )
    );
  }

  /** Forward through every layer. */
  forward(x: number[][]): number[][] {
    return this.layers.reduce((a, layer) => layer.forward(a), x);
  }

  /** Backward from ∂L/∂output through every layer, last first (the chain rule, layer by layer). */
  backward(gradOutput: number[][]): number[][] {
    return this.layers.reduceRight((g, layer) => layer.backward(g), gradOutput);
  }

  /** Every weight row and bias of every layer, with its gradient. */
  params(): Param[] {
    return this.layers.flatMap((layer) => layer.params());
  }
}
