/**
 * Used by `deno task grade --slurm`.
 *
 * Grading spread over a Slurm cluster: one job array, one task per attendee notebook, each running
 * the same grading process as a local run (`../exercises/task.ts`) on whichever node Slurm picks.
 * The checkout, the submissions and the output folder must be on a file system every node shares
 * (as home folders are on most clusters); the tasks leave their results there and this process
 * records each as it appears. A task that ends without a grade (cancelled, out of time, its node lost) becomes that
 * notebook's status, and the others are graded.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import { shellWord } from "../../contract/command_line.ts";
import { PROJECT_ROOT } from "../../contract/files.ts";
import { pinnedDeno } from "../jupyter/kernelspec.ts";
import { sleep } from "../jupyter/server.ts";
import { readNotebook } from "../jupyter/notebook.ts";
import type { GradeOptions } from "../exercises/autograde.ts";
import type { NotebookGrade } from "../exercises/gradebook.ts";
import { type GradeTask, readResult, writeJob } from "../exercises/job.ts";
import { GRADING_MARGIN_S } from "../exercises/local.ts";
import { type AnswerKey, ungraded } from "../exercises/scoring.ts";

/** How the job array is asked for. */
export interface SlurmOptions {
  /** The partition (queue) to submit to; the cluster's default if absent. */
  partition?: string;
  /** CPU cores per notebook: the kernel's threads (`COURSE_THREADS`). */
  cpus: number;
}

/** The folder under the grading output where the job's files live. */
export const slurmDir = (out: string) => join(out, "slurm");

/**
 * Fails at once where Slurm's commands cannot work: `sbatch` would retry a missing `SLURM_CONF`
 * for a minute.
 *
 * @example
 * ```ts
 * import { checkSlurm } from "./jobs.ts";
 * checkSlurm(); // throws, naming it, where SLURM_CONF names no file
 * ```
 */
export function checkSlurm(): void {
  const conf = Deno.env.get("SLURM_CONF");
  if (conf && !existsSync(conf)) {
    throw new Error(
      `Cannot grade on Slurm as SLURM_CONF names '${conf}', which does not exist: set it to the ` +
        `cluster's slurm.conf, or unset it`,
    );
  }
}

/** Runs a Slurm command; its stdout, or one line that names the command and why it failed. */
async function slurm(command: string, args: string[]): Promise<string> {
  const result = await new Deno.Command(command, { args, stdin: "null" }).output().catch(
    (error: Error) => {
      throw new Error(
        `Cannot grade on Slurm as '${command}' does not run (${error.message}): run this on a ` +
          `cluster's login node, or install Slurm's commands (Debian/Ubuntu: 'slurm-client')`,
      );
    },
  );
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes).trim();
  if (!result.success) {
    throw new Error(`Cannot grade on Slurm as '${command}' failed: ${text(result.stderr)}`);
  }
  return text(result.stdout);
}

/**
 * The `sbatch` arguments for a job array of `count` tasks whose job file is `jobFile`.
 *
 * @example
 * ```ts
 * import { sbatchArgs } from "./jobs.ts";
 * sbatchArgs("/home/i/grades/slurm", 3, 1800, { cpus: 2, partition: "short" });
 * // ["--parsable", "--array=0-2", …, "--partition=short", "--wrap", "exec '…/deno' run …"]
 * ```
 */
export function sbatchArgs(
  dir: string,
  count: number,
  notebookTimeoutS: number,
  options: SlurmOptions,
): string[] {
  const task = join(PROJECT_ROOT, "kernel", "exercises", "task.ts");
  const command = [pinnedDeno(), "run", "-A", task, join(dir, "job.json")].map(shellWord);
  return [
    "--parsable",
    `--array=0-${count - 1}`,
    "--job-name=course-grading",
    `--output=${join(dir, "%a.log")}`,
    // The notebook's own limit, and the same margin as a local grading process's.
    `--time=${Math.ceil((notebookTimeoutS + GRADING_MARGIN_S) / 60)}`,
    `--cpus-per-task=${options.cpus}`,
    ...(options.partition ? [`--partition=${options.partition}`] : []),
    "--wrap",
    `exec ${command.join(" ")}`,
  ];
}

/**
 * The array's tasks that Slurm still holds as pending or running. A controller that does not
 * answer for a minute (a restart, a blip) is waited for, not taken for an empty queue.
 */
