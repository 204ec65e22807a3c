import { afterAll, beforeAll, expect, test } from "vitest";
import { join } from "node:path";
import { caseSeed } from "../../contract/exercises.ts";
import { PROJECT_ROOT } from "../../contract/files.ts";
import { seededRandom, uniform } from "../../lib/data/random.ts";
import { type Notebook, readNotebook, writeNotebook } from "../../kernel/jupyter/notebook.ts";
import { releaseNotebook } from "../../kernel/exercises/student.ts";
import { type Cluster, startCluster } from "../cluster/slurm.ts";
import { DENO, notPrivate, task } from "../helpers.ts";

const FIXTURE = join(PROJECT_ROOT, "tests", "fixtures", "exercise.ipynb");
/** One task at a time on the test's one node: the cancelled task is still waiting. */
const CPUS = String(navigator.hardwareConcurrency);

let cluster: Cluster, root: string, source: string, submissions: string;

beforeAll(async () => {
  cluster = await startCluster();
  root = await Deno.makeTempDir({ prefix: "dl-course-slurm-grading-" });
  source = join(root, "source");
  submissions = join(root, "submissions");
  await Deno.mkdir(source);
  await Deno.copyFile(FIXTURE, join(source, "exercise.ipynb"));
  const solutions = await readNotebook(FIXTURE);
  const mistyped: Notebook = structuredClone(releaseNotebook(solutions));
  mistyped.cells.find((c) => c.id === "double-solution")!.source =
    'function double(x: number): number {\n  return "2" + x;\n}';
  const attendees = { ada: solutions, bob: releaseNotebook(solutions), carl: mistyped };
  for (const [name, nb] of Object.entries(attendees)) {
    await writeNotebook(join(submissions, name, "exercise.ipynb"), nb);
  }
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
  await Deno.remove(root, { recursive: true }).catch(() => {});
});

const grade = (out: string, ...options: string[]) =>
  task([
    "grade",
    "--source",
    source,
    "--submissions",
    submissions,
    "--out",
    join(root, out),
    "--timeout",
    "30",
    "--seed",
    "7",
    ...options,
  ], cluster.env);

const read = (out: string, file: string) => Deno.readTextFile(join(root, out, file));

test("grading as Slurm jobs writes the same gradebook and feedback as a local run", async () => {
  // The first input the fixture's check draws from seed 7.
  const x = uniform(seededRandom(caseSeed(7, "double")), -100, 100);
  const local = await grade("local", "--jobs", "1");
  expect(local.code, local.stderr).toBe(0);
  const slurm = await grade("slurm", "--slurm", "--cpus", CPUS);
  expect(slurm.code, slurm.stderr).toBe(0);
  expect(slurm.stdout).toMatch(/^submitted Slurm job \d+: 3 notebooks, one task each$/m);
  expect(slurm.stdout).toMatch(/\[\d\/3\] ada exercise\.ipynb: 5 \/ 5 points \(passed\) after/);
  expect(await read("slurm", "gradebook.csv")).toBe(await read("local", "gradebook.csv"));
  for (const attendee of ["ada", "bob", "carl"]) {
    const feedback = `feedback/${attendee}.md`;
    expect(await read("slurm", feedback)).toBe(await read("local", feedback));
  }
  expect(await read("slurm", "gradebook.csv")).toBe(
    "attendee,notebook,exercise,points,max,status\n" +
      "ada,exercise.ipynb,double,5,5,passed\n" +
      "bob,exercise.ipynb,double,0,5,not done yet\n" +
      `carl,exercise.ipynb,double,0,5,"failed: double(${x}) is ""2${x}""; expected ${2 * x} ` +
      `(within 1e-12)"\n`,
  );
  // Type errors are hints in the feedback, not scored.
  expect(await read("slurm", "feedback/carl.md")).toContain(
    "### Type errors (hints, not scored)\n\nThe kernel runs code without checking its types, " +
      "so these did not stop your notebook.\n\n" +
      "- cell 3, line 2: Type 'string' is not assignable to type 'number'.\n",
  );
  expect(await read("slurm", "feedback/ada.md")).not.toContain("Type errors");
  // The job's files are gone once every task left its grade.
  expect(await Deno.stat(join(root, "slurm", "slurm")).then(() => "kept", () => "gone"))
    .toBe("gone");
}, 300_000);

test(
  "tasks cancelled with scancel are their notebooks' failures; the others are graded",
  async () => {
    const grading = new Deno.Command(DENO, {
      args: ["task", "-q", "grade", "--source", source, "--submissions", submissions, "--out"]
        .concat([join(root, "cancelled"), "--timeout", "30", "--slurm", "--cpus", CPUS]),
      cwd: PROJECT_ROOT,
      env: { NO_COLOR: "1", ...cluster.env },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const lines = grading.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let printed = "";
    let job: string | undefined;
    while (!job) {
      const { value, done } = await lines.read();
      if (done) break;
      printed += value;
      job = printed.match(/submitted Slurm job (\d+)/)?.[1];
    }
    expect(job, printed).toBeDefined();
    const slurm = async (command: string, ...args: string[]) => {
      const { code, stdout } = await new Deno.Command(command, { args, env: cluster.env }).output();
      expect(code).toBe(0);
      return new TextDecoder().decode(stdout);
    };
    // carl's notebook, the array's last task, is cancelled while it waits behind the others;
    // ada's, the first, once it runs.
    await slurm("scancel", `${job}_2`);
    while (!(await slurm("squeue", "-h", "-r", "-j", job!, "-o", "%i %T")).includes("_0 RUNNING")) {
      await new Promise((r) => setTimeout(r, 200));
    }
    await slurm("scancel", `${job}_0`);
    for (let r = await lines.read(); !r.done; r = await lines.read()) printed += r.value;
    expect((await grading.status).code, printed).toBe(0);
    expect(await read("cancelled", "gradebook.csv")).toBe(
      "attendee,notebook,exercise,points,max,status\n" +
        `ada,exercise.ipynb,double,0,5,error: the Slurm job ${job}_0 ended CANCELLED before ` +
        "grading finished; grade again\n" +
        "bob,exercise.ipynb,double,0,5,not done yet\n" +
        `carl,exercise.ipynb,double,0,5,error: the Slurm job ${job}_2 never started (cancelled ` +
        "while it waited); grade again\n",
    );
    // The log of the task that ran and was cancelled stays for the instructor; nothing else.
    expect([...Deno.readDirSync(join(root, "cancelled", "slurm"))].map((e) => e.name))
      .toEqual(["0.log"]);
    // Slurm wrote its log with the grader's umask: the instructor's only, as everything there.
    expect(await notPrivate(join(root, "cancelled"))).toEqual([]);
    await grading.stderr.cancel();
  },
  300_000,
);
