/**
 * Used by `deno task grade`.
 *
 * A grading run, as nbgrader's `autograde` of a whole class: every attendee's copy of every source
 * notebook, each graded by a process of its own (`task.ts`), here or as a Slurm task, which leaves
 * its result the moment it has one. The gradebook and feedback grow with the results, so a crash
 * or a kill loses at most the notebooks in hand, and grading again into the same folder finishes
 * the rest.
 *
 * @module
 */
import { basename, join, relative, resolve } from "node:path";
import { checkCellIds } from "./format.ts";
import {
  answerKey,
  type GradeOptions,
  GRADING_FAILED,
  optionsDigest,
  sourceDigest,
  submittedBytes,
  unprotectedChecks,
} from "./autograde.ts";
import { Gradebook, type NotebookGrade } from "./gradebook.ts";
import { type GradeResult, type GradeTask, readResult, resultPath } from "./job.ts";
import { gradeLocally, inParallel } from "./local.ts";
import type { AnswerKey } from "./scoring.ts";
import { readNotebook } from "../jupyter/notebook.ts";
import { checkSandbox } from "../jupyter/sandbox.ts";

/** What {@linkcode gradeAll} grades and where it writes. */
export interface GradeRun extends Omit<GradeOptions, "seed"> {
  /** Source notebooks: solutions, checks and hidden checks. */
  sources: string[];
  /** A folder holding one folder per attendee, each with their notebooks by the sources' names. */
  submissions: string;
  /** Where `gradebook.csv`, `feedback/`, `executed/` and `results/` go. */
  out: string;
  /**
   * The seed of the graded inputs; without one, the seed of the results already in `out` (a run
   * that was stopped goes on), else one drawn afresh.
   */
  seed?: number;
  /** How many notebooks to grade at once. */
  jobs: number;
  /** Called as each notebook is graded, e.g. to print progress. */
  onGraded?: (grade: NotebookGrade, seconds: number, of: number) => void;
  /** Called with what the instructor should know before grading: the seed, unprotected checks. */
  onNote?: (line: string) => void;
  /**
   * Grades the tasks elsewhere, e.g. as Slurm jobs, calling `onGraded` with each grade as it is
   * known; without it, each is graded by a process of its own here, `jobs` at a time.
   */
  gradeTasks?: (
    tasks: GradeTask[],
    options: GradeOptions,
    keys: Record<string, AnswerKey>,
    onGraded: (grade: NotebookGrade, seconds: number, of: number) => Promise<void>,
  ) => Promise<void>;
}

/** Each source's answer key, `jobs` at a time, with a note for the instructor on each. */
async function answerKeys(
  sources: string[],
  options: GradeOptions,
  run: GradeRun,
): Promise<Record<string, AnswerKey>> {
  const keys = await inParallel(sources, run.jobs, async (source) => {
    const started = performance.now();
    const key = await answerKey(source, options);
    const unprotected = unprotectedChecks(await readNotebook(source), key);
    run.onNote?.(
      `${basename(source)}: the course's answers in ${
        ((performance.now() - started) / 1000).toFixed(1)
      } s` + (unprotected.length
        ? `; check cells without graded cases, whose verdicts the attendee's code can forge: ${
          unprotected.join(", ")
        }`
        : ""),
    );
    return [source, key] as const;
  });
  return Object.fromEntries(keys);
}

/**
 * Attendees' folders in name order: every folder in `submissions`, never a link, nor a hidden
 * folder (`.ipynb_checkpoints`, `.git`).
 */
async function attendees(submissions: string): Promise<string[]> {
  const info = await Deno.stat(submissions).catch(() => undefined);
  if (!info?.isDirectory) {
    throw new Error(
      `Cannot grade as the submissions folder '${submissions}' does not exist: it must hold one ` +
        `folder per attendee, each with their notebooks`,
    );
  }
  const names: string[] = [];
  for await (const entry of Deno.readDir(submissions)) {
    if (entry.isDirectory && !entry.name.startsWith(".")) names.push(entry.name);
  }
  return names.sort();
}

/**
 * The seed of the results already in `out`, the newest's: a grading that was stopped goes on with
 * the inputs it drew.
 */
async function resumedSeed(tasks: GradeTask[]): Promise<number | undefined> {
  let newest: { seed: number; time: number } | undefined;
  for (const task of tasks) {
    const time = (await Deno.stat(task.result).catch(() => undefined))?.mtime?.getTime();
    if (time === undefined || (newest && newest.time >= time)) continue;
    const result = await readResult(task.result);
    if (result) newest = { seed: result.seed, time };
  }
  return newest?.seed;
}

