import { afterAll, beforeAll, expect, test } from "vitest";
import { join, relative } from "node:path";
import { caseSeed } from "../../contract/exercises.ts";
import { PROJECT_ROOT } from "../../contract/files.ts";
import { integer, seededRandom, uniform } from "../../lib/data/random.ts";
import { type Notebook, readNotebook, writeNotebook } from "../../kernel/jupyter/notebook.ts";
import { releaseNotebook } from "../../kernel/exercises/student.ts";
import { task } from "../helpers.ts";

const FIXTURE = join(PROJECT_ROOT, "tests", "fixtures", "exercise.ipynb");

let root: string, source: string, submissions: string;
let listener: Deno.Listener;
const connections: string[] = [];
let before: Map<string, string>;

/** Every file under `dir` (and the project's own files an attack aims at), with a hash. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const walk = async (path: string) => {
    for await (const entry of Deno.readDir(path)) {
      const full = join(path, entry.name);
      if (entry.isDirectory) await walk(full);
      else files.set(full, await hash(full));
    }
  };
  await walk(dir);
  for (const file of ["README.md", "lib/mod.ts"]) {
    files.set(join(PROJECT_ROOT, file), await hash(join(PROJECT_ROOT, file)));
  }
  return files;
}
async function hash(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The released notebook with the attendee's code in place of `double`'s solution. */
function attempt(released: Notebook, solution: string, check?: string): Notebook {
  const nb = structuredClone(released);
  nb.cells.find((c) => c.id === "double-solution")!.source = solution;
  if (check) nb.cells.find((c) => c.id === "double-check")!.source = check;
  return nb;
}

beforeAll(async () => {
  root = await Deno.makeTempDir({ prefix: "dl-course-grading-" });
  source = join(root, "source");
  submissions = join(root, "submissions");
  await Deno.mkdir(source);
  await Deno.copyFile(FIXTURE, join(source, "exercise.ipynb"));
  await Deno.writeTextFile(join(root, "canary.txt"), "still here");
  listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  (async () => {
    for await (const conn of listener) {
      connections.push(JSON.stringify(conn.remoteAddr));
      conn.close();
    }
  })().catch(() => {});
  const solutions = await readNotebook(FIXTURE);
  const released = releaseNotebook(solutions);
  const ada = join(submissions, "ada", "exercise.ipynb");
  const firstError = `
  const errors: unknown[] = [];
  for (const attack of attacks) {
    try { attack(); } catch (error) { errors.push(error); }
  }
  throw errors[0];`;
  const attendees: Record<string, Notebook> = {
    ada: solutions,
    bob: released,
    "deletes-files": attempt(
      released,
      `const attacks = [
        () => Deno.removeSync(${JSON.stringify(join(root, "canary.txt"))}),
        () => Deno.removeSync(${JSON.stringify(ada)}),
        () => Deno.removeSync(${JSON.stringify(join(PROJECT_ROOT, "README.md"))}),
        () => Deno.writeTextFileSync(${JSON.stringify(join(PROJECT_ROOT, "lib", "mod.ts"))}, ""),
        () => Deno.writeTextFileSync(${JSON.stringify(join(root, "planted.txt"))}, "x"),
      ];${firstError}`,
    ),
    "reads-hidden-checks": attempt(
      released,
      `const attacks = [
        () => Deno.readTextFileSync(${JSON.stringify(join(source, "exercise.ipynb"))}),
        () => Deno.readTextFileSync(${JSON.stringify(FIXTURE)}),
      ];${firstError}`,
    ),
    "reads-other-attendee": attempt(released, `Deno.readTextFileSync(${JSON.stringify(ada)});`),
    "opens-connection": attempt(
      released,
      `await Deno.connect({ hostname: "127.0.0.1", port: ${port} });`,
    ),
    "loops-forever": attempt(released, "while (true) {}"),
    "hoards-memory": attempt(
      released,
      // 1 GiB at a time, and garbage once refused: the kernel lives on to report the refusal.
      "(() => { const hoard = []; while (true) hoard.push(new Float64Array(2 ** 27).fill(1)); })();",
    ),
    "forks-processes": attempt(
      released,
      `while (true) new Deno.Command("sleep", { args: ["600"] }).spawn();`,
    ),
    "calls-exit": attempt(released, "Deno.exit(0);"),
    "edits-check": attempt(
      released,
      "function double(x: number): number {\n  return x;\n}",
      'await check("double", () => {});',
    ),
  };
  for (const [name, nb] of Object.entries(attendees)) {
    await writeNotebook(join(submissions, name, "exercise.ipynb"), nb);
  }
  before = await snapshot(root);
});

