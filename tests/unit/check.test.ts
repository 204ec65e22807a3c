import { expect, test, vi } from "vitest";
import {
  check,
  expectClose,
  expectEqual,
  expectShape,
  NotDoneError,
  runCheck,
  seededRandom,
  tf,
} from "@course/lib";
import { caseSeed, GRADING_SEED_VARIABLE } from "../../contract/exercises.ts";

test("a correct answer passes", async () => {
  expect(await runCheck("sum", () => expectEqual(1 + 1, 2, "1 + 1"))).toEqual({
    name: "sum",
    passed: true,
    outcome: "passed",
    message: "correct",
  });
});

test("a wrong answer says what was wrong, in words", async () => {
  const and = (a: number, b: number) => a | b; // a wrong AND
  const result = await runCheck("AND", () => {
    for (const [a, b] of [[0, 0], [0, 1]]) {
      expectEqual(and(a, b), a & b, `your AND neuron's output for (${a}, ${b})`);
    }
  });
  expect(result).toEqual({
    name: "AND",
    passed: false,
    outcome: "failed",
    message: "your AND neuron's output for (0, 1) is 1; expected 0",
  });
});

test("records are described as JSON", async () => {
  expect((await runCheck("r", () => expectEqual({ a: 1 }, { a: 2 }, "your record"))).message)
    .toBe('your record is {"a":1}; expected {"a":2}');
});

test("shapes, closeness and a stub that is not done yet", async () => {
  expect((await runCheck("s", () => expectShape(tf.zeros([4]), [4, 1], "y"))).message)
    .toBe("expected y to have shape [4, 1], got [4]");
  expect((await runCheck("c", () => expectClose(0.5, 0.25, "the loss", 1e-3))).message)
    .toBe("the loss is 0.5; expected 0.25 (within 0.001)");
  expect((await runCheck("c", () => expectClose(0.1 + 0.2, 0.3, "the sum"))).passed).toBe(true);
  const stub = await runCheck("n", () => {
    throw new NotDoneError();
  });
  expect(stub.message).toBe("this exercise is not done yet: replace the stub with your code");
  expect(stub.outcome).toBe("not done");
});

test("code that crashes is reported as an error in one line, never thrown", async () => {
  const result = await runCheck("crash", () => {
    (undefined as unknown as { x: number }).x;
  });
  expect(result.passed).toBe(false);
  expect(result.message).toMatch(/^your code raised TypeError: .+/);
  expect(result.message).not.toContain("\n");
});

test("check shows the verdict with a mark", async () => {
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  await check("AND", () => expectEqual(1, 0, "your output"));
  expect(log).toHaveBeenCalledWith("✘ AND: your output is 1; expected 0");
  log.mockRestore();
});

test("graded cases are drawn only when grading, from the grading's seed and the check's name", async () => {
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  const firsts: number[] = [];
  const graded = (random: () => number) => {
    firsts.push(random());
    return [{ what: "1 + 1", answer: () => 1 + 1 }, { what: "a stub", answer: stub }];
  };
  const stub = () => {
    throw new NotDoneError();
  };
  try {
    await check("sum", () => expectEqual(1 + 1, 2, "1 + 1"), graded);
    expect(firsts).toEqual([]);
    Deno.env.set(GRADING_SEED_VARIABLE, "7");
    await check("sum", () => expectEqual(1 + 1, 2, "1 + 1"), graded);
    await check("sum", () => expectEqual(1 + 1, 2, "1 + 1"), graded);
    const expected = seededRandom(caseSeed(7, "sum"))();
    expect(firsts).toEqual([expected, expected]);
    expect(log).toHaveBeenCalledWith("sum: 2 answers recorded for grading");
  } finally {
    Deno.env.delete(GRADING_SEED_VARIABLE);
    log.mockRestore();
  }
});
