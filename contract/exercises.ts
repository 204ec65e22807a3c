/**
 * Used by every lesson, and by `deno task grade`.
 *
 * What a lesson publishes and the tools read: the mime types of check verdicts and reported
 * results, the structured verdict of a check, and the markers of a solution region and its stub.
 *
 * @module
 */

/** Mime type of a check's structured result in a cell's outputs. */
export const CHECK_MIME = "application/vnd.course.check+json";

/** Mime type of a reported result in a cell's outputs. */
export const RESULT_MIME = "application/vnd.course.result+json";

/** How a check ended: its tests passed, one failed, or the attendee's stub is still there. */
export type CheckOutcome = "passed" | "failed" | "not done";

/** The verdict of one check, as the lesson shows it and the grader reads it. */
export interface CheckResult {
  /** The check's name, as the attendee sees it. */
  name: string;
  /** Whether every test of the check passed (`outcome === "passed"`). */
  passed: boolean;
  /** How the check ended; the grader decides from this, never from the message. */
  outcome: CheckOutcome;
  /** What the attendee reads: "correct", or what was wrong. */
  message: string;
}

/** A named result a lesson states, as {@linkcode RESULT_MIME} carries it. */
export interface ReportedResult {
  /** What the result is, e.g. "XOR accuracy". */
  name: string;
  /** Its value, as JSON. */
  value: unknown;
}

/** The name of the error an exercise's stub throws until the attendee writes the solution. */
export const NOT_DONE_ERROR = "NotDoneError";

/** The line that opens a solution region; its indentation is the stub's. */
export const SOLUTION_BEGIN = /^(\s*)\/\/\s*BEGIN SOLUTION\s*$/;

/** The line that closes a solution region. */
export const SOLUTION_END = /^\s*\/\/\s*END SOLUTION\s*$/;

/** A stub line inside a solution region: `//> code` becomes `code` in the attendee's version. */
export const STUB_LINE = /^(\s*)\/\/> ?(.*)$/;

/**
 * The stub of a solution region that has no `//>` lines: a throw of {@linkcode NOT_DONE_ERROR}.
 *
 * @example
 * ```ts
 * import { defaultStub } from "./exercises.ts";
 * defaultStub("  "); // "  throw new NotDoneError();"
 * ```
 */
export function defaultStub(indent: string): string {
  return `${indent}throw new ${NOT_DONE_ERROR}();`;
}

/** Mime type of the answers a check recorded for grading, in a cell's outputs. */
export const ANSWERS_MIME = "application/vnd.course.answers+json";

/**
 * The variable that tells a kernel it is being graded, and with which seed its checks draw their
 * graded inputs. Set by `deno task grade` for the attendee's kernel and the solution's, never by
 * the course otherwise.
 */
export const GRADING_SEED_VARIABLE = "COURSE_GRADING_SEED";

/** One graded case as a kernel recorded it: what was asked, and the answer or how it failed. */
export interface RecordedCase {
  /** What the answer is, in the feedback's words, e.g. "your NAND's output for (1, 0)". */
  what: string;
  /** The answer as JSON (tensors as nested arrays; NaN, ±Infinity and undefined as strings). */
  answer?: unknown;
  /** How computing the answer failed, as `Name: message`. */
  error?: string;
  /** Whether it failed on an exercise's stub. */
  notDone?: boolean;
  /** Numbers are compared within this tolerance (as `expectClose`); else exactly. */
  tolerance?: number;
}

/** The answers one `check` recorded for grading. */
export interface RecordedAnswers {
  /** The check's name. */
  name: string;
  cases: RecordedCase[];
  /** Why the cases could not even be listed, as `Name: message`. */
  error?: string;
}

/**
 * The seed of one check's graded inputs: the grading run's seed mixed with the check's name
 * (FNV-1a), so that each check draws its own inputs and the same ones in every kernel.
 *
 * @example
 * ```ts
 * import { caseSeed } from "./exercises.ts";
 * caseSeed(7, "Exercise 1.1") === caseSeed(7, "Exercise 1.1"); // true
 * ```
 */
