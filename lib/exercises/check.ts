/**
 * Used by lessons 00–12.
 *
 * Checks for exercises: plain-language feedback for the attendee, a structured result for the
 * runner and the grader.
 *
 * A check never throws: a wrong answer, or an answer that crashes, is reported in words and the
 * notebook goes on. The result is also published as `application/vnd.course.check+json`, which
 * the headless runner and the grader read from the cell's outputs.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { escapeHtml, Rich, show } from "../display/show.ts";
import { type Random, seededRandom } from "../data/random.ts";
import {
  ANSWERS_MIME,
  caseSeed,
  CHECK_MIME,
  type CheckOutcome,
  type CheckResult,
  describeValue,
  GRADING_SEED_VARIABLE,
  NOT_DONE_ERROR,
  type RecordedAnswers,
  type RecordedCase,
  within,
} from "../../contract/exercises.ts";

/**
 * A wrong answer, described in words for the attendee. Thrown by the `expect…` helpers, and by a
 * check's own tests.
 *
 * @example
 * ```ts
 * import { check, CheckFailure } from "@course/lib";
 * await check("positive", () => {
 *   if (-1 <= 0) throw new CheckFailure("your number is not positive");
 * });
 * ```
 */
export class CheckFailure extends Error {
  /** The error's name, as the feedback shows it. */
  override name = "CheckFailure";
}

/**
 * Thrown by an exercise's stub until the attendee writes the solution.
 *
 * @example
 * ```ts
 * import { NotDoneError } from "@course/lib";
 * function nand(a: number, b: number): number {
 *   throw new NotDoneError("nand"); // "nand is not done yet: replace the stub with your code"
 * }
 * ```
 */
export class NotDoneError extends Error {
  /** The name the grader reads to tell a stub from a wrong answer. */
  override name: string = NOT_DONE_ERROR;
  /**
   * Says which exercise is not done yet.
   * @param what the exercise, as the message names it
   */
  constructor(what = "this exercise") {
    super(`${what} is not done yet: replace the stub with your code`);
  }
}

function describe(value: unknown): string {
  if (value instanceof tf.Tensor) return `a tensor of shape [${value.shape.join(", ")}]`;
  if (Array.isArray(value)) return `[${value.map(describe).join(", ")}]`;
  return describeValue(value, Infinity);
}

/**
 * Fails the check unless `actual` equals `expected` (deep equality for arrays and records).
 *
 * @example
 * ```ts
 * import { expectEqual } from "@course/lib";
 * expectEqual(1 + 1, 2, "one plus one"); // passes
 * ```
 */
export function expectEqual(actual: unknown, expected: unknown, what: string): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new CheckFailure(`${what} is ${describe(actual)}; expected ${describe(expected)}`);
  }
}

/**
 * Fails the check unless `actual` is within `tolerance` of `expected` (absolute, or relative to
 * `|expected|` when that is larger than 1).
 *
 * @example
 * ```ts
 * import { expectClose } from "@course/lib";
 * expectClose(0.1 + 0.2, 0.3, "the sum"); // passes
 * ```
 */
export function expectClose(
  actual: number,
  expected: number,
  what: string,
  tolerance = 1e-6,
): void {
  if (typeof actual !== "number" || Number.isNaN(actual)) {
    throw new CheckFailure(`${what} should be a number; got ${describe(actual)}`);
  }
  if (!within(actual, expected, tolerance)) {
    throw new CheckFailure(`${what} is ${actual}; expected ${expected} (within ${tolerance})`);
  }
}

/**
 * Fails the check unless a tensor or nested array has the expected shape.
 *
 * @example
 * ```ts
 * import { expectShape } from "@course/lib";
 * expectShape([[1], [2]], [2, 1], "the column"); // passes
 * ```
 */
export function expectShape(actual: unknown, expected: number[], what: string): void {
  const shapeOf = (v: unknown): number[] =>
    v instanceof tf.Tensor ? v.shape : Array.isArray(v) ? [v.length, ...shapeOf(v[0])] : [];
  const shape = shapeOf(actual);
  if (JSON.stringify(shape) !== JSON.stringify(expected)) {
    throw new CheckFailure(
      `expected ${what} to have shape [${expected.join(", ")}], got [${shape.join(", ")}]`,
    );
  }
}

/** The verdict of a check whose test threw `error`. */
function verdict(name: string, error: unknown): CheckResult {
  const failed = (outcome: CheckOutcome, message: string) => ({
    name,
    passed: false,
    outcome,
    message,
  });
  if (error instanceof NotDoneError) return failed("not done", error.message);
  if (error instanceof CheckFailure) return failed("failed", error.message);
  const e = error as Error;
  return failed(
    "failed",
    `your code raised ${e?.name ?? "an error"}: ${e?.message ?? String(error)}`,
  );
}

/**
 * Runs an exercise's check and returns the verdict, without showing it; never throws.
 *
 * @example
 * ```ts
 * import { expectEqual, runCheck } from "@course/lib";
 * const result = await runCheck("sum", () => expectEqual(1 + 1, 3, "1 + 1"));
 * result.message; // "1 + 1 is 2; expected 3"
 * ```
 */
export async function runCheck(
  name: string,
  test: () => void | Promise<void>,
): Promise<CheckResult> {
  try {
    await test();
    return { name, passed: true, outcome: "passed", message: "correct" };
  } catch (error) {
    return verdict(name, error);
  }
}

