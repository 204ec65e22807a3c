/**
 * Used by `deno task grade`.
 *
 * Autograding, as nbgrader's `autograde`: each attendee's notebook is rebuilt with the course's
 * checks and hidden checks, run in a fresh kernel inside a sandbox, and scored; the gradebook and
 * each attendee's feedback are written atomically.
 *
 * The verdict is reached outside the attendee's kernel: there, each check only records the
 * answers the attendee's code gives to inputs drawn from the grading run's seed. The course's own
 * solution answers the same inputs once per source notebook, in a sandbox of its own, and the
 * grader compares the two.
 *
 * @module
 */
import { cp } from "node:fs/promises";
import { basename, join, relative, resolve } from "node:path";
import { cacheDir, writeFileAtomic } from "../../contract/files.ts";
import { GRADING_SEED_VARIABLE } from "../../contract/exercises.ts";
import { kernelVariables } from "../../contract/settings.ts";
import { checkCellIds, exerciseOf } from "./format.ts";
import { feedbackMarkdown, gradebookCsv, type NotebookGrade } from "./gradebook.ts";
import {
  type AnswerKey,
  answersIn,
  type ExerciseGrade,
  isCheck,
  rebuild,
  scoreExercises,
  ungraded,
} from "./scoring.ts";
import { type Notebook, readNotebook, writeNotebook } from "../jupyter/notebook.ts";
import { runNotebook, type RunResult } from "../jupyter/runner.ts";
import {
  checkSandbox,
  defaultLimits,
  runSandboxed,
  type SandboxLimits,
} from "../jupyter/sandbox.ts";
import { JupyterServer } from "../jupyter/server.ts";
import { typeCheck } from "../jupyter/typecheck.ts";

/** How attendees' notebooks are run. */
export interface GradeOptions {
  /** Seconds one cell may run. */
  timeoutS: number;
  /** Seconds a whole notebook may run. */
  notebookTimeoutS: number;
  /** The sandbox's limits on memory, processes, CPU and file size. */
  limits: SandboxLimits;
  /**
   * The kernels' environment: the course's settings (`COURSE_SETTING`, …), nothing else of the
   * grader's. The folders in `COURSE_CACHE` and `FASHION_MNIST_DIR` are shown read-only.
   */
  env: Record<string, string>;
  /** Where to keep executed notebooks, as `<executed>/<attendee>/<notebook>`; not kept if absent. */
  executed?: string;
  /**
   * The seed from which checks draw the inputs they grade on: drawn afresh for each grading run, so
   * nobody knows the inputs before; the same seed draws the same inputs again.
   */
  seed: number;
}

/**
 * Options for grading: the sandbox's default limits, nbgrader-like time limits, and the course's
 * settings from this process's environment. Kernels run on WebAssembly unless `COURSE_BACKEND`
 * says otherwise: the sandbox has no GPU devices.
 *
 * @example
 * ```ts
 * import { defaultGradeOptions } from "./autograde.ts";
 * const quick = { ...defaultGradeOptions(), env: { COURSE_SETTING: "quick" } };
 * ```
 */
export function defaultGradeOptions(): GradeOptions {
  const env = { COURSE_CACHE: cacheDir(""), COURSE_BACKEND: "wasm", ...kernelVariables() };
  const seed = crypto.getRandomValues(new Uint32Array(1))[0];
  return { timeoutS: 300, notebookTimeoutS: 1800, limits: defaultLimits(), env, seed };
}

/** The data folders a sandbox shows read-only: the course's cache and Fashion-MNIST's. */
const dataFolders = (env: Record<string, string>) =>
  [env.COURSE_CACHE, env.FASHION_MNIST_DIR].filter((d) => d !== undefined);

/**
 * The attendee's type errors, as hints for their feedback. `deno check` runs in the sandbox too: an
 * attendee's import may name any file, and the checker's messages quote what it reads.
 */
async function typeHints(path: string, nb: Notebook, options: GradeOptions): Promise<string[]> {
  const { limits, env } = options;
  const data = dataFolders(env);
  try {
    const problems = await typeCheck(
      path,
      nb,
      (argv, work) => runSandboxed(argv, { work, limits, data, env: {} }),
    );
    return problems.map((p) => `cell ${p.cell}, line ${p.line}: ${p.message}`);
  } catch (error) {
    return [`the type check could not run: ${(error as Error).message}`];
  }
}

