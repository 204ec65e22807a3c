/**
 * Used by lesson 12.
 *
 * A long short-term memory cell (Hochreiter & Schmidhuber, 1997) written out by hand: at each time
 * step four gates read the input and the previous hidden state; the forget gate decides what the
 * cell state keeps, the input gate what it adds, the output gate what it shows as the new hidden
 * state. The weights are laid out as Keras and tfjs store them, so a tfjs `lstm` layer's weights
 * run here unchanged.
 *
 * @module
 */
import { sigmoid, tanh } from "./activations.ts";

/**
 * An LSTM's weights in Keras's layout, for `units` units and `inputs` inputs: columns are the four
 * gates one after the other, in the order input, forget, candidate, output.
 */
export interface LstmWeights {
  /** [inputs][4·units]: from the input x. */
  kernel: number[][];
  /** [units][4·units]: from the previous hidden state h. */
  recurrentKernel: number[][];
  /** [4·units]. */
  bias: number[];
}

/** What the cell carries from one step to the next. */
export interface LstmState {
  /** The hidden state h, the cell's output. */
  h: number[];
  /** The cell state c, its memory. */
  c: number[];
}

/** One step's state and the gates that made it, each with one value per unit. */
export interface LstmStep extends LstmState {
  /** i = σ(·): how much of the candidate enters the cell state. */
  input: number[];
  /** f = σ(·): how much of the old cell state stays. */
  forget: number[];
  /** g = tanh(·): the candidate values. */
  candidate: number[];
  /** o = σ(·): how much of tanh(c) shows as h. */
  output: number[];
}

/** x·W + h·U + b, the four gates' pre-activations side by side. */
function preActivations(x: number[], h: number[], w: LstmWeights): number[] {
  const z = [...w.bias];
  x.forEach((xi, i) => w.kernel[i].forEach((k, j) => z[j] += xi * k));
  h.forEach((hi, i) => w.recurrentKernel[i].forEach((k, j) => z[j] += hi * k));
  return z;
}

/**
 * One time step of an LSTM cell:
 * i = σ(z_i), f = σ(z_f), g = tanh(z_g), o = σ(z_o) with z = x·W + h·U + b;
 * c' = f ⊙ c + i ⊙ g; h' = o ⊙ tanh(c').
 *
 * @example
 * ```ts
 * import { lstmStep } from "@course/lib";
 * // One unit, one input, every weight 0: all gates at σ(0) = 0.5, the candidate at tanh(0) = 0.
 * const w = { kernel: [[0, 0, 0, 0]], recurrentKernel: [[0, 0, 0, 0]], bias: [0, 0, 0, 0] };
 * lstmStep([1], { h: [0], c: [2] }, w).c; // [1]: half of the old state kept, nothing added
 * ```
 */
export function lstmStep(x: number[], state: LstmState, weights: LstmWeights): LstmStep {
  const units = state.h.length;
  if (weights.bias.length !== 4 * units || weights.kernel.length !== x.length) {
    throw new Error(
      `Cannot run the LSTM step as the weights must be [${x.length}][${
        4 * units
      }] for ${x.length} ` +
        `inputs and ${units} units: current kernel is [${weights.kernel.length}][${
          weights.kernel[0]?.length
        }]`,
    );
  }
  const z = preActivations(x, state.h, weights);
  const gate = (k: number, f: (v: number) => number) => z.slice(k * units, (k + 1) * units).map(f);
  const input = gate(0, sigmoid.f), forget = gate(1, sigmoid.f);
  const candidate = gate(2, tanh.f), output = gate(3, sigmoid.f);
  const c = state.c.map((old, u) => forget[u] * old + input[u] * candidate[u]);
  const h = c.map((value, u) => output[u] * Math.tanh(value));
  return { h, c, input, forget, candidate, output };
}

/**
 * An LSTM over a whole sequence (one input vector per time step), from zero states: every step's
 * state and gates, in order. The last step's `h` is what a `tf.layers.lstm` returns.
 *
 * @example
 * ```ts
 * import { lstmSequence } from "@course/lib";
 * const w = { kernel: [[1, 1, 1, 1]], recurrentKernel: [[0, 0, 0, 0]], bias: [0, 0, 0, 0] };
 * lstmSequence([[1], [0], [-1]], w).map((s) => s.h[0]); // the hidden state over time
 * ```
 */
export function lstmSequence(sequence: number[][], weights: LstmWeights): LstmStep[] {
  const units = weights.bias.length / 4;
  let state: LstmState = { h: Array(units).fill(0), c: Array(units).fill(0) };
  return sequence.map((x) => {
    const step = lstmStep(x, state, weights);
    state = step;
    return step;
  });
}
