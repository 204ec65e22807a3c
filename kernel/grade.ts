/**
 * `deno task grade`: autograding, as nbgrader's `autograde`. Each attendee's notebook is rebuilt
 * with the course's checks and hidden checks, run in a fresh kernel inside a sandbox, and scored.
 *
 * ```
 * deno task grade --source <notebooks dir> --submissions <dir with a folder per attendee>
 *                 --out DIR [--jobs N] [--timeout S] [--notebook-timeout S] [--memory MiB]
 * ```
 *
 * Writes `DIR/gradebook.csv`, `DIR/feedback/<attendee>.md` and the executed notebooks under
 * `DIR/executed/<attendee>/`.
 *
 * @module
 */
import { join } from "node:path";
import { commandLine, jupyterCommand } from "../contract/command_line.ts";
import { defaultGradeOptions, gradeAll } from "./exercises/autograde.ts";
import { notebookFiles } from "./jupyter/notebook.ts";

async function main(args: string[]): Promise<number> {
  const defaults = defaultGradeOptions();
  const cli = commandLine({
    name: "grade",
    verb: "grade",
    usage: "--source <notebook or folder> --submissions DIR --out DIR [--jobs N] " +
      "[--timeout SECONDS] [--notebook-timeout SECONDS] [--memory MiB]",
    options: {
      source: undefined,
      submissions: undefined,
      out: undefined,
      jobs: "1",
      timeout: String(defaults.timeoutS),
      "notebook-timeout": String(defaults.notebookTimeoutS),
      memory: String(defaults.limits.memoryMb),
    },
  }, args);
  const [source, submissions, out] = ["source", "submissions", "out"].map((name) =>
    cli.text(name) ?? cli.fail(`it needs '--${name}': see 'deno task grade --help'`)
  );
  const notebookTimeoutS = cli.count("notebook-timeout", 1);
  let done = 0;
  const grades = await gradeAll({
    ...defaults,
    submissions: cli.folder(submissions),
    out: cli.outputFolder(out),
    jobs: cli.count("jobs", 1),
    timeoutS: cli.count("timeout", 1),
    notebookTimeoutS,
    sources: await notebookFiles([source], "grade"),
    limits: {
      ...defaults.limits,
      memoryMb: cli.count("memory", 1),
      // A backstop for processes that outlive their cell: no notebook can use more.
      cpuSeconds: navigator.hardwareConcurrency * notebookTimeoutS,
    },
    onGraded: (grade, seconds, of) => {
      const sum = (key: "points" | "max") => grade.exercises.reduce((s, e) => s + e[key], 0);
      const statuses = new Set(grade.exercises.map((e) => e.status));
      const status = statuses.size === 1 ? ` (${[...statuses][0]})` : "";
      console.log(
        `[${++done}/${of}] ${grade.attendee} ${grade.notebook}: ${sum("points")} / ` +
          `${sum("max")} points${status} in ${seconds.toFixed(1)} s`,
      );
    },
  });
  const attendeesGraded = new Set(grades.map((g) => g.attendee)).size;
  console.log(
    `${join(out, "gradebook.csv")}: ${grades.length} notebooks of ${attendeesGraded} ` +
      `attendees; feedback in ${join(out, "feedback")}`,
  );
  return 0;
}

if (import.meta.main) await jupyterCommand(main);
