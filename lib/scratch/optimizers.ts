/**
 * Used by lessons 03–05.
 *
 * Optimisers written out by hand: each `step` updates parameters in place from their gradients.
 * The formulas (and defaults) are those of tfjs's optimisers, so the two can be compared.
 *
 * @module
 */
import type { Param } from "./dense.ts";

/** Updates parameters from their gradients. */
export interface Optimizer {
  /** The optimizer's name, for tables and legends. */
  readonly name: string;
  /** Updates the parameters in place from their gradients. */
  step(params: Param[]): void;
}

/** Per-parameter state (a running average, say), created as zeros on first use. */
class State {
  private readonly slots = new WeakMap<number[], number[]>();
  constructor(private readonly initial = 0) {}
  of(p: Param): number[] {
    let s = this.slots.get(p.value);
    if (!s) this.slots.set(p.value, s = p.value.map(() => this.initial));
    return s;
  }
}

function checkRate(learningRate: number): void {
  if (!(learningRate > 0)) {
    throw new Error(
      `Cannot create the optimiser as 'learningRate' must be > 0: current value is ${learningRate}`,
    );
  }
}

/**
 * Stochastic gradient descent: w ← w − η g.
 *
 * @example
 * ```ts
 * import { SGD } from "@course/lib";
 * const p = { value: [1], grad: [0.5] };
 * new SGD(0.1).step([p]); // p.value is [0.95]
 * ```
 */
export class SGD implements Optimizer {
  /** The optimizer's name. */
  readonly name = "SGD";
  /**
   * An optimizer with the given hyperparameters (tfjs's defaults).
   * @param learningRate the step size
   */
  constructor(readonly learningRate: number) {
    checkRate(learningRate);
  }
  /** Updates the parameters in place from their gradients. */
  step(params: Param[]): void {
    for (const p of params) {
      p.value.forEach((w, i) => p.value[i] = w - this.learningRate * p.grad[i]);
    }
  }
}

/**
 * SGD with momentum: a running sum of past gradients, v ← μ v + g; w ← w − η v.
 *
 * @example
 * ```ts
 * import { Momentum } from "@course/lib";
 * const optimizer = new Momentum(0.1, 0.9);
 * ```
 */
export class Momentum implements Optimizer {
  /** The optimizer's name. */
  readonly name: string = "momentum";
  /** Each parameter's velocity: a running sum of its gradients. */
  protected readonly velocity = new State();
  /**
   * An optimizer with the given hyperparameters (tfjs's defaults).
   * @param learningRate the step size
   * @param momentum how much of the velocity each step keeps
   */
  constructor(readonly learningRate: number, readonly momentum = 0.9) {
    checkRate(learningRate);
  }
  /** Updates the parameters in place from their gradients. */
  step(params: Param[]): void {
    for (const p of params) {
      const v = this.velocity.of(p);
      p.value.forEach((w, i) => {
        v[i] = this.momentum * v[i] + p.grad[i];
        p.value[i] = w - this.learningRate * this.direction(v[i], p.grad[i]);
      });
    }
  }
  /** The direction of the step: the velocity itself. */
  protected direction(v: number, _g: number): number {
    return v;
  }
}

/**
 * Nesterov momentum: steps along the gradient plus the velocity it is about to have,
 * v ← μ v + g; w ← w − η (g + μ v).
 *
 * @example
 * ```ts
 * import { Nesterov } from "@course/lib";
 * const optimizer = new Nesterov(0.1, 0.9);
 * ```
 */
export class Nesterov extends Momentum {
  /** The optimizer's name. */
  override readonly name = "Nesterov";
  /** Nesterov steps from where the velocity is about to take the parameter. */
  protected override direction(v: number, g: number): number {
    return g + this.momentum * v;
  }
}

/**
 * AdaGrad: each weight's step shrinks with the sum of its squared gradients,
 * s ← s + g²; w ← w − η g / √(s + ε). (tfjs starts s at 0.1.)
 *
 * @example
 * ```ts
 * import { AdaGrad } from "@course/lib";
 * const optimizer = new AdaGrad(0.5);
 * ```
 */
