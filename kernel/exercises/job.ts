/**
 * Used by `deno task grade`, locally and on Slurm.
 *
 * A grading job as files: what each grading process reads (the job file: its notebooks, how to
 * grade them, the course's answers) and what it leaves (one result file per notebook, written the
 * moment the notebook is graded). The results are the run's memory: a grading stopped half way
 * keeps them, and the next run into the same folder takes each one whose seed, source notebook and
 * submission are unchanged instead of grading that notebook again.
 *
 * @module
 */
import { join } from "node:path";
import { writeFileAtomic } from "../../contract/files.ts";
import type { GradeOptions } from "./autograde.ts";
import type { NotebookGrade } from "./gradebook.ts";
import type { AnswerKey } from "./scoring.ts";

/** One notebook to grade: the course's source, the attendee's folder, where its result goes. */
export interface GradeTask {
  source: string;
  dir: string;
  result: string;
}

/**
 * What a grading process reads: its notebook (by index), how to grade it, and the course's
 * answers by source notebook. It lies in the instructor's output folder, which no attendee's
 * sandbox shows, and is readable by the instructor only.
 */
export interface JobFile {
  tasks: GradeTask[];
  options: GradeOptions;
  keys: Record<string, AnswerKey>;
}

/** A notebook's grade as a grading process leaves it, with what it was graded from. */
export interface GradeResult {
  /** The seed the graded inputs were drawn from. */
  seed: number;
  /** SHA-256 of the limits and the kernels' environment it was graded under. */
  options: string;
  /** SHA-256 of the source notebook and of the submission (or of why there was none). */
  source: string;
  submission: string;
  grade: NotebookGrade;
}

/**
 * Where the result of `attendee`'s `notebook` goes under a grading's output folder.
 *
 * @example
 * ```ts
 * import { resultPath } from "./job.ts";
 * resultPath("grades", "ada", "01.ipynb"); // "grades/results/ada/01.ipynb.json"
 * ```
 */
export function resultPath(out: string, attendee: string, notebook: string): string {
  return join(out, "results", attendee, `${notebook}.json`);
}

/**
 * Reads a result a grading process left, if it has left one.
 *
 * @example
 * ```ts
 * import { readResult } from "./job.ts";
 * await readResult("grades/results/ada/01.ipynb.json"); // undefined before it is graded
 * ```
 */
export async function readResult(path: string): Promise<GradeResult | undefined> {
  const text = await Deno.readTextFile(path).catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as GradeResult;
  } catch {
    return undefined; // not ours: graded again
  }
}

/**
 * Writes a job file, for the instructor's eyes only.
 *
 * @example
 * ```ts
 * import { writeJob } from "./job.ts";
 * await writeJob("grades/tasks/job.json", { tasks: [], options: {} as never, keys: {} });
 * ```
 */
export async function writeJob(path: string, job: JobFile): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(job));
  await Deno.chmod(path, 0o600);
}
