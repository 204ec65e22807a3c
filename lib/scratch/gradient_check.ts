/**
 * Used by lesson 04.
 *
 * Numerical gradients by central differences, to check hand-written backward passes.
 *
 * @module
 */
import type { Param } from "./dense.ts";
import type { Loss } from "./losses.ts";

/**
 * ∂f/∂w for every entry w of a parameter, as (f(w + h) − f(w − h)) / 2h.
 *
 * @example
 * ```ts
 * import { numericalGradient } from "@course/lib";
 * const p = { value: [3], grad: [0] };
 * numericalGradient(() => p.value[0] ** 2, p); // [6.000000000039306]
 * ```
 */
export function numericalGradient(f: () => number, param: Param, h = 1e-5): number[] {
  return param.value.map((w, i) => {
    param.value[i] = w + h;
    const up = f();
    param.value[i] = w - h;
    const down = f();
    param.value[i] = w;
    return (up - down) / (2 * h);
  });
}

/**
 * The largest relative difference |a − b| / max(|a|, |b|, floor) between two gradients. The floor
 * keeps gradients that are both (nearly) zero from counting as different.
 *
 * @example
 * ```ts
 * import { relativeError } from "@course/lib";
 * relativeError([1, 2], [1, 2.002]); // ≈ 0.001
 * ```
 */
export function relativeError(a: number[], b: number[], floor = 1e-7): number {
  return a.reduce(
    (worst, x, i) =>
      Math.max(worst, Math.abs(x - b[i]) / Math.max(Math.abs(x), Math.abs(b[i]), floor)),
    0,
  );
}

/** What {@linkcode gradientCheck} needs of a model. */
export interface Differentiable {
  /** The outputs for a batch of inputs, one row each. */
  forward(x: number[][]): number[][];
  /** Fills the parameters' gradients from the gradient of the outputs. */
  backward(gradOutput: number[][]): unknown;
  /** The trainable parameters. */
  params(): Param[];
}

/**
 * Compares a model's backprop gradients of `loss` on `(x, t)` with numerical ones and returns the
 * largest relative error over all parameters.
 *
 * @example
 * ```ts
 * import { gradientCheck, MLP, mse } from "@course/lib";
 * gradientCheck(new MLP([2, 3, 1]), mse, [[0, 1]], [[1]]); // ~1e-9
 * ```
 */
export function gradientCheck(
  model: Differentiable,
  loss: Loss,
  x: number[][],
  t: number[][],
): number {
  model.backward(loss.grad(model.forward(x), t));
  const analytic = model.params().map((p) => [...p.grad]);
  const f = () => loss.value(model.forward(x), t);
  return Math.max(
    ...model.params().map((p, k) => relativeError(analytic[k], numericalGradient(f, p))),
  );
}
