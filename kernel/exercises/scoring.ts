/**
 * Used by `deno task grade`.
 *
 * Grading one notebook, as nbgrader's autograder does: the attendee's notebook with the cells
 * they may not edit (checks, hidden checks) restored from the source, and each exercise scored
 * from the results its checks published when that notebook ran.
 *
 * @module
 */
import {
  ANSWERS_MIME,
  CHECK_MIME,
  type CheckOutcome,
  type CheckResult,
  compareCase,
  NOT_DONE_ERROR,
  type RecordedAnswers,
} from "../../contract/exercises.ts";
import { type ExerciseMeta, exerciseOf, libraryCalls, studentSource } from "./format.ts";
import { type Cell, type Notebook, sourceOf } from "../jupyter/notebook.ts";
import type { CellReport } from "../jupyter/runner.ts";

/** A check cell of the source, where it ended up in the rebuilt notebook. */
export interface PlacedCheck {
  /** Index in the rebuilt notebook's cells. */
  index: number;
  meta: ExerciseMeta;
}

/** Something the grader changed in a submission, or noticed there, said to the attendee. */
export interface Note {
  exercise: string;
  text: string;
}

/** A submission made gradable. */
export interface Rebuilt {
  notebook: Notebook;
  checks: PlacedCheck[];
  notes: Note[];
}

/** A cell's exercise metadata; an attendee's malformed metadata makes it an ordinary cell. */
function metaOf(cell: Cell): ExerciseMeta | undefined {
  try {
    return exerciseOf(cell);
  } catch {
    return undefined;
  }
}

/**
 * Whether a cell's exercise metadata makes it a check cell, visible or hidden.
 *
 * @example
 * ```ts
 * import { isCheck } from "./scoring.ts";
 * isCheck({ id: "and", type: "hidden" }); // true
 * ```
 */
export const isCheck = (meta?: ExerciseMeta): boolean =>
  meta?.type === "check" || meta?.type === "hidden";

/**
 * The notebook to grade: the attendee's cells as they left them, but every check and hidden check
 * cell taken from the source, at its place after the source cell before it. A check cell the
 * attendee edited or deleted is restored and noted; cells claiming to be checks that the source
 * does not have are dropped. A solution that calls the library's answer to its exercise (the
 * source's `replacedBy`) is noted too.
 *
 * @example
 * ```ts
 * import { rebuild } from "./scoring.ts";
 * const empty = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] };
 * rebuild(empty, empty).notebook.cells; // []
 * ```
 */
export function rebuild(source: Notebook, submission: Notebook): Rebuilt {
  const submitted = new Map(
    submission.cells.filter((c) => isCheck(metaOf(c)) && c.id).map((c) => [c.id!, c]),
  );
  const cells = submission.cells.filter((c) => !isCheck(metaOf(c)));
  const placed: { cell: Cell; meta: ExerciseMeta }[] = [];
  const notes: Note[] = [];
  let anchor = -1;
  for (const cell of source.cells) {
    const meta = exerciseOf(cell);
    if (!isCheck(meta)) {
      const at = cells.findIndex((c) => c.id !== undefined && c.id === cell.id);
      if (at >= 0) anchor = at;
      const calls = at >= 0 && meta?.replacedBy ? ownLibraryCalls(cell, cells[at]) : [];
      if (calls.length) {
        notes.push({
          exercise: meta!.id,
          text: `your solution calls the library's ${calls.map((c) => `\`${c}\``).join(", ")}, ` +
            "which computes what this exercise asks you to write: write it yourself",
        });
      }
      continue;
    }
    const theirs = submitted.get(cell.id ?? "");
    if (meta!.type === "check" && (!theirs || sourceOf(theirs) !== sourceOf(cell))) {
      notes.push({
        exercise: meta!.id,
        text: `a check cell was ${theirs ? "edited" : "deleted"}: the course's version was graded`,
      });
    }
    const restored = { ...structuredClone(cell), outputs: [], execution_count: null };
    cells.splice(++anchor, 0, restored);
    placed.push({ cell: restored, meta: meta! });
  }
  return {
    notebook: { ...submission, cells },
    checks: placed.map(({ cell, meta }) => ({ index: cells.indexOf(cell), meta })),
    notes,
  };
}