async function submitted(path: string): Promise<Notebook | string> {
  const info = await Deno.lstat(path).catch(() => undefined);
  if (!info) return "not submitted";
  if (!info.isFile) return "error: the submission is not a plain file (a link or a folder)";
  return await readNotebook(path).catch((error) => `error: ${(error as Error).message}`);
}

/**
 * Runs `nb` as `folder/name` in a sandbox, on a scratch copy of `folder` that `use` may read before
 * it is removed; the kernel's environment is the grading's, with its seed and `env` on top.
 */
async function runInSandbox<T>(
  folder: string,
  name: string,
  nb: Notebook,
  options: GradeOptions,
  env: Record<string, string>,
  use: (run: RunResult, work: string) => Promise<T>,
): Promise<T> {
  const work = await Deno.makeTempDir({ prefix: "dl-course-grade-" });
  try {
    await cp(folder, work, { recursive: true, verbatimSymlinks: true });
    const server = await JupyterServer.start(work, {
      env: { ...options.env, [GRADING_SEED_VARIABLE]: String(options.seed), ...env },
      sandbox: { limits: options.limits, data: dataFolders(options.env) },
    });
    const run = await runNotebook(server, join(work, name), {
      notebook: nb,
      allowErrors: true,
      timeoutS: options.timeoutS,
      totalTimeoutS: options.notebookTimeoutS,
    }).finally(() => server.stop());
    return await use(run, work);
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}

/**
 * The course's answers to this grading run's inputs: the source notebook, solutions and hidden
 * checks included, run once in a sandbox of its own at the smoke setting (graded inputs depend on
 * the seed only, not on how long the lesson trains). Throws, naming the cell, when the solution
 * fails one of its own graded cases or stops: an instructor's mistake stops grading before it
 * starts.
 *
 * @example
 * ```ts
 * import { answerKey, defaultGradeOptions } from "./autograde.ts";
 * const key = await answerKey("notebooks/01_mcculloch_pitts.ipynb", defaultGradeOptions());
 * ```
 */
export async function answerKey(sourcePath: string, options: GradeOptions): Promise<AnswerKey> {
  const source = await readNotebook(sourcePath);
  const fail = (where: string, why: string): never => {
    throw new Error(
      `Cannot grade ${basename(sourcePath)} as the course's solution fails ${where}: ${why}`,
    );
  };
  const run = await runInSandbox(
    resolve(sourcePath, ".."),
    basename(sourcePath),
    source,
    options,
    { COURSE_SETTING: "smoke" },
    (run) => Promise.resolve(run),
  );
  const key: AnswerKey = {};
  run.notebook.cells.forEach((cell, i) => {
    if (!isCheck(exerciseOf(source.cells[i]))) return;
    const report = run.cells.find((r) => r.cell === i + 1);
    if (report?.status !== "ok") fail(`its check cell '${cell.id}'`, report?.error ?? "not run");
    const answers = answersIn(cell);
    for (const a of answers) {
      const wrong = a.error ?? a.cases.find((c) => !("answer" in c))?.error;
      if (wrong !== undefined) fail(`the graded cases of '${a.name}'`, wrong);
    }
    if (answers.length) key[cell.id!] = answers;
  });
  return key;
}

/**
 * The names of a source notebook's checks that have no graded cases: their verdicts come from the
 * attendee's kernel, where the attendee's code can forge them.
 *
 * @example
 * ```ts
 * import { unprotectedChecks } from "./autograde.ts";
 * unprotectedChecks({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] }, {}); // []
 * ```
 */
export function unprotectedChecks(source: Notebook, key: AnswerKey): string[] {
  return source.cells.filter((c) => isCheck(exerciseOf(c)) && !key[c.id ?? ""])
    .map((c) => c.id ?? "?");
}

/**
 * Grades one attendee's copy of one source notebook. Runs it in a sandbox on a scratch copy of
 * the attendee's folder, so nothing of theirs or anyone else's changes; never throws: a
 * submission that cannot be run scores 0 with a status saying why.
 *
 * @example
 * ```ts
 * import { answerKey, defaultGradeOptions, gradeNotebook } from "./autograde.ts";
 * const source = "notebooks/01_mcculloch_pitts.ipynb", options = defaultGradeOptions();
 * const key = await answerKey(source, options);
 * const grade = await gradeNotebook(source, "submissions/ada", options, key);
 * grade.exercises.map((e) => `${e.exercise}: ${e.points}/${e.max} ${e.status}`);
 * ```
 */
export async function gradeNotebook(
  sourcePath: string,
  attendeeDir: string,
  options: GradeOptions,
  key: AnswerKey,
): Promise<NotebookGrade> {
  const notebook = basename(sourcePath);
  const attendee = basename(attendeeDir);
  const source = await readNotebook(sourcePath);
  const submission = await submitted(join(attendeeDir, notebook));
  const grade = (exercises: ExerciseGrade[]) => ({ attendee, notebook, exercises });
  if (typeof submission === "string") return grade(ungraded(source, submission));
  try {
    const rebuilt = rebuild(source, submission);
    // On a scratch copy of their own files, never the hidden checks (those travel as cell code).
    return await runInSandbox(
      attendeeDir,
      notebook,
      rebuilt.notebook,
      options,
      {},
      async (run, work) => {
        if (options.executed) {
          await writeNotebook(join(options.executed, attendee, notebook), run.notebook);
        }
        return {
          ...grade(scoreExercises(rebuilt, run, key)),
          typeErrors: await typeHints(join(work, notebook), submission, options),
        };
      },
    );
  } catch (error) {
    return grade(ungraded(source, `error: grading failed: ${(error as Error).message}`));
  }
}

/** Runs `work` on every item, at most `jobs` at once; results in the items' order. */
async function inParallel<T, R>(items: T[], jobs: number, work: (item: T) => Promise<R>) {
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

/** One notebook to grade: the course's source and the attendee's folder. */
export interface GradeTask {
  source: string;
  dir: string;
}

/** What {@linkcode gradeAll} grades and where it writes. */
export interface GradeRun extends GradeOptions {
  /** Source notebooks: solutions, checks and hidden checks. */
  sources: string[];
  /** A folder holding one folder per attendee, each with their notebooks by the sources' names. */
  submissions: string;
  /** Where `gradebook.csv`, `feedback/` and `executed/` go. */
  out: string;
  /** How many notebooks to grade at once. */
  jobs: number;
  /** Called as each notebook is graded, e.g. to print progress. */
  onGraded?: (grade: NotebookGrade, seconds: number, of: number) => void;
  /** Called with what the instructor should know before grading: the seed, unprotected checks. */
  onNote?: (line: string) => void;
  /**
   * Grades the tasks elsewhere, e.g. as Slurm jobs, and returns their grades in order; without it,
   * they are graded here, `jobs` at a time.
   */
  gradeTasks?: (
    tasks: GradeTask[],
    options: GradeOptions,
    keys: Record<string, AnswerKey>,
  ) => Promise<NotebookGrade[]>;
}

/** Each source's answer key, `jobs` at a time, with a note for the instructor on each. */
async function answerKeys(run: GradeRun): Promise<Record<string, AnswerKey>> {
  run.onNote?.(`inputs drawn from seed ${run.seed} ('--seed ${run.seed}' draws them again)`);
  const keys = await inParallel(run.sources, run.jobs, async (source) => {
    const started = performance.now();
    const key = await answerKey(source, run);
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

/** Attendees' folders in name order: every folder in `submissions`. */
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
    if (entry.isDirectory) names.push(entry.name);
  }
  return names.sort();
}

/**
 * Grades every attendee's copy of every source notebook and writes the gradebook and each
 * attendee's feedback. The same submissions give the same files, whatever `jobs` is.
 *
 * @example
 * ```ts
 * import { defaultGradeOptions, gradeAll } from "./autograde.ts";
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
    run.sources.map((source) => ({ source, dir: join(run.submissions, attendee) }))
  );
  const keys = await answerKeys(run);
  const options: GradeOptions = { ...run, executed: join(out, "executed") };
  const grades = run.gradeTasks
    ? await run.gradeTasks(tasks, options, keys)
    : await inParallel(tasks, run.jobs, async (task) => {
      const started = performance.now();
      const grade = await gradeNotebook(task.source, task.dir, options, keys[task.source]);
      run.onGraded?.(grade, (performance.now() - started) / 1000, tasks.length);
      return grade;
    });
  await writeFileAtomic(join(out, "gradebook.csv"), gradebookCsv(grades));
  for (const attendee of new Set(grades.map((g) => g.attendee))) {
    const theirs = grades.filter((g) => g.attendee === attendee);
    await writeFileAtomic(
      join(out, "feedback", `${attendee}.md`),
      feedbackMarkdown(attendee, theirs),
    );
  }
  return grades;
}
