/**
 * Used by `deno task grade` (without `--slurm`).
 *
 * Grading on this machine, one process per notebook (`task.ts`), a few at a time: whatever one
 * attendee's kernel does to its grading process (a flood of outputs, a crash), the others are
 * graded, and each process has a deadline. The processes die with the grader (a kill of the grader
 * leaves nothing running), and each leaves its result the moment it has one.
 *
 * @module
 */
import { basename, join } from "node:path";
import { onPath, PROJECT_ROOT } from "../../contract/files.ts";
import { pinnedDeno } from "../jupyter/kernelspec.ts";
import { readNotebook } from "../jupyter/notebook.ts";
import { tail } from "../jupyter/sandbox.ts";
import { type GradeOptions, GRADING_FAILED } from "./autograde.ts";
import type { NotebookGrade } from "./gradebook.ts";
import { type GradeTask, readResult, writeJob } from "./job.ts";
import { type AnswerKey, ungraded } from "./scoring.ts";

/**
 * Runs `work` on every item, at most `jobs` at once; results in the items' order.
 *
 * @example
 * ```ts
 * import { inParallel } from "./local.ts";
 * await inParallel([1, 2, 3], 2, (n) => Promise.resolve(n * n)); // [1, 4, 9]
 * ```
 */
export async function inParallel<T, R>(
  items: T[],
  jobs: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, worker));
  return results;
}

/**
 * Seconds a grading process may take beyond the notebook's own limit: two kernels and servers to
 * start and stop, and the type check.
 */
export const GRADING_MARGIN_S = 600;

/** The last line a process wrote on stderr. */
async function lastLine(stream: ReadableStream<Uint8Array<ArrayBuffer>>): Promise<string> {
  const text = await tail(stream, 4096);
  return text.trim().split("\n").at(-1)?.replace(/^error: /, "") ?? "";
}

/** Runs task `index` of `jobFile` in a process of its own; why it failed, if it did. */
async function runTask(jobFile: string, index: number, deadlineS: number) {
  const script = [pinnedDeno(), "run", "-A", join(PROJECT_ROOT, "kernel", "exercises", "task.ts")];
  // SIGKILL when the grader dies: a killed grading leaves no process behind to write late.
  const setpriv = onPath("setpriv");
  const argv = [...(setpriv ? [setpriv, "--pdeathsig", "SIGKILL", "--"] : []), ...script];
  const child = new Deno.Command(argv[0], {
    args: [...argv.slice(1), jobFile, String(index)],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let late = false;
  const timer = setTimeout(() => {
    late = true;
    try {
      child.kill("SIGKILL");
    } catch { /* it ended meanwhile */ }
  }, deadlineS * 1000);
  const [line, status] = await Promise.all([lastLine(child.stderr), child.status]);
  clearTimeout(timer);
  if (late) return `it did not finish within ${deadlineS} s and was stopped`;
  if (status.success) return undefined;
  const how = status.signal ? `signal ${status.signal}` : `exit code ${status.code}`;
  return `its process ended with ${how}${line ? `: ${line}` : ""}`;
}

/**
 * Grades `tasks` here, `jobs` processes at a time, calling `onGraded` with each grade as it is
 * known; a process that leaves no result gives its notebook 0 points and a status saying why.
 *
 * @example
 * ```ts
 * import { gradeLocally } from "./local.ts";
 * import { answerKey, defaultGradeOptions } from "./autograde.ts";
 * const source = "notebooks/01_mcculloch_pitts.ipynb", options = defaultGradeOptions();
 * await gradeLocally(
 *   [{ source, dir: "submissions/ada", result: "grades/results/ada/01.json" }],
 *   options,
 *   { [source]: await answerKey(source, options) },
 *   "grades",
 *   1,
 *   async (grade) => console.log(grade.attendee),
 * );
 * ```
 */
export async function gradeLocally(
  tasks: GradeTask[],
  options: GradeOptions,
  keys: Record<string, AnswerKey>,
  out: string,
  jobs: number,
  onGraded: (grade: NotebookGrade, seconds: number, of: number) => Promise<void>,
): Promise<void> {
  const dir = join(out, "tasks");
  const jobFile = join(dir, `job-${crypto.randomUUID()}.json`);
  await writeJob(jobFile, { tasks, options, keys });
  try {
    await inParallel([...tasks.keys()], jobs, async (i) => {
      const started = performance.now();
      const failure = await runTask(jobFile, i, options.notebookTimeoutS + GRADING_MARGIN_S);
      const task = tasks[i];
      const grade = (await readResult(task.result))?.grade ?? {
        attendee: basename(task.dir),
        notebook: basename(task.source),
        exercises: ungraded(
          await readNotebook(task.source),
          `${GRADING_FAILED}: ${failure ?? "it left no result"}`,
        ),
      };
      await onGraded(grade, (performance.now() - started) / 1000, tasks.length);
    });
  } finally {
    await Deno.remove(jobFile).catch(() => {});
    await Deno.remove(dir).catch(() => {}); // once empty
  }
}
