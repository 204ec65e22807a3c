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
