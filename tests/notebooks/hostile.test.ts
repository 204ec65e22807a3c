import { afterAll, beforeAll, expect, test } from "vitest";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../contract/files.ts";
import {
  type Cell,
  type Notebook,
  readNotebook,
  writeNotebook,
} from "../../kernel/jupyter/notebook.ts";
import { releaseNotebook } from "../../kernel/exercises/student.ts";
import { controls, DENO, notPrivate, task } from "../helpers.ts";

const FIXTURE = join(PROJECT_ROOT, "tests", "fixtures", "exercise.ipynb");
const SECRET = "TOP-SECRET-the-instructor-only";
/** What an attendee's error message holds to forge a line on the instructor's terminal. */
const FORGED =
  "boom\x1b[2K\r\n[1/9] honest exercise.ipynb: 5 / 5 points (passed) in 1.0 s\x1b]0;x\x07";
const FORMULA = '=HYPERLINK("evil.example","click")';

let root: string, source: string, submissions: string, secret: string;
/** A Unix socket of root's elsewhere on the machine (as Docker's is), and who connected to it. */
let rootSocket: Deno.Listener;
const socketConnections: string[] = [];
let solutions: Notebook, released: Notebook;

const code = (id: string, text: string): Cell => ({
  cell_type: "code",
  id,
  source: text,
  metadata: {},
  outputs: [],
  execution_count: null,
});

/** The notebook with `solution` for `double` (the course's if absent) and cells after setup. */
function attempt(solution?: string, ...extra: string[]): Notebook {
  const nb = structuredClone(solutions);
  if (solution) nb.cells.find((c) => c.id === "double-solution")!.source = solution;
  const at = nb.cells.findIndex((c) => c.id === "setup") + 1;
  nb.cells.splice(at, 0, ...extra.map((text, i) => code(`extra-${i}`, text)));
  return nb;
}

beforeAll(async () => {
  root = await Deno.makeTempDir({ prefix: "dl-course-hostile-" });
  source = join(root, "source");
  submissions = join(root, "submissions");
  await Deno.mkdir(source);
  await Deno.copyFile(FIXTURE, join(source, "exercise.ipynb"));
  solutions = await readNotebook(FIXTURE);
  released = releaseNotebook(solutions);
  // A file of the instructor's elsewhere on the machine: root's, 0600.
  secret = join(root, "secret.txt");
  await Deno.writeTextFile(secret, SECRET);
  await Deno.chmod(secret, 0o600);
  rootSocket = Deno.listen({ transport: "unix", path: join(root, "root.sock") });
  (async () => {
    for await (const conn of rootSocket) {
      socketConnections.push("connected");
      conn.close();
    }
  })().catch(() => {});
  const attendees: Record<string, Notebook> = {
    honest: solutions,
    // The server's socket, in the sandbox's home, replaced by a link to root's socket.
    "links-socket": attempt(
      undefined,
      `const home = Deno.env.get("HOME")!;
Deno.removeSync(home + "/jupyter.sock");
Deno.symlinkSync(${JSON.stringify(join(root, "root.sock"))}, home + "/jupyter.sock");`,
    ),
    "links-secret": attempt(
      'console.log(Deno.readTextFileSync("secret.txt"));\n' +
        "function double(x: number): number {\n  return 0;\n}",
    ),
    fifo: attempt(
      undefined,
      'import type { Shape } from "./shape.ts";\nconst s: Shape | undefined = undefined;',
      'new Deno.Command("mkfifo", { args: ["shape.ts"] }).outputSync();',
    ),
    flood: attempt(
      undefined,
      `const big = "x".repeat(24 * 2 ** 20);
for (let i = 0; i < 60; i++) {
  await Deno.jupyter.broadcast("display_data", { data: { "text/plain": big }, metadata: {}, transient: {} });
  await new Promise((r) => setTimeout(r, 100)); // paced, so that its own kernel lives on
}`,
    ),
    escapes: attempt(
      `function double(x: number): number {\n  throw new Error(${JSON.stringify(FORGED)});\n}`,
    ),
    [FORMULA]: released,
  };
  for (const [name, nb] of Object.entries(attendees)) {
    await writeNotebook(join(submissions, name, "exercise.ipynb"), nb);
  }
  await Deno.symlink(secret, join(submissions, "links-secret", "secret.txt"));
  await Deno.mkdir(join(submissions, "links-notebook"));
  await Deno.symlink(
    join(submissions, "honest", "exercise.ipynb"),
    join(submissions, "links-notebook", "exercise.ipynb"),
  );
}, 60_000);

