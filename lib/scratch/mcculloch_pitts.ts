/**
 * Used by lesson 01.
 *
 * The McCulloch-Pitts neuron (1943): binary inputs, excitatory and inhibitory synapses, a threshold.
 *
 * @module
 */

/** A binary signal. */
export type Bit = 0 | 1;

function assertBits(values: number[], what: string): asserts values is Bit[] {
  const bad = values.find((v) => v !== 0 && v !== 1);
  if (bad !== undefined) {
    throw new Error(
      `Cannot fire a McCulloch-Pitts neuron as its ${what} inputs must be 0 or 1: ` +
        `current value is ${bad} in [${values.join(", ")}]`,
    );
  }
}

/**
 * A McCulloch-Pitts neuron. Its output is all or nothing: 0 if any inhibitory input is active,
 * otherwise 1 when the number of active excitatory inputs reaches the threshold.
 *
 * @example
 * ```ts
 * import { McCullochPitts } from "@course/lib";
 * const and = new McCullochPitts(2);
 * and.fire([1, 1]); // 1
 * and.fire([1, 0]); // 0
 * new McCullochPitts(0).fire([], [1]); // 0: an active inhibitor always wins
 * ```
 */
export class McCullochPitts {
  /**
   * A neuron that fires at `threshold` active inputs.
   * @param threshold how many active excitatory inputs make it fire
   */
  constructor(readonly threshold: number) {
    if (!Number.isInteger(threshold) || threshold < 0) {
      throw new Error(
        `Cannot create a McCulloch-Pitts neuron as 'threshold' must be a whole number ≥ 0: ` +
          `current value is ${threshold}`,
      );
    }
  }

  /** The output for the given excitatory and inhibitory inputs. */
  fire(excitatory: number[], inhibitory: number[] = []): Bit {
    assertBits(excitatory, "excitatory");
    assertBits(inhibitory, "inhibitory");
    if (inhibitory.includes(1)) return 0;
    const active = excitatory.reduce((sum: number, x) => sum + x, 0);
    return active >= this.threshold ? 1 : 0;
  }
}