export class AdaGrad implements Optimizer {
  /** The optimizer's name. */
  readonly name = "AdaGrad";
  private readonly sum: State;
  /**
   * An optimizer with the given hyperparameters (tfjs's defaults).
   * @param learningRate the step size
   * @param initialAccumulator the starting sum of squared gradients
   * @param epsilon keeps the division finite
   */
  constructor(readonly learningRate: number, initialAccumulator = 0.1, readonly epsilon = 1e-7) {
    checkRate(learningRate);
    this.sum = new State(initialAccumulator);
  }
  /** Updates the parameters in place from their gradients. */
  step(params: Param[]): void {
    for (const p of params) {
      const s = this.sum.of(p);
      p.value.forEach((w, i) => {
        s[i] += p.grad[i] ** 2;
        p.value[i] = w - (this.learningRate * p.grad[i]) / Math.sqrt(s[i] + this.epsilon);
      });
    }
  }
}

/**
 * RMSProp: like AdaGrad, with a decaying average instead of a sum,
 * s ← ρ s + (1 − ρ) g²; w ← w − η g / √(s + ε).
 *
 * @example
 * ```ts
 * import { RMSProp } from "@course/lib";
 * const optimizer = new RMSProp(0.01);
 * ```
 */
export class RMSProp implements Optimizer {
  /** The optimizer's name. */
  readonly name = "RMSProp";
  private readonly meanSquare = new State();
  /**
   * An optimizer with the given hyperparameters (tfjs's defaults).
   * @param learningRate the step size
   * @param decay how much of the mean square each step keeps
   * @param epsilon keeps the division finite
   */
  constructor(readonly learningRate: number, readonly decay = 0.9, readonly epsilon = 1e-7) {
    checkRate(learningRate);
  }
  /** Updates the parameters in place from their gradients. */
  step(params: Param[]): void {
    for (const p of params) {
      const s = this.meanSquare.of(p);
      p.value.forEach((w, i) => {
        s[i] = this.decay * s[i] + (1 - this.decay) * p.grad[i] ** 2;
        p.value[i] = w - (this.learningRate * p.grad[i]) / Math.sqrt(s[i] + this.epsilon);
      });
    }
  }
}

/**
 * Adam: running averages of the gradient (m) and of its square (v), corrected for starting at 0,
 * m ← β1 m + (1 − β1) g; v ← β2 v + (1 − β2) g²; w ← w − η m̂ / (√v̂ + ε) with
 * m̂ = m / (1 − β1ᵗ), v̂ = v / (1 − β2ᵗ).
 *
 * @example
 * ```ts
 * import { Adam } from "@course/lib";
 * const optimizer = new Adam(0.001); // β1 0.9, β2 0.999
 * ```
 */
export class Adam implements Optimizer {
  /** The optimizer's name. */
  readonly name = "Adam";
  private readonly m = new State();
  private readonly v = new State();
  private t = 0;
  /**
   * An optimizer with the given hyperparameters (tfjs's defaults).
   * @param learningRate the step size
   * @param beta1 decay of the gradients' mean
   * @param beta2 decay of their mean square
   * @param epsilon keeps the division finite
   */
  constructor(
    readonly learningRate: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-7,
  ) {
    checkRate(learningRate);
  }
  /** Updates the parameters in place from their gradients. */
  step(params: Param[]): void {
    this.t++;
    const correction1 = 1 - this.beta1 ** this.t, correction2 = 1 - this.beta2 ** this.t;
    for (const p of params) {
      const m = this.m.of(p), v = this.v.of(p);
      p.value.forEach((w, i) => {
        const g = p.grad[i];
        m[i] = this.beta1 * m[i] + (1 - this.beta1) * g;
        v[i] = this.beta2 * v[i] + (1 - this.beta2) * g * g;
        p.value[i] = w -
          (this.learningRate * (m[i] / correction1)) /
            (Math.sqrt(v[i] / correction2) + this.epsilon);
      });
    }
  }
}
