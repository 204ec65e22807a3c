/**
 * Used by `deno task grade`.
 *
 * What grading writes for people: the instructor's gradebook (CSV, one row per exercise) and each
 * attendee's feedback (Markdown, each check's message in plain words).
 *
 * @module
 */
import type { ExerciseGrade } from "./scoring.ts";

/** The grade of one attendee's notebook. */
export interface NotebookGrade {
  attendee: string;
  notebook: string;
  exercises: ExerciseGrade[];
  /** Type errors in the attendee's cells (`cell N, line L: message`): hints, not scored. */
  typeErrors?: string[];
}

const HEADER = ["attendee", "notebook", "exercise", "points", "max", "status"];

/** A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180). */
function field(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * The gradebook as CSV: `attendee, notebook, exercise, points, max, status`, in the order given.
 *
 * @example
 * ```ts
 * import { gradebookCsv } from "./gradebook.ts";
 * gradebookCsv([{ attendee: "ada", notebook: "01.ipynb", exercises: [
 *   { exercise: "and", points: 2, max: 2, status: "passed", checks: [] },
 * ] }]);
 * // "attendee,notebook,exercise,points,max,status\nada,01.ipynb,and,2,2,passed\n"
 * ```
 */
export function gradebookCsv(grades: NotebookGrade[]): string {
  const rows = grades.flatMap((g) =>
    g.exercises.map((e) => [g.attendee, g.notebook, e.exercise, e.points, e.max, e.status])
  );
  return [HEADER, ...rows].map((row) => row.map(field).join(",")).join("\n") + "\n";
}

const total = (exercises: ExerciseGrade[], key: "points" | "max") =>
  exercises.reduce((sum, e) => sum + e[key], 0);

/**
 * One attendee's feedback in Markdown: the total, then for each notebook and exercise the points,
 * the status and every check's message.
 *
 * @example
 * ```ts
 * import { feedbackMarkdown } from "./gradebook.ts";
 * feedbackMarkdown("ada", []); // "# Feedback for ada\n\nTotal: 0 / 0 points.\n…"
 * ```
 */
export function feedbackMarkdown(attendee: string, grades: NotebookGrade[]): string {
  const all = grades.flatMap((g) => g.exercises);
  const lines = [
    `# Feedback for ${attendee}`,
    "",
    `Total: ${total(all, "points")} / ${total(all, "max")} points.`,
    "",
    "Your solution cells were graded in a fresh kernel, with the course's own check cells and " +
    "some further hidden checks. Each check put its questions to your code again, on inputs " +
    "drawn at random for this grading, and your answers were compared with the course's.",
  ];
  for (const g of grades) {
    lines.push(
      "",
      `## ${g.notebook}: ${total(g.exercises, "points")} / ${total(g.exercises, "max")} points`,
    );
    for (const e of g.exercises) {
      lines.push("", `### ${e.exercise}: ${e.points} / ${e.max}, ${e.status}`, "");
      for (const c of e.checks) {
        const points = `${c.points} pt${c.hidden ? ", hidden" : ""}`;
        lines.push(`- ${c.passed ? "✔" : "✘"} ${c.name} (${points}): ${c.message}`);
      }
    }
    if (g.typeErrors?.length) {
      lines.push(
        "",
        "### Type errors (hints, not scored)",
        "",
        "The kernel runs code without checking its types, so these did not stop your notebook.",
        "",
        ...g.typeErrors.map((t) => `- ${t}`),
      );
    }
  }
  return lines.join("\n") + "\n";
}