export function caseSeed(seed: number, name: string): number {
  let hash = 0x811c9dc5;
  for (const char of `${seed}:${name}`) {
    hash = Math.imul(hash ^ char.codePointAt(0)!, 0x01000193) >>> 0;
  }
  return hash;
}

/**
 * A JSON value in the feedback's words, cut to `limit` characters.
 *
 * @example
 * ```ts
 * import { describeValue } from "./exercises.ts";
 * describeValue([1, "NaN"]); // "[1, NaN]"
 * ```
 */
export function describeValue(value: unknown, limit = 160): string {
  const text = (v: unknown): string =>
    Array.isArray(v)
      ? `[${v.map(text).join(", ")}]`
      : typeof v === "string" && !["NaN", "Infinity", "-Infinity", "undefined"].includes(v)
      ? JSON.stringify(v)
      : v !== null && typeof v === "object"
      ? JSON.stringify(v)
      : String(v);
  const full = text(value);
  return full.length > limit ? `${full.slice(0, limit - 1)}…` : full;
}

/**
 * Whether `actual` is within `tolerance` of `expected`: absolute, or relative to `|expected|` when
 * that is larger than 1 (as `expectClose` and the grader compare numbers).
 *
 * @example
 * ```ts
 * import { within } from "./exercises.ts";
 * within(1000.5, 1000, 1e-3); // true: 0.5 ≤ 1e-3 × 1000
 * ```
 */
export function within(actual: number, expected: number, tolerance: number): boolean {
  return Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected));
}

/** Whether `actual` equals `expected`: numbers within `tolerance` where one is given. */
function same(actual: unknown, expected: unknown, tolerance?: number): boolean {
  if (typeof expected === "number" && tolerance !== undefined) {
    return typeof actual === "number" && within(actual, expected, tolerance);
  }
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length &&
      expected.every((e, i) => same(actual[i], e, tolerance));
  }
  if (expected !== null && typeof expected === "object") {
    if (actual === null || typeof actual !== "object" || Array.isArray(actual)) return false;
    const keys = Object.keys(expected);
    return keys.length === Object.keys(actual).length &&
      keys.every((k) => same((actual as never)[k], (expected as never)[k], tolerance));
  }
  return actual === expected;
}

/**
 * How an attendee's recorded case compares with the course's solution's: `undefined` when it
 * agrees, else the outcome and the message in plain words. Only the solution's side is trusted:
 * its `what` and `tolerance` are used, never the attendee's.
 *
 * @example
 * ```ts
 * import { compareCase } from "./exercises.ts";
 * compareCase({ what: "x", answer: 2 }, { what: "double(1)", answer: 2 }); // undefined
 * compareCase({ what: "x", answer: 3 }, { what: "double(1)", answer: 2 });
 * // { outcome: "failed", message: "double(1) is 3; expected 2" }
 * ```
 */
export function compareCase(
  theirs: RecordedCase | undefined,
  expected: RecordedCase,
): { outcome: CheckOutcome; message: string } | undefined {
  const { what, tolerance } = expected;
  if (theirs?.notDone) return { outcome: "not done", message: "not done yet" };
  if (!theirs || !("answer" in theirs || "error" in theirs)) {
    return { outcome: "failed", message: `${what}: no answer` };
  }
  if (theirs.error !== undefined) {
    return { outcome: "failed", message: `${what}: your code raised ${theirs.error}` };
  }
  if (same(theirs.answer, expected.answer, tolerance)) return undefined;
  const within = tolerance === undefined ? "" : ` (within ${tolerance})`;
  return {
    outcome: "failed",
    message: `${what} is ${describeValue(theirs.answer)}; expected ${
      describeValue(expected.answer)
    }${within}`,
  };
}
