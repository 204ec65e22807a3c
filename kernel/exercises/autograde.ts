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
import { basename, dirname, join } from "node:path";
import { cacheDir, sha256, writeFileAtomic } from "../../contract/files.ts";
import { GRADING_SEED_VARIABLE } from "../../contract/exercises.ts";
import { kernelVariables } from "../../contract/settings.ts";
import { exerciseOf } from "./format.ts";
import type { NotebookGrade } from "./gradebook.ts";
import type { GradeResult, GradeTask } from "./job.ts";
import {
  type AnswerKey,
  answersIn,
  type ExerciseGrade,
  isCheck,
  rebuild,
  scoreExercises,
  ungraded,
} from "./scoring.ts";
import {
  MAX_NOTEBOOK_BYTES,
  type Notebook,
  parseNotebook,
  readNotebook,
  writeNotebook,
} from "../jupyter/notebook.ts";
import { runNotebook, type RunResult } from "../jupyter/runner.ts";
import { defaultLimits, handOver, runSandboxed, type SandboxLimits } from "../jupyter/sandbox.ts";
import { JupyterServer } from "../jupyter/server.ts";
import { typeCheck } from "../jupyter/typecheck.ts";
import { readUntrusted, UntrustedFileError } from "../machine/untrusted.ts";

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

/** Seconds the type check of one submission may take (a lesson's takes under 3 s). */
const TYPE_CHECK_S = 60;

/**
 * The attendee's type errors, as hints for their feedback. `deno check` runs on a fresh copy of the
 * submitted notebook, in a sandbox of its own, with a deadline: an attendee's import may name any
 * file (one their kernel made a FIFO, `/dev/zero`), and the checker's messages quote what it reads.
 */