/** The library answers an attendee's solution cell calls that the course's own code there does not. */
function ownLibraryCalls(source: Cell, theirs: Cell): string[] {
  const names = exerciseOf(source)!.replacedBy!;
  const course = libraryCalls(studentSource(source), names);
  return libraryCalls(sourceOf(theirs), names).filter((name) => !course.includes(name));
}

/** One check's verdict, as the feedback shows it. */
export interface CheckLine extends CheckResult {
  hidden: boolean;
  points: number;
  /** Whether the check gave a verdict (it may also have not run, or crashed). */
  ran: boolean;
}

/** The grade of one exercise. */
export interface ExerciseGrade {
  exercise: string;
  points: number;
  max: number;
  /** `passed`, `not done yet`, `failed: …`, `error: …`, `timed out: …`, … */
  status: string;
  checks: CheckLine[];
}

/** What running the rebuilt notebook gave: the runner's reports and the executed cells. */
export interface Execution {
  cells: CellReport[];
  notebook: Notebook;
}

/**
 * The course's solution's answers to one grading run's inputs: for each check cell (by id), what
 * its checks recorded. A check cell without an entry has no graded cases.
 */
export type AnswerKey = Record<string, RecordedAnswers[]>;

/** What a cell's outputs carry under `mime`, in order. */
function outputsOf<T>(cell: Cell, mime: string): T[] {
  return (cell.outputs ?? []).flatMap((o) =>
    "data" in o && o.data[mime] ? [o.data[mime] as T] : []
  );
}

const resultsIn = (cell: Cell) => outputsOf<CheckResult>(cell, CHECK_MIME);

/**
 * The answers a cell's checks recorded for grading, in order.
 *
 * @example
 * ```ts
 * import { answersIn } from "./scoring.ts";
 * answersIn({ cell_type: "code", source: "", metadata: {}, outputs: [] }); // []
 * ```
 */
export const answersIn = (cell: Cell): RecordedAnswers[] => outputsOf(cell, ANSWERS_MIME);

/** Whether a cell stopped on an exercise's stub: the attendee has not written it yet. */
const notDone = (report: CellReport | undefined) => report?.errorName === NOT_DONE_ERROR;

/** Why a cell did not give a verdict, in words; `undefined` when it ran. */
function trouble(
  report: CellReport | undefined,
  stopped: CellReport | undefined,
): string | undefined {
  if (!report) {
    return stopped
      ? `not run, as cell ${stopped.cell} stopped the notebook: ${stopped.error}`
      : "not run";
  }
  if (report.status === "ok") return undefined;
  if (report.status !== "error") return report.error;
  return notDone(report) ? "not done yet" : `error: ${report.error}`;
}

/**
 * The first way the attendee's recorded answers differ from the solution's: a stub anywhere comes
 * first ("not done yet"); `undefined` when every answer agrees.
 */
function firstDifference(
  theirs: RecordedAnswers[],
  expected: RecordedAnswers[],
): { outcome: CheckOutcome; message: string } | undefined {
  const differences = expected.flatMap((e, i) => {
    const mine = theirs[i];
    if (!mine) return [{ outcome: "failed" as const, message: "the check gave no answers" }];
    if (mine.error !== undefined) {
      return [{ outcome: "failed" as const, message: `the check could not run: ${mine.error}` }];
    }
    return e.cases.flatMap((c, j) => compareCase(mine.cases[j], c) ?? []);
  });
  return differences.find((d) => d.outcome === "not done") ?? differences[0];
}

function checkLine(
  placed: PlacedCheck,
  execution: Execution,
  stopped: CellReport | undefined,
  expected: RecordedAnswers[] | undefined,
): CheckLine {
  const name = placed.meta.type === "hidden" ? "hidden check" : "check";
  const base = {
    hidden: placed.meta.type === "hidden",
    points: placed.meta.points ?? 1,
    ran: false,
  };
  const report = execution.cells.find((r) => r.cell === placed.index + 1);
  const problem = trouble(report, stopped);
  if (problem) {
    const outcome = notDone(report) ? "not done" : "failed";
    return { ...base, name, passed: false, outcome, message: problem };
  }
  const cell = execution.notebook.cells[placed.index];
  const results = resultsIn(cell);
  if (expected?.length) {
    const failure = gradedFailure(answersIn(cell), expected, results);
    return { ...base, ...ran(expected.map((e) => e.name), failure) };
  }
  if (results.length === 0) {
    return {
      ...base,
      name,
      passed: false,
      outcome: "failed",
      message: "the check showed no result",
    };
  }
  return { ...base, ...ran(results.map((r) => r.name), results.find((r) => !r.passed)) };
}

