/**
 * Used by lessons 02–12.
 *
 * Results a lesson states and a test can read: shown as one line in the notebook, and published as
 * `application/vnd.course.result+json` so that the course's tests assert what the attendee sees.
 *
 * @module
 */
import { escapeHtml, Rich, show } from "../display/show.ts";
import { type ReportedResult, RESULT_MIME } from "../../contract/exercises.ts";

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
      [RESULT_MIME]: { name, value } satisfies ReportedResult,
      "text/html": `<div style="font-family:sans-serif"><b>${escapeHtml(name)}</b>: ${
        escapeHtml(text)
      }</div>`,
      "text/plain": `${name}: ${text}`,
    }),
  );
}