/** The tasks' results already in `out` that hold for this run: same seed, source and submission. */
async function keptResults(
  tasks: GradeTask[],
  options: GradeOptions,
): Promise<(GradeResult | undefined)[]> {
  const sources = new Map<string, string>();
  const digest = await optionsDigest(options);
  const kept: (GradeResult | undefined)[] = [];
  // One at a time: each reads a submission of up to 64 MiB.
  for (const task of tasks) {
    const result = await readResult(task.result);
    const failed = result?.grade.exercises.some((e) => e.status.startsWith(GRADING_FAILED));
    if (result?.seed !== options.seed || result.options !== digest || failed) {
      kept.push(undefined);
      continue;
    }
    if (!sources.has(task.source)) sources.set(task.source, await sourceDigest(task.source));
    const submitted = await submittedBytes(task.dir, basename(task.source));
    const same = result.source === sources.get(task.source) &&
      result.submission === submitted.digest;
    kept.push(same ? result : undefined);
  }
  return kept;
}

/**
 * Grades every attendee's copy of every source notebook and writes the gradebook and each
 * attendee's feedback, as each notebook is graded. The same submissions give the same files,
 * whatever `jobs` is. A notebook whose result in `out` holds (same seed, source and submission) is
 * not graded again: grading into the folder of a run that was stopped finishes it. Everything
 * under `out` is the instructor's only (folders 0700, files 0600).
 *
 * @example
 * ```ts
 * import { defaultGradeOptions } from "./autograde.ts";
 * import { gradeAll } from "./grading.ts";
 * await gradeAll({
 *   ...defaultGradeOptions(),
 *   sources: ["notebooks/01_mcculloch_pitts.ipynb"],
 *   submissions: "submissions",
 *   out: "grades",
 *   jobs: 2,
 * });
 * ```
 */
export async function gradeAll(run: GradeRun): Promise<NotebookGrade[]> {
  const out = resolve(run.out);
  if (!relative(resolve(run.submissions), out).startsWith("..")) {
    // The next grading would take its folders for attendees.
    throw new Error(
      `Cannot grade into ${run.out} as it lies inside the submissions folder ` +
        `${run.submissions}: choose another --out`,
    );
  }
  // An instructor's mistake stops grading before it starts, not one attendee at a time.
  for (const source of run.sources) checkCellIds(await readNotebook(source), source);
  await checkSandbox(run.limits);
  const tasks: GradeTask[] = (await attendees(run.submissions)).flatMap((attendee) =>
    run.sources.map((source) => ({
      source,
      dir: join(run.submissions, attendee),
      result: resultPath(out, attendee, basename(source)),
    }))
  );
  const resumed = run.seed === undefined ? await resumedSeed(tasks) : undefined;
  const seed = run.seed ?? resumed ?? crypto.getRandomValues(new Uint32Array(1))[0];
  run.onNote?.(`inputs drawn from seed ${seed} ('--seed ${seed}' draws them again)`);
  const options: GradeOptions = { ...run, seed, executed: join(out, "executed") };
  const kept = await keptResults(tasks, options);
  const todo = tasks.filter((_, i) => !kept[i]);
  const sources = [...new Set(todo.map((t) => t.source))];
  // Before anything is written: a solution that fails its own cases stops grading here.
  const keys = await answerKeys(sources, options, run);
  await Deno.mkdir(out, { recursive: true, mode: 0o700 });
  await Deno.chmod(out, 0o700);
  const book = new Gradebook(out, tasks);
  for (const result of kept) if (result) await book.record(result.grade);
  if (todo.length < tasks.length) {
    run.onNote?.(
      `${tasks.length - todo.length} of ${tasks.length} notebooks were graded before with this ` +
        `seed, from the same submissions (${join(run.out, "results")}): kept, not graded again`,
    );
  }
  if (todo.length) {
    for (const task of todo) await Deno.remove(task.result).catch(() => {}); // stale
    const onGraded = async (grade: NotebookGrade, seconds: number, of: number) => {
      await book.record(grade);
      run.onGraded?.(grade, seconds, of);
    };
    const grade = run.gradeTasks ??
      ((t, o, k, g) => gradeLocally(t, o, k, out, run.jobs, g));
    await grade(todo, options, keys, onGraded);
  }
  return await book.finish();
}