/** What a check cell whose checks ran says: its checks' names and its first failure, if any. */
const ran = (names: string[], failure?: { outcome: CheckOutcome; message: string }) => ({
  ran: true,
  name: names.join(", "),
  passed: !failure,
  outcome: failure?.outcome ?? "passed",
  message: failure?.message ?? "correct",
});

/**
 * How a check cell's recorded answers fail against the course's; it says so when the check passed
 * on the notebook's own examples, so the attendee looks at the input, not at the examples.
 */
function gradedFailure(
  theirs: RecordedAnswers[],
  expected: RecordedAnswers[],
  results: CheckResult[],
) {
  const difference = firstDifference(theirs, expected);
  if (difference?.outcome !== "failed" || !results.length || results.some((r) => !r.passed)) {
    return difference;
  }
  const message =
    `${difference.message}, on an input drawn for grading (the notebook's own examples passed)`;
  return { ...difference, message };
}

/**
 * Scores each exercise of a rebuilt, executed notebook: a check cell earns its points (default 1)
 * when every answer its checks recorded agrees with the course's solution's in `key` — or, for a
 * check cell without graded cases, when every check it ran passed in the attendee's kernel. The
 * status says why points were lost: the attendee's own cell failing ("not done yet" for a stub)
 * comes first, then the first failing check.
 *
 * @example
 * ```ts
 * import { rebuild, scoreExercises } from "./scoring.ts";
 * const empty = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] };
 * const rebuilt = rebuild(empty, empty);
 * scoreExercises(rebuilt, { cells: [], notebook: rebuilt.notebook }, {}); // []
 * ```
 */
export function scoreExercises(
  rebuilt: Rebuilt,
  execution: Execution,
  key: AnswerKey,
): ExerciseGrade[] {
  const stopped = execution.cells.find((r) => r.status === "timeout" || r.status === "died");
  const exercises = [...new Set(rebuilt.checks.map((c) => c.meta.id))];
  return exercises.map((exercise) => {
    const checks = rebuilt.checks.filter((c) => c.meta.id === exercise).map((c) =>
      checkLine(c, execution, stopped, key[rebuilt.notebook.cells[c.index].id ?? ""])
    );
    const notes = rebuilt.notes.filter((n) => n.exercise === exercise).map((n) => n.text);
    return {
      exercise,
      points: checks.reduce((sum, c) => sum + (c.passed ? c.points : 0), 0),
      max: checks.reduce((sum, c) => sum + c.points, 0),
      status: [statusOf(checks, ownTrouble(rebuilt, execution, exercise)), ...notes].join("; "),
      checks,
    };
  });
}

/** How the attendee's own cells of an exercise failed, if one did. */
function ownTrouble(rebuilt: Rebuilt, execution: Execution, exercise: string): string | undefined {
  const failed = execution.cells.find((r) => {
    const meta = metaOf(rebuilt.notebook.cells[r.cell - 1]);
    return r.status !== "ok" && meta?.type === "solution" && meta.id === exercise;
  });
  return failed && trouble(failed, undefined);
}

function statusOf(checks: CheckLine[], own: string | undefined): string {
  const failed = checks.find((c) => !c.passed);
  if (!failed) return "passed";
  if (own) return own;
  if (failed.outcome === "not done") return "not done yet";
  return failed.ran ? `failed: ${failed.message}` : failed.message;
}

/**
 * Every exercise of a source notebook at 0 points with one status, for a submission that could not
 * be run: missing, not a notebook, or a sandbox that failed to start.
 *
 * @example
 * ```ts
 * import { ungraded } from "./scoring.ts";
 * const empty = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] };
 * ungraded(empty, "not submitted"); // []
 * ```
 */
export function ungraded(source: Notebook, status: string): ExerciseGrade[] {
  const checks = source.cells.map(exerciseOf).filter(isCheck) as ExerciseMeta[];
  return [...new Set(checks.map((c) => c.id))].map((exercise) => ({
    exercise,
    points: 0,
    max: checks.filter((c) => c.id === exercise).reduce((sum, c) => sum + (c.points ?? 1), 0),
    status,
    checks: [],
  }));
}