async function queued(job: string): Promise<Set<number>> {
  const ask = () => slurm("squeue", ["-h", "-r", "-j", job, "-o", "%i %T"]);
  let lines: string | undefined;
  for (let tries = 1; lines === undefined; tries++) {
    lines = await ask().catch(async (error) => {
      if (tries === 30) throw error;
      await sleep(2000);
      return undefined;
    });
  }
  const waiting = lines.split("\n").filter((l) => /PENDING|RUNNING|CONFIGURING|COMPLETING/.test(l));
  return new Set(waiting.map((l) => Number(l.split(" ")[0].split("_")[1])));
}

/**
 * How a task that left no grade ended, as Slurm tells it. Without accounting, Slurm forgets a task
 * cancelled while it waited at once; such a task never wrote its log either.
 */
async function ending(job: string, i: number, dir: string): Promise<string> {
  const shown = await slurm("scontrol", ["show", "job", "-o", `${job}_${i}`]).catch(() => "");
  const state = shown.match(/\bJobState=(\S+)/)?.[1];
  const started = await Deno.stat(join(dir, `${i}.log`)).then(() => true, () => false);
  const how = state
    ? `ended ${state} before grading finished`
    : started
    ? "ended before grading finished"
    : "never started (cancelled while it waited)";
  return `error: the Slurm job ${job}_${i} ${how}; grade again`;
}

/** What {@linkcode gradeOnSlurm} reports as it goes. */
export interface SlurmProgress {
  onSubmitted?: (job: string, tasks: number) => void;
  onGraded?: (grade: NotebookGrade, seconds: number, of: number) => Promise<void>;
}

/**
 * Grades `tasks` as one Slurm job array and waits for it, reporting each grade as its task leaves
 * it. The tasks' logs stay in `<out>/slurm/` for those that left no grade.
 *
 * @example
 * ```ts
 * import { gradeOnSlurm } from "./jobs.ts";
 * import { answerKey, defaultGradeOptions } from "../exercises/autograde.ts";
 * const source = "notebooks/01_mcculloch_pitts.ipynb", options = defaultGradeOptions();
 * await gradeOnSlurm(
 *   [{ source, dir: "submissions/ada", result: "grades/results/ada/01.json" }],
 *   { ...options, executed: "grades/executed" },
 *   { [source]: await answerKey(source, options) },
 *   "grades",
 *   { cpus: 2 },
 * );
 * ```
 */
export async function gradeOnSlurm(
  tasks: GradeTask[],
  options: GradeOptions,
  keys: Record<string, AnswerKey>,
  out: string,
  slurmOptions: SlurmOptions,
  progress: SlurmProgress = {},
): Promise<void> {
  checkSlurm();
  const dir = slurmDir(out);
  const { timeoutS, notebookTimeoutS, limits, env, executed, seed } = options;
  const args = sbatchArgs(dir, tasks.length, notebookTimeoutS, slurmOptions);
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(dir, { recursive: true });
  const job = join(dir, "job.json");
  await writeJob(job, {
    tasks,
    options: { timeoutS, notebookTimeoutS, limits, env, executed, seed },
    keys,
  });
  const id = await slurm("sbatch", args).then((answer) => answer.split(";")[0]).catch(
    async (error) => {
      // Nothing was submitted: leave nothing of it behind either.
      await Deno.remove(dir, { recursive: true });
      throw error;
    },
  );
  progress.onSubmitted?.(id, tasks.length);
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  const graded = new Array<boolean>(tasks.length).fill(false);
  const seen = async () => {
    for (const [i, task] of tasks.entries()) {
      if (graded[i]) continue;
      const result = await readResult(task.result);
      if (!result) continue;
      graded[i] = true;
      await Deno.remove(join(dir, `${i}.log`)).catch(() => {});
      await progress.onGraded?.(result.grade, seconds(), tasks.length);
    }
  };
  while ((await queued(id)).size > 0) {
    await seen();
    await sleep(2000);
  }
  await seen();
  for (const [i, task] of tasks.entries()) {
    if (graded[i]) continue;
    await progress.onGraded?.(
      {
        attendee: basename(task.dir),
        notebook: basename(task.source),
        exercises: ungraded(await readNotebook(task.source), await ending(id, i, dir)),
      },
      seconds(),
      tasks.length,
    );
  }
  await Deno.remove(job);
  await Deno.remove(dir).catch(() => {}); // only once empty: failed tasks' logs stay
}
