/**
 * Used by `deno task grade`.
 *
 * What grading writes for people: the instructor's gradebook (CSV, one row per exercise) and each
 * attendee's feedback (Markdown, each check's message in plain words), both kept up to date as
 * notebooks are graded. Attendee text in them is inert.
 *
 * @module
 */
import { basename, join } from "node:path";
import { inert } from "../../contract/command_line.ts";
import { writeFileAtomic } from "../../contract/files.ts";
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

/**
 * A CSV field: inert, with a leading `'` where a spreadsheet would take it for a formula (`=`,
 * `+`, `-`, `@`, after spaces too, as OWASP's "CSV injection" advises), and quoted when it holds a comma or a quote
 * (RFC 4180). Numbers are written as they are.
 */
function field(value: string | number): string {
  if (typeof value === "number") return String(value);
  const text = inert(value).replace(/^\s*[=+\-@]/, "'$&");
  return /[",]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
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
    `# Feedback for ${inert(attendee)}`,
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
      `## ${inert(g.notebook)}: ${total(g.exercises, "points")} / ${
        total(g.exercises, "max")
      } points`,
    );
    for (const e of g.exercises) {
      lines.push("", `### ${e.exercise}: ${e.points} / ${e.max}, ${inert(e.status)}`, "");
      for (const c of e.checks) {
        const points = `${c.points} pt${c.hidden ? ", hidden" : ""}`;
        lines.push(`- ${c.passed ? "✔" : "✘"} ${inert(c.name)} (${points}): ${inert(c.message)}`);
      }
    }
    if (g.typeErrors?.length) {
      lines.push(
        "",
        "### Type errors (hints, not scored)",
        "",
        "The kernel runs code without checking its types, so these did not stop your notebook.",
        "",
        ...g.typeErrors.map((t) => `- ${inert(t)}`),
      );
    }
  }
  return lines.join("\n") + "\n";
}

/**
 * The file name of an attendee's feedback: `<attendee>.md`, or, for a folder name too long to take
 * the suffix (a file name has at most 255 bytes), its first 200 bytes and a number of its own.
 *
 * @example
 * ```ts
 * import { feedbackName } from "./gradebook.ts";
 * feedbackName("ada"); // "ada.md"
 * ```
 */
export function feedbackName(attendee: string): string {
  const bytes = new TextEncoder().encode(attendee);
  if (bytes.length <= 250) return `${attendee}.md`;
  const hash = [...attendee].reduce(
    (h, c) => Math.imul(h ^ c.codePointAt(0)!, 16777619),
    2166136261,
  );
  const start = new TextDecoder().decode(bytes.slice(0, 200)).replace(/\uFFFD$/, "");
  return `${start}-${(hash >>> 0).toString(16)}.md`;
}

/**
 * The gradebook and feedback of a grading run, written anew (atomically, one write at a time) as
 * each grade is recorded: a run stopped half way leaves them holding every grade it had.
 *
 * @example
 * ```ts
 * import { Gradebook } from "./gradebook.ts";
 * const book = new Gradebook("grades", [{ dir: "submissions/ada", source: "notebooks/01.ipynb" }]);
 * await book.record({ attendee: "ada", notebook: "01.ipynb", exercises: [] });
 * const grades = await book.finish();
 * ```
 */
export class Gradebook {
  private readonly grades = new Map<string, NotebookGrade>();
  private readonly order: string[];
  private writing = Promise.resolve();

  /** `tasks` give the gradebook's order: attendees by name, then the sources' order. */
  constructor(private readonly out: string, tasks: { dir: string; source: string }[]) {
    this.order = tasks.map((t) => `${basename(t.dir)}/${basename(t.source)}`);
  }

  /** Records a grade, then writes the gradebook and that attendee's feedback. */
  record(grade: NotebookGrade): Promise<void> {
    this.grades.set(`${grade.attendee}/${grade.notebook}`, grade);
    return this.write([grade.attendee]);
  }

  /** Writes everything once more, and returns the grades in the gradebook's order. */
  async finish(): Promise<NotebookGrade[]> {
    await this.write([...new Set(this.sorted().map((g) => g.attendee))]);
    return this.sorted();
  }

  private sorted(): NotebookGrade[] {
    return this.order.flatMap((key) => this.grades.get(key) ?? []);
  }

  private write(attendees: string[]): Promise<void> {
    this.writing = this.writing.then(async () => {
      const grades = this.sorted();
      await writeFileAtomic(join(this.out, "gradebook.csv"), gradebookCsv(grades));
      for (const attendee of attendees) {
        await writeFileAtomic(
          join(this.out, "feedback", feedbackName(attendee)),
          feedbackMarkdown(attendee, grades.filter((g) => g.attendee === attendee)),
        );
      }
    });
    return this.writing;
  }
}