afterAll(async () => {
  rootSocket?.close();
  await Deno.remove(root, { recursive: true }).catch(() => {});
});

/** Every command line seen while grading, as `ps` shows them to every user of the machine. */
const commandLines = new Set<string>();

/** Resident memory (KiB) of every process of the grading run: the grader and its processes. */
function graderMemoryKiB(): number {
  let total = 0;
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const cmdline = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`);
      commandLines.add(cmdline.replaceAll("\0", " "));
      if (!/kernel\/(grade|exercises\/task)\.ts/.test(cmdline)) continue;
      const status = Deno.readTextFileSync(`/proc/${entry.name}/status`);
      total += Number(status.match(/^VmRSS:\s+(\d+)/m)?.[1] ?? 0);
    } catch { /* exited meanwhile */ }
  }
  return total;
}

const rowsOf = (csv: string) => csv.trim().split("\n").slice(1);

test(
  "hostile submissions: no link followed, no hang, no flood, inert text; the honest attendee " +
    "gets full points, and the grades are the instructor's only",
  async () => {
    const out = join(root, "grades");
    let peak = 0;
    const sampler = setInterval(() => peak = Math.max(peak, graderMemoryKiB()), 250);
    const graded = await task([
      "grade",
      "--source",
      source,
      "--submissions",
      submissions,
      "--out",
      out,
      "--jobs",
      "2",
      "--timeout",
      "40",
      "--memory",
      "3072",
      "--seed",
      "7",
    ]).finally(() => clearInterval(sampler));
    expect(graded.code, graded.stderr).toBe(0);
    const csv = await Deno.readTextFile(join(out, "gradebook.csv"));
    const row = (attendee: string) => rowsOf(csv).filter((r) => r.startsWith(`${attendee},`));
    expect(row("honest")).toEqual(["honest,exercise.ipynb,double,5,5,passed"]);
    // The link's target keeps its owner, mode and contents, and the attendee never read it.
    const info = await Deno.stat(secret);
    expect([info.uid, info.mode! & 0o777]).toEqual([0, 0o600]);
    expect(await Deno.readTextFile(secret)).toBe(SECRET);
    const executed = (who: string) =>
      Deno.readTextFile(join(out, "executed", who, "exercise.ipynb"));
    expect(await executed("links-secret")).not.toContain(SECRET);
    expect(row("links-secret")[0]).toMatch(/,0,5,error: NotFound: No such file .*secret\.txt/);
    expect(row("links-notebook")).toEqual([
      `links-notebook,exercise.ipynb,double,0,5,"error: Cannot read '${submissions}/` +
      "links-notebook/exercise.ipynb' as it is a symbolic link, which is never followed\"",
    ]);
    // The FIFO the kernel made is not in the type check's fresh copy: the hint names the import.
    expect(row("fifo")).toEqual(["fifo,exercise.ipynb,double,5,5,passed"]);
    expect(await Deno.readTextFile(join(out, "feedback", "fifo.md"))).toMatch(
      /\n- cell 3, line 1: Cannot find module 'file:\/\/\/.*\/notebooks\/shape\.ts'\.\n/,
    );
    // The flood is cut with a line; the grader's memory stays bounded.
    expect(await executed("flood")).toContain(
      "[outputs left out from here: this cell's outputs reached 8 MiB, the most a run keeps]",
    );
    // (The flood may outlast its cell's time, or kill its own kernel: that is the flooder's grade.)
    expect(row("flood").length).toBe(1);
    console.log(`the grader's peak resident memory: ${(peak / 1024).toFixed(0)} MiB`);
    expect(peak).toBeGreaterThan(0);
    expect(peak / 2 ** 20).toBeLessThan(1); // GiB
    // Escape sequences reach neither the terminal nor the files; formulas are neutralised.
    const printed = graded.stdout;
    expect(controls(printed)).toEqual([]);
    expect(printed.split("\n").filter((l) => /^\[\d+\/\d+\] honest /.test(l)).length).toBe(1);
    expect(row("escapes")[0]).toContain("boom [2K  [1/9] honest exercise.ipynb");
    for (const file of ["gradebook.csv", "feedback/escapes.md"]) {
      expect(controls(await Deno.readTextFile(join(out, file)))).toEqual([]);
    }
    expect(rowsOf(csv).filter((r) => r.startsWith("=") || r.startsWith('"='))).toEqual([]);
    expect(csv).toContain(
      `"'=HYPERLINK(""evil.example"",""click"")",exercise.ipynb,double,0,5,not done yet`,
    );
    expect(await notPrivate(out)).toEqual([]);
    // No connection to root's socket through the link; no token or seed on a command line.
    expect(socketConnections).toEqual([]);
    expect(row("links-socket").length).toBe(1);
    const leaks = [...commandLines].filter((c) => /token=|COURSE_GRADING_SEED/.test(c));
    expect(commandLines.size).toBeGreaterThan(10);
    expect(leaks).toEqual([]);
    expect(rowsOf(csv).length).toBe(8);
  },
  600_000,
);