afterAll(async () => {
  listener?.close();
  await Deno.remove(root, { recursive: true }).catch(() => {});
});

/** `deno task grade` of `from` into `out`, with more options. */
const gradeTask = (from: string, into: string, ...options: string[]) =>
  task(["grade", "--source", source, "--submissions", from, "--out", into, ...options]);

/** The seed of both gradings: the same inputs, so the same files. */
const SEED = 7;
/** The first input the fixture's check and its hidden check draw from it. */
const x = uniform(seededRandom(caseSeed(SEED, "double")), -100, 100);
const hidden = integer(seededRandom(caseSeed(SEED, "double, hidden")), -1000, 1000);

/** `deno task grade` of every submission into `root/<out>`. */
async function grade(out: string, jobs: number) {
  const options = ["--jobs", String(jobs), "--timeout", "8", "--memory", "3072"]
    .concat(["--seed", String(SEED)]);
  const result = await gradeTask(submissions, join(root, out), ...options);
  expect(result.code, result.stderr).toBe(0);
  return result;
}

const rowsOf = (csv: string) =>
  Object.fromEntries(
    csv.trim().split("\n").slice(1).map((line) => {
      const [attendee, , , points, max, ...status] = line.split(",");
      return [attendee, `${points}/${max} ${status.join(",").replace(/^"|"$/g, "")}`];
    }),
  );

/**
 * Processes of the sandbox's user (`nobody` under root) still alive a few seconds after grading:
 * the kernel ends a sandbox's processes when it ends the sandbox, but not instantly.
 */
async function sandboxProcesses(): Promise<number> {
  if (Deno.uid() !== 0) return 0; // the sandbox is the grader's own user: nothing to tell apart
  const count = () =>
    [...Deno.readDirSync("/proc")].filter((e) => /^\d+$/.test(e.name)).filter((e) => {
      try {
        return /^Uid:\s+65534\b/m.test(Deno.readTextFileSync(`/proc/${e.name}/status`));
      } catch {
        return false; // exited meanwhile
      }
    }).length;
  for (let i = 0; i < 50 && count() > 0; i++) await new Promise((r) => setTimeout(r, 200));
  return count();
}

let first: string;