/**
 * One case of a check's grading: a question put to the attendee's code, on inputs drawn for
 * grading. Only the answer leaves the kernel; the grader compares it with the answer the course's
 * solution gives to the same inputs, outside the attendee's kernel.
 */
export interface GradedCase {
  /** What the answer is, in the feedback's words, e.g. "your NAND's output for (1, 0)". */
  what: string;
  /**
   * Computes the answer: the attendee's function called on the drawn inputs. Its value (numbers,
   * strings, booleans, arrays, records, tensors) is graded as it is, so it must be the same for
   * every right solution.
   */
  answer: () => unknown;
  /** Numbers are compared within this tolerance (as {@linkcode expectClose}); else exactly. */
  tolerance?: number;
}

/**
 * Draws a check's graded cases from `random`. The inputs must come from `random`, constants and
 * pure helpers only, never from what the notebook computed (a trained model, a data set's size):
 * the course's solution answers them at the smoke setting, and the attendee's notebook may have
 * trained differently. Rewriting the inputs in the attendee's kernel gains nothing: the answers must
 * be the solution's answers to the inputs the seed draws.
 */
export type GradedCases = (random: Random) => GradedCase[] | Promise<GradedCase[]>;

/** The seed of this kernel's grading, or `undefined` when it is not being graded. */
function gradingSeed(): number | undefined {
  const seed = Number(Deno.env.get(GRADING_SEED_VARIABLE) ?? Number.NaN);
  return Number.isInteger(seed) ? seed : undefined;
}

/** An error as `Name: message`, on one line. */
function errorText(error: unknown): string {
  const e = error as Error;
  return `${e?.name ?? "Error"}: ${e?.message ?? String(error)}`.replaceAll("\n", " ");
}

/** An answer as JSON: tensors read (asynchronously: they may live on the GPU), NaN as a string. */
async function plain(value: unknown): Promise<unknown> {
  const v = await value;
  if (v instanceof tf.Tensor) return plain(await v.array());
  if (ArrayBuffer.isView(v)) return plain(Array.from(v as unknown as ArrayLike<number>));
  if (Array.isArray(v)) return Promise.all(v.map(plain));
  if (typeof v === "number") return Number.isFinite(v) ? v : String(v);
  if (v === undefined) return "undefined";
  if (v === null || typeof v !== "object") return v;
  const entries = Object.entries(v).map(async ([key, item]) => [key, await plain(item)]);
  return Object.fromEntries(await Promise.all(entries));
}

async function recordCase({ what, answer, tolerance }: GradedCase): Promise<RecordedCase> {
  try {
    return { what, answer: await plain(answer()), tolerance };
  } catch (error) {
    return { what, error: errorText(error), notDone: error instanceof NotDoneError, tolerance };
  }
}

/** Answers the graded cases drawn from `seed` and shows them for the grader to read. */
async function recordAnswers(name: string, graded: GradedCases, seed: number): Promise<void> {
  const answers: RecordedAnswers = { name, cases: [] };
  try {
    for (const c of await graded(seededRandom(caseSeed(seed, name)))) {
      answers.cases.push(await recordCase(c));
    }
  } catch (error) {
    answers.error = errorText(error);
  }
  await show(
    new Rich({
      [ANSWERS_MIME]: answers,
      "text/plain": `${name}: ${answers.cases.length} answers recorded for grading`,
    }),
  );
}

/**
 * Runs an exercise's check and shows the verdict in plain words; never throws.
 *
 * The check's `test` gives the attendee feedback at once, on fixed examples. When the notebook is
 * graded (`deno task grade`), the `graded` cases are drawn from the grading run's seed and only
 * their answers are recorded: the grade comes from comparing them, outside this kernel, with the
 * course's solution's answers to the same inputs, so no code in the notebook can forge it.
 *
 * @example
 * ```ts
 * import { check, expectEqual } from "@course/lib";
 * const and = (a: number, b: number) => a * b;
 * await check("AND neuron", () => {
 *   for (const [a, b] of [[0, 0], [0, 1], [1, 0], [1, 1]]) {
 *     expectEqual(and(a, b), a & b, `your AND neuron's output for (${a}, ${b})`);
 *   }
 * }, (random) => // when graded: 5 pairs drawn at random; only the answers leave the kernel
 *   Array.from({ length: 5 }, () => {
 *     const [a, b] = [random() < 0.5 ? 0 : 1, random() < 0.5 ? 0 : 1];
 *     return { what: `your AND neuron's output for (${a}, ${b})`, answer: () => and(a, b) };
 *   })); // shows "✔ AND neuron: correct"
 * ```
 */
export async function check(
  name: string,
  test: () => void | Promise<void>,
  graded?: GradedCases,
): Promise<void> {
  const result = await runCheck(name, test);
  const text = `${result.passed ? "✔" : "✘"} ${name}: ${result.message}`;
  const colour = result.passed ? "#1a7f37" : "#cf222e";
  await show(
    new Rich({
      [CHECK_MIME]: result,
      "text/html": `<div style="color:${colour};font-family:sans-serif"><b>${
        result.passed ? "✔" : "✘"
      } ${escapeHtml(name)}</b>: ${escapeHtml(result.message)}</div>`,
      "text/plain": text,
    }),
  );
  const seed = gradingSeed();
  if (graded && seed !== undefined) await recordAnswers(name, graded, seed);
}
