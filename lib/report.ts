/**
 * Results a lesson states and a test can read: shown as one line in the notebook, and published as
 * `application/vnd.course.result+json` so that the course's tests assert what the attendee sees.
 *
 * @module
 */
import { escapeHtml, Rich, show } from "./display.ts";

/** Mime type of a reported result in a cell's outputs. */
export const RESULT_MIME = "application/vnd.course.result+json";

/**
 * Shows a named result, e.g. `report("XOR accuracy", 1, "100% of the 4 inputs")`.
 *
 * @example
 * ```ts
 * import { report } from "@course/lib";
 * await report("perceptron on AND converged", true, "after 4 epochs");
 * ```
 */
export async function report(name: string, value: unknown, text = String(value)): Promise<void> {
  await show(
    new Rich({
      [RESULT_MIME]: { name, value },
      "text/html": `<div style="font-family:sans-serif"><b>${escapeHtml(name)}</b>: ${
        escapeHtml(text)
      }</div>`,
      "text/plain": `${name}: ${text}`,
    }),
  );
}