test("grading scores solutions full and stubs zero, and contains every attack", async () => {
  const { stdout } = await grade("grades-1", 2);
  expect(stdout).toContain("11 notebooks of 11 attendees");
  expect(stdout).toMatch(/\[\d+\/11\] ada exercise\.ipynb: 5 \/ 5 points \(passed\) in \d/);
  first = await Deno.readTextFile(join(root, "grades-1", "gradebook.csv"));
  const rows = rowsOf(first);
  expect(rows).toEqual({
    ada: "5/5 passed",
    bob: "0/5 not done yet",
    "calls-exit": expect.stringMatching(/^0\/5 the kernel died while running this cell/),
    "deletes-files": expect.stringMatching(
      /^0\/5 error: NotFound: No such file or directory .*canary\.txt/,
    ),
    "edits-check": `0/5 failed: double(${x}) is ${x}; expected ${2 * x} (within 1e-12); ` +
      "a check cell was edited: the course's version was graded",
    "forks-processes": expect.stringMatching(
      /^0\/5 error: WouldBlock: Failed to spawn '\/usr\/bin\/sleep'/,
    ),
    "hoards-memory": "0/5 error: RangeError: Array buffer allocation failed",
    "loops-forever": "0/5 timed out after 8 s; the kernel was restarted",
    "opens-connection": expect.stringMatching(/^0\/5 error: ConnectionRefused/),
    "reads-hidden-checks": expect.stringMatching(/^0\/5 error: NotFound: .*exercise\.ipynb/),
    "reads-other-attendee": expect.stringMatching(/^0\/5 error: NotFound: .*ada/),
  });
  expect(connections).toEqual([]);
  const after = await snapshot(root);
  const changed = [...new Set([...before.keys(), ...after.keys()])]
    .filter((path) => before.get(path) !== after.get(path))
    .map((path) => relative(root, path))
    .filter((path) => !path.startsWith("grades-1"));
  expect(changed).toEqual([]);
  expect(await sandboxProcesses()).toBe(0);
  const feedback = await Deno.readTextFile(join(root, "grades-1", "feedback", "edits-check.md"));
  expect(feedback).toContain(`### double: 0 / 5, failed: double(${x}) is ${x}; expected ${2 * x}`);
  expect(feedback).toContain(
    `- ✘ double, hidden (3 pt, hidden): double(${hidden}) is ${hidden}; expected ${2 * hidden}`,
  );
  const executed = await readNotebook(join(root, "grades-1", "executed", "ada", "exercise.ipynb"));
  expect(executed.cells.map((c) => c.id)).toContain("double-hidden");
}, 300_000);

test("grading again, one at a time, gives the same gradebook and feedback", async () => {
  await grade("grades-2", 1);
  expect(await Deno.readTextFile(join(root, "grades-2", "gradebook.csv"))).toBe(first);
  for await (const entry of Deno.readDir(join(root, "grades-1", "feedback"))) {
    const read = (out: string) => Deno.readTextFile(join(root, out, "feedback", entry.name));
    expect(await read("grades-2")).toBe(await read("grades-1"));
  }
}, 300_000);

test("bad options and sources are refused before anything is graded", async () => {
  const jobs = await gradeTask(submissions, join(root, "x"), "--jobs", "0");
  expect(jobs.code).toBe(1);
  expect(jobs.stderr).toContain("'--jobs' must be a whole number ≥ 1: current value is 0");
  const inside = await gradeTask(submissions, join(submissions, "grades"));
  expect(inside.stderr).toContain("as it lies inside the submissions folder");
  const nowhere = await gradeTask(join(root, "nowhere"), join(root, "z"));
  expect(nowhere.stderr).toContain(`Cannot grade as '${join(root, "nowhere")}' does not exist`);
  const noIds = join(root, "no-ids");
  const nb = await readNotebook(FIXTURE);
  delete nb.cells[1].id;
  await writeNotebook(join(noIds, "exercise.ipynb"), nb);
  const ids = await task([
    "grade",
    "--source",
    noIds,
    "--submissions",
    submissions,
    "--out",
    join(root, "y"),
  ]);
  expect(ids.stderr).toContain("as cell 2 has no id");
  expect(await Deno.stat(join(root, "y")).then(() => "written", () => "nothing")).toBe("nothing");
  // A solution that fails its own graded case would fail every attendee: it stops grading.
  const broken = join(root, "broken");
  const wrong = await readNotebook(FIXTURE);
  wrong.cells.find((c) => c.id === "double-solution")!.source =
    'function double(x: number): number {\n  throw new Error("broken");\n}';
  await writeNotebook(join(broken, "exercise.ipynb"), wrong);
  const refused = await task(
    ["grade", "--source", broken, "--submissions", submissions, "--out", join(root, "w")],
  );
  expect(refused.code).toBe(1);
  expect(refused.stderr.trim()).toBe(
    "error: Cannot grade exercise.ipynb as the course's solution fails the graded cases of 'double': " +
      "Error: broken",
  );
  expect(await Deno.stat(join(root, "w")).then(() => "written", () => "nothing")).toBe("nothing");
}, 120_000);