/** Processes still running a grading process, or in a sandbox (as `nobody`). */
function leftRunning(): string[] {
  const left: string[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const cmdline = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`).replaceAll("\0", " ");
      const nobody = /^Uid:\s+65534\b/m.test(Deno.readTextFileSync(`/proc/${entry.name}/status`));
      if (cmdline.includes("kernel/exercises/task.ts") || nobody) left.push(cmdline);
    } catch { /* exited meanwhile */ }
  }
  return left;
}

test(
  "a grading killed half way keeps its grades, and grading again finishes the rest only",
  async () => {
    const from = join(root, "resume");
    for (const [name, nb] of Object.entries({ ada: solutions, bob: released, cyd: solutions })) {
      await writeNotebook(join(from, name, "exercise.ipynb"), nb);
    }
    const out = join(root, "resumed");
    const args = ["--source", source, "--submissions", from, "--out", out, "--timeout", "60"];
    const grader = new Deno.Command(DENO, {
      args: ["run", "-A", join(PROJECT_ROOT, "kernel", "grade.ts"), ...args, "--seed", "11"],
      cwd: PROJECT_ROOT,
      env: { NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const lines = grader.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let printed = "";
    while (!printed.includes("[1/3]")) {
      const { value, done } = await lines.read();
      if (done) break;
      printed += value;
    }
    expect(printed).toMatch(/\[1\/3\] ada exercise\.ipynb: 5 \/ 5 points/);
    grader.kill("SIGKILL");
    await grader.status;
    await lines.cancel();
    for (let i = 0; i < 50 && leftRunning().length; i++) {
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(leftRunning()).toEqual([]);
    expect(rowsOf(await Deno.readTextFile(join(out, "gradebook.csv"))))
      .toEqual(["ada,exercise.ipynb,double,5,5,passed"]);
    const kept = [...Deno.readDirSync(join(out, "results"))].map((e) => e.name);
    const again = await task(["grade", ...args]);
    expect(again.code, again.stderr).toBe(0);
    // What the second grading printed, should it not say what is expected (once in a cold run).
    const said = `${again.stdout}\nresults before: ${kept.join(", ")}`;
    expect(again.stdout, said).toContain(
      "inputs drawn from seed 11 ('--seed 11' draws them again)",
    );
    expect(again.stdout, said).toContain("1 of 3 notebooks were graded before with this seed");
    expect(again.stdout).toMatch(/\[1\/2\] bob exercise\.ipynb: 0 \/ 5 points \(not done yet\)/);
    expect(again.stdout).toMatch(/\[2\/2\] cyd exercise\.ipynb: 5 \/ 5 points \(passed\)/);
    expect(again.stdout).not.toMatch(/\] ada /);
    expect(rowsOf(await Deno.readTextFile(join(out, "gradebook.csv")))).toEqual([
      "ada,exercise.ipynb,double,5,5,passed",
      "bob,exercise.ipynb,double,0,5,not done yet",
      "cyd,exercise.ipynb,double,5,5,passed",
    ]);
  },
  600_000,
);