async function typeHints(name: string, nb: Notebook, options: GradeOptions): Promise<string[]> {
  const { limits, env } = options;
  const work = await Deno.makeTempDir({ prefix: "dl-course-check-" });
  try {
    const problems = await typeCheck(join(work, name), nb, async (argv) => {
      await handOver(work);
      const data = dataFolders(env);
      return await runSandboxed(argv, { work, limits, data, env: {}, timeoutS: TYPE_CHECK_S });
    });
    return problems.map((p) => `cell ${p.cell}, line ${p.line}: ${p.message}`);
  } catch (error) {
    return [`the type check could not run: ${(error as Error).message}`];
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}

/**
 * How the status of a notebook the grader could not grade begins (its sandbox did not start, its
 * process died): such a grade is given again by the next grading into the same folder.
 */
export const GRADING_FAILED = "error: grading failed";

/** An attendee's notebook as the grader read it: the notebook, or why there is none. */
export interface Submission {
  notebook?: Notebook;
  /** Why there is no notebook: `not submitted`, `error: …`. */
  status?: string;
  /** SHA-256 of the file's bytes, or of the status: a changed submission is graded again. */
  digest: string;
}

/**
 * Reads `notebook` in an attendee's folder as a hostile file: a regular file only, no link
 * followed, at most {@linkcode MAX_NOTEBOOK_BYTES}.
 *
 * @example
 * ```ts
 * import { readSubmission } from "./autograde.ts";
 * const { notebook, status } = await readSubmission("submissions/ada", "01_mcculloch_pitts.ipynb");
 * ```
 */
export async function readSubmission(dir: string, notebook: string): Promise<Submission> {
  const { bytes, status, digest } = await submittedBytes(dir, notebook);
  if (!bytes) return { status, digest };
  try {
    return { notebook: parseNotebook(new TextDecoder().decode(bytes), notebook), digest };
  } catch (error) {
    return { status: `error: ${(error as Error).message}`, digest };
  }
}

/**
 * An attendee's notebook file as bytes, or why there is none, and the digest that tells whether
 * it changed: what a resumed grading compares, without parsing anything.
 *
 * @example
 * ```ts
 * import { submittedBytes } from "./autograde.ts";
 * const { digest } = await submittedBytes("submissions/ada", "01_mcculloch_pitts.ipynb");
 * ```
 */
export async function submittedBytes(
  dir: string,
  notebook: string,
): Promise<{ bytes?: Uint8Array; status?: string; digest: string }> {
  const why = async (status: string) => ({ status, digest: await sha256(status) });
  try {
    const bytes = readUntrusted(dirname(dir), [basename(dir), notebook], MAX_NOTEBOOK_BYTES);
    return bytes ? { bytes, digest: await sha256(bytes) } : await why("not submitted");
  } catch (error) {
    if (!(error instanceof UntrustedFileError)) throw error;
    return await why(`error: ${error.message}`);
  }
}

/**
 * SHA-256 of what, besides the seed, decides a grade: the limits and the kernels' environment (the
 * course's settings). A result graded under other options is graded again.
 *
 * @example
 * ```ts
 * import { defaultGradeOptions, optionsDigest } from "./autograde.ts";
 * await optionsDigest(defaultGradeOptions()); // "5c1e…"
 * ```
 */
export async function optionsDigest(options: GradeOptions): Promise<string> {
  const { timeoutS, notebookTimeoutS, limits, env } = options;
  return await sha256(JSON.stringify({ timeoutS, notebookTimeoutS, limits, env }));
}

/**
 * Runs `nb` as `name` in a sandbox, on a scratch folder that holds only `file` under that name
 * (what the kernel may read there: the attendee's own notebook, never the checks `nb` adds); `use`
 * sees the run. The kernel's environment is the grading's, with its seed and `env` on top.
 */
async function runInSandbox<T>(
  name: string,
  notebooks: { nb: Notebook; file: Notebook },
  options: GradeOptions,
  env: Record<string, string>,
  use: (run: RunResult) => Promise<T>,
): Promise<T> {
  const { nb, file } = notebooks;
  const work = await Deno.makeTempDir({ prefix: "dl-course-grade-" });
  try {
    await writeNotebook(join(work, name), file);
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
    return await use(run);
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
    basename(sourcePath),
    { nb: source, file: source },
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
 * Grades one attendee's copy of one source notebook. Runs it in a sandbox on a scratch folder that
 * holds only that notebook, so nothing of theirs or anyone else's changes; never throws: a
 * submission that cannot be run scores 0 with a status saying why. `submission` is the notebook
 * as {@linkcode readSubmission} read it, if read already.
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
  submission?: Submission,
): Promise<NotebookGrade> {
  const notebook = basename(sourcePath);
  const attendee = basename(attendeeDir);
  const source = await readNotebook(sourcePath);
  const { notebook: theirs, status } = submission ?? await readSubmission(attendeeDir, notebook);
  const grade = (exercises: ExerciseGrade[]) => ({ attendee, notebook, exercises });
  if (!theirs) return grade(ungraded(source, status!));
  try {
    const rebuilt = rebuild(source, theirs);
    // Their notebook alone, never the hidden checks (those travel as cell code).
    const notebooks = { nb: rebuilt.notebook, file: theirs };
    return await runInSandbox(notebook, notebooks, options, {}, async (run) => {
      if (options.executed) {
        await writeNotebook(join(options.executed, attendee, notebook), run.notebook);
      }
      return {
        ...grade(scoreExercises(rebuilt, run, key)),
        typeErrors: await typeHints(notebook, theirs, options),
      };
    });
  } catch (error) {
    return grade(ungraded(source, `${GRADING_FAILED}: ${(error as Error).message}`));
  }
}

/**
 * SHA-256 of a source notebook: a result graded from another version of it is graded again.
 *
 * @example
 * ```ts
 * import { sourceDigest } from "./autograde.ts";
 * await sourceDigest("notebooks/01_mcculloch_pitts.ipynb"); // "3f2a…"
 * ```
 */
export async function sourceDigest(source: string): Promise<string> {
  return await sha256(await Deno.readFile(source));
}

/**
 * Grades one task, as a grading process does, and leaves its result in `task.result`.
 *
 * @example
 * ```ts
 * import { answerKey, defaultGradeOptions, gradeTask } from "./autograde.ts";
 * const source = "notebooks/01_mcculloch_pitts.ipynb", options = defaultGradeOptions();
 * const task = { source, dir: "submissions/ada", result: "grades/results/ada/01.json" };
 * const { grade } = await gradeTask(task, options, await answerKey(source, options));
 * ```
 */
export async function gradeTask(
  task: GradeTask,
  options: GradeOptions,
  key: AnswerKey,
): Promise<GradeResult> {
  const submission = await readSubmission(task.dir, basename(task.source));
  const grade = await gradeNotebook(task.source, task.dir, options, key, submission);
  const result = {
    seed: options.seed,
    options: await optionsDigest(options),
    source: await sourceDigest(task.source),
    submission: submission.digest,
    grade,
  };
  await writeFileAtomic(task.result, JSON.stringify(result));
  return result;
}
