import { expect, test } from "vitest";
import { allInputs, McCullochPitts, truthTable } from "@course/lib";

const column = (f: (...bits: (0 | 1)[]) => number, n = 2) => allInputs(n).map((bits) => f(...bits));

test("inputs come in counting order", () => {
  expect(allInputs(2)).toEqual([[0, 0], [0, 1], [1, 0], [1, 1]]);
  expect(allInputs(3)[5]).toEqual([1, 0, 1]);
});

test("threshold 2 is AND, threshold 1 is OR (the slides' formulas)", () => {
  expect(column((a, b) => new McCullochPitts(2).fire([a, b]))).toEqual([0, 0, 0, 1]);
  expect(column((a, b) => new McCullochPitts(1).fire([a, b]))).toEqual([0, 1, 1, 1]);
});

test("one active inhibitory input forces 0; threshold 0 with an inhibitor is NOT", () => {
  expect(new McCullochPitts(1).fire([1, 1], [0, 1])).toBe(0);
  expect(column((x) => new McCullochPitts(0).fire([], [x]), 1)).toEqual([1, 0]);
});

test("a truth table lists inputs and each function", () => {
  expect(truthTable(["a", "b"], { AND: (a, b) => a & b })).toEqual([
    { a: 0, b: 0, AND: 0 },
    { a: 0, b: 1, AND: 0 },
    { a: 1, b: 0, AND: 0 },
    { a: 1, b: 1, AND: 1 },
  ]);
});

test("bad inputs and thresholds are refused with the value", () => {
  expect(() => new McCullochPitts(1).fire([1, 2])).toThrow(
    "Cannot fire a McCulloch-Pitts neuron as its excitatory inputs must be 0 or 1: current value is 2 in [1, 2]",
  );
  expect(() => new McCullochPitts(1.5)).toThrow(
    "'threshold' must be a whole number ≥ 0: current value is 1.5",
  );
});
