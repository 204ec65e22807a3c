/**
 * `deno task grade`: autograding, as nbgrader's `autograde`. Each attendee's notebook is rebuilt
 * with the course's checks and hidden checks, run in a fresh kernel inside a sandbox, and scored.
 *
 * ```
 * deno task grade --source <notebooks dir> --submissions <dir with a folder per attendee>
 *                 --out DIR [--jobs N] [--timeout S] [--notebook-timeout S] [--memory MiB]
 *                 [--seed N] [--slurm [--partition P] [--cpus N]]
 * ```
 *
 * Checks grade on inputs drawn from a seed chosen afresh for each run (printed first); `--seed`
 * draws the same inputs again, e.g. to grade a late submission as its class was graded.
 *
 * Writes `DIR/gradebook.csv`, `DIR/feedback/<attendee>.md` and the executed notebooks under
 * `DIR/executed/<attendee>/`, as each notebook is graded, and each notebook's result under
 * `DIR/results/`: grading into a folder whose run was stopped goes on with its seed and grades
 * only what it had not. Everything there is the instructor's only (0700 and 0600). With `--slurm`,
 * each notebook is graded by a task of one Slurm job array on the cluster's nodes
 * (`kernel/slurm/`), and the same files are written.
 *
 * @module
 */
import { join } from "node:path";
import { commandLine, inert, jupyterCommand } from "../contract/command_line.ts";
import { defaultGradeOptions } from "./exercises/autograde.ts";
import { gradeAll } from "./exercises/grading.ts";
import type { NotebookGrade } from "./exercises/gradebook.ts";
import { notebookFiles } from "./jupyter/notebook.ts";
import { checkSlurm, gradeOnSlurm } from "./slurm/jobs.ts";

async function main(args: string[]): Promise<number> {
  const defaults = defaultGradeOptions();
  const cli = commandLine({
    name: "grade",
    verb: "grade",
    usage: "--source <notebook or folder> --submissions DIR --out DIR [--jobs N] " +
      "[--timeout SECONDS] [--notebook-timeout SECONDS] [--memory MiB] [--seed N] " +
      "[--slurm [--partition NAME] [--cpus N]]",
    options: {
      source: undefined,
      submissions: undefined,
      out: undefined,
      jobs: "1",
      timeout: String(defaults.timeoutS),
      "notebook-timeout": String(defaults.notebookTimeoutS),
      memory: String(defaults.limits.memoryMb),
      seed: undefined,
      slurm: true,
      partition: undefined,
      cpus: "2",
    },
  }, args);
  const [source, submissions, out] = ["source", "submissions", "out"].map((name) =>
    cli.text(name) ?? cli.fail(`it needs '--${name}': see 'deno task grade --help'`)
  );
  const notebookTimeoutS = cli.count("notebook-timeout", 1);
  const outDir = cli.outputFolder(out);
  const slurm = cli.flag("slurm") &&
    { partition: cli.text("partition"), cpus: cli.count("cpus", 1) };
  if (slurm) checkSlurm();
  // Grades, feedback, executed notebooks and the job file (the answers) are the instructor's only.
  Deno.umask(0o077);
  let done = 0;
  const onGraded = (grade: NotebookGrade, seconds: number, of: number) => {
    const sum = (key: "points" | "max") => grade.exercises.reduce((s, e) => s + e[key], 0);
    const statuses = new Set(grade.exercises.map((e) => e.status));
    const status = statuses.size === 1 ? ` (${[...statuses][0]})` : "";
    console.log(
      `[${++done}/${of}] ${inert(grade.attendee)} ${grade.notebook}: ${sum("points")} / ` +
        `${sum("max")} points${inert(status)} ${slurm ? "after" : "in"} ${seconds.toFixed(1)} s`,
    );
  };
  const onSubmitted = (job: string, tasks: number) =>
    console.log(`submitted Slurm job ${job}: ${tasks} notebooks, one task each`);
  const grades = await gradeAll({
    ...defaults,
    submissions: cli.folder(submissions),
    out: outDir,
    jobs: cli.count("jobs", 1),
    timeoutS: cli.count("timeout", 1),
    notebookTimeoutS,
    seed: cli.text("seed") === undefined ? undefined : cli.count("seed", 0),
    sources: await notebookFiles([source], "grade"),
    limits: {
      ...defaults.limits,
      memoryMb: cli.count("memory", 1),
      // A backstop for processes that outlive their cell: no notebook can use more.
      cpuSeconds: navigator.hardwareConcurrency * notebookTimeoutS,
    },
    onGraded,
    onNote: (line) => console.log(line),
    gradeTasks: slurm
      ? (tasks, options, keys, onGraded) =>
        gradeOnSlurm(tasks, options, keys, outDir, slurm, { onSubmitted, onGraded })
      : undefined,
  });
  const attendeesGraded = new Set(grades.map((g) => g.attendee)).size;
  console.log(
    `${join(out, "gradebook.csv")}: ${grades.length} notebooks of ${attendeesGraded} ` +
      `attendees; feedback in ${join(out, "feedback")}`,
  );
  return 0;
}

if (import.meta.main) await jupyterCommand(main);
