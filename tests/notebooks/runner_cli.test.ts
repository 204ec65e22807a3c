import { expect, test } from "vitest";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../contract/files.ts";
import { readNotebook } from "../../kernel/jupyter/notebook.ts";
import { runNotebook } from "../../kernel/jupyter/runner.ts";
import { JupyterServer } from "../../kernel/jupyter/server.ts";
import {
  KERNEL_NAME,
  kernelsDir,
  kernelSpec,
  writeKernelSpec,
} from "../../kernel/jupyter/kernelspec.ts";
import { DENO, task } from "../helpers.ts";

/** Processes (pid and command line) whose environment carries `mark`: servers and kernels of one run. */
function processesMarked(mark: string): string[] {
  const found: string[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      if (!Deno.readTextFileSync(`/proc/${entry.name}/environ`).includes(mark)) continue;
      const cmd = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`).replaceAll("\0", " ");
      found.push(`${entry.name}: ${cmd}`);
    } catch { /* the process ended meanwhile */ }
  }
  return found;
}

const marker = () => ({ COURSE_TEST_RUN: crypto.randomUUID() });

/** Starts the runner on the endless fixture, as `deno task run` would, with piped output. */
async function runEndless(env: Record<string, string>, ...options: string[]) {
  return new Deno.Command(DENO, {
    args: [
      "run",
      "-A",
      "kernel/run.ts",
      "tests/fixtures/endless.ipynb",
      ...options,
      "--out",
      await Deno.makeTempDir(),
    ],
    cwd: PROJECT_ROOT,
    env,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
}

test(
  "a failing cell: exit 1, its number, its first lines and the error; later cells not run",
  async () => {
    const env = marker();
    const out = await Deno.makeTempDir();
    const { code, stdout } = await task(["run", "tests/fixtures/failing.ipynb", "--out", out], env);
    expect(code).toBe(1);
    expect(stdout).toContain("[2/4] ok");
    expect(stdout).toMatch(/\[3\/4\] error/);
    expect(stdout).not.toContain("[4/4]");
    expect(stdout).toContain(
      "✘ tests/fixtures/failing.ipynb: cell 3 of 4 failed: ReferenceError: notDefinedAnywhere is not defined",
    );
    expect(stdout).toContain("    | const y = notDefinedAnywhere + 2;");
    expect(stdout).toContain("0 passed, 1 failed");
    const executed = await readNotebook(join(out, "tests/fixtures/failing.ipynb"));
    expect(executed.cells[1].outputs).toEqual([{
      output_type: "stream",
      name: "stdout",
      text: "x is 40\n",
    }]);
    expect(executed.cells[2].outputs?.[0]).toMatchObject({
      output_type: "error",
      ename: "ReferenceError",
    });
    expect(executed.cells[3].outputs).toEqual([]);
    expect(processesMarked(env.COURSE_TEST_RUN)).toEqual([]);
  },
  60_000,
);

test("a cell that never ends is reported as timed out, and nothing is left running", async () => {
  const env = marker();
  const child = await runEndless(env, "--timeout", "4");
  let stdout = "";
  let seenRunning: string[] = [];
  for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
    stdout += chunk;
    // While the endless cell runs, the server and the kernel are there to be found.
    if (stdout.includes("[1/3] ok") && seenRunning.length === 0) {
      seenRunning = processesMarked(env.COURSE_TEST_RUN);
    }
  }
  const { code } = await child.status;
  await child.stderr.cancel();
  expect(code).toBe(1);
  expect(seenRunning.some((p) => p.includes("jupyter"))).toBe(true);
  expect(seenRunning.some((p) => p.includes("--kernel"))).toBe(true);
  expect(stdout).toContain(
    "✘ tests/fixtures/endless.ipynb: cell 2 of 3 timed out: timed out after 4 s; the kernel was restarted",
  );
  expect(stdout).not.toContain("[3/3]");
  expect(processesMarked(env.COURSE_TEST_RUN)).toEqual([]);
}, 60_000);

test("Ctrl-C shuts the server and kernels down", async () => {
  const env = marker();
  const child = await runEndless(env);
  let stdout = "";
  for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
    stdout += chunk;
    if (stdout.includes("[1/3] ok")) {
      expect(processesMarked(env.COURSE_TEST_RUN).length).toBeGreaterThanOrEqual(2);
      child.kill("SIGINT");
    }
  }
  const { code } = await child.status;
  await child.stderr.cancel();
  expect(code).toBe(130);
  expect(processesMarked(env.COURSE_TEST_RUN)).toEqual([]);
}, 60_000);

test(
  "`deno task run` on lesson 01 prints a line per code cell and writes the truth tables",
  async () => {
    const out = await Deno.makeTempDir();
    const { code, stdout } = await task([
      "run",
      "notebooks/01_mcculloch_pitts.ipynb",
      "--out",
      out,
    ]);
    expect(code).toBe(0);
    const source = await readNotebook(join(PROJECT_ROOT, "notebooks/01_mcculloch_pitts.ipynb"));
    const codeCells = source.cells.filter((c) => c.cell_type === "code").length;
    expect(stdout.split("\n").filter((l) => /^\s+\[\s*\d+\/\d+\] ok /.test(l)).length).toBe(
      codeCells,
    );
    const executed = await readNotebook(join(out, "notebooks/01_mcculloch_pitts.ipynb"));
    const texts = executed.cells.flatMap((c) => c.outputs ?? [])
      .map((o) => ("data" in o ? o.data["text/plain"] : "text" in o ? o.text : "") as string);
    expect(texts).toContain(
      [
        "Truth tables of AND and OR",
        "x1  x2  x1 AND x2  x1 OR x2",
        "--  --  ---------  --------",
        " 0   0          0         0",
        " 0   1          0         1",
        " 1   0          0         1",
        " 1   1          1         1",
      ].join("\n"),
    );
    expect(texts).toContain("Truth table of NOT\nx  NOT x\n-  -----\n0      1\n1      0");
  },
  60_000,
);

test(
  "--server runs notebooks on a server that is already running, and leaves it running",
  async () => {
    const server = await JupyterServer.start(PROJECT_ROOT);
    try {
      const { url, token } = server.address;
      const args = [
        "--server",
        url,
        "--token",
        token,
        "--root",
        PROJECT_ROOT,
        "--out",
        await Deno.makeTempDir(),
      ];
      const { code, stdout } = await task(["run", "notebooks/01_mcculloch_pitts.ipynb", ...args]);
      expect(code).toBe(0);
      expect(stdout).toContain("✔ notebooks/01_mcculloch_pitts.ipynb: ");
      const status = await fetch(`${url}/api/status`, {
        headers: { Authorization: `token ${token}` },
      });
      expect(status.ok).toBe(true);
      expect((await status.json()).kernels).toBe(0);
    } finally {
      await server.stop();
    }
  },
  60_000,
);

test("a kernel that dies is reported as such, not as a hang", async () => {
  const { code, stdout } = await task([
    "run",
    "tests/fixtures/kernel_dies.ipynb",
    "--out",
    await Deno.makeTempDir(),
  ]);
  expect(code).toBe(1);
  expect(stdout).toContain(
    "cell 2 of 3 failed: the kernel died while running this cell (out of memory, a crash, or Deno.exit)",
  );
}, 60_000);

test("without Jupyter, the runner says what to install", async () => {
  const { code, stdout } = await new Deno.Command(DENO, {
    args: ["run", "-A", "kernel/run.ts", "notebooks/00_setup.ipynb"],
    cwd: PROJECT_ROOT,
    env: { PATH: "/nonexistent" },
    stderr: "piped",
    stdin: "null",
  }).output().then((o) => ({ code: o.code, stdout: new TextDecoder().decode(o.stderr) }));
  expect(code).toBe(1);
  expect(stdout).toContain(
    "Cannot start a Jupyter server as neither 'jupyter-server' nor 'jupyter' is on PATH",
  );
  expect(stdout).toContain("sudo apt-get install jupyter-server");
});

test("bad arguments are refused before anything starts", async () => {
  const missing = await task(["run", "notebooks/nope.ipynb"]);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toContain("Cannot run 'notebooks/nope.ipynb' as it does not exist");
  const timeout = await task(["run", "notebooks/00_setup.ipynb", "--timeout", "soon"]);
  expect(timeout.stderr).toContain(
    "'--timeout' must be a number of seconds > 0: current value is soon",
  );
});

test(
  "a notebook's time limit stops the cell running when it runs out; contents may be given",
  async () => {
    const server = await JupyterServer.start(PROJECT_ROOT);
    try {
      const nb = await readNotebook(join(PROJECT_ROOT, "tests", "fixtures", "endless.ipynb"));
      nb.cells.splice(1, 0, {
        cell_type: "code",
        id: "wait",
        source: "await new Promise((resolve) => setTimeout(resolve, 2000));",
        metadata: {},
        outputs: [],
        execution_count: null,
      });
      // The path only names the session: no such file exists.
      const result = await runNotebook(
        server,
        join(PROJECT_ROOT, "tests", "fixtures", "given.ipynb"),
        {
          notebook: nb,
          timeoutS: 60,
          totalTimeoutS: 4,
        },
      );
      expect(result.cells.map((c) => c.status)).toEqual(["ok", "ok", "timeout"]);
      expect(result.failure?.error).toBe(
        "the notebook's time limit of 4 s ran out; the kernel was restarted",
      );
      expect(result.failure?.seconds).toBeGreaterThan(1);
      expect(result.failure?.seconds).toBeLessThan(3);
    } finally {
      await server.stop();
    }
  },
  60_000,
);

/**
 * A server whose `stuck` kernel hangs, silent, on its first `starts` starts (each start takes a
 * mark in `marks`), and then starts as the course kernel does.
 */
async function serverWithStuckKernel(starts: number) {
  const share = await Deno.makeTempDir({ prefix: "dl-course-kernels-" });
  const marks = await Deno.makeTempDir();
  const course = kernelSpec();
  // `exec sleep`: the restart's signal reaches the hung process itself, not a shell around it.
  const hang = `n=$(ls "$0" | wc -l); touch "$0/$n"; [ "$n" -lt ${starts} ] && exec sleep 600; ` +
    `exec "$@"`;
  await writeKernelSpec(kernelsDir({ prefix: share }), KERNEL_NAME, course);
  await writeKernelSpec(kernelsDir({ prefix: share }), "stuck", {
    ...course,
    argv: ["sh", "-c", hang, marks, ...course.argv],
  });
  const server = await JupyterServer.start(PROJECT_ROOT, {
    env: { JUPYTER_PATH: join(share, "share", "jupyter") },
  });
  return { server, starts: async () => (await Array.fromAsync(Deno.readDir(marks))).length };
}

test(
  "a kernel that hangs on its first start is restarted once, and the notebook runs",
  async () => {
    const { server, starts } = await serverWithStuckKernel(1);
    try {
      const result = await runNotebook(server, join(PROJECT_ROOT, "tests/fixtures/failing.ipynb"), {
        kernelName: "stuck",
        startTimeoutS: 20,
      });
      expect(result.cells[0]).toMatchObject({ status: "ok" });
      expect(await starts()).toBe(2);
    } finally {
      await server.stop();
    }
  },
  120_000,
);

test("a kernel that hangs on every start fails the run with a line that says so", async () => {
  const { server, starts } = await serverWithStuckKernel(99);
  try {
    const run = runNotebook(server, join(PROJECT_ROOT, "tests/fixtures/failing.ipynb"), {
      kernelName: "stuck",
      startTimeoutS: 5,
    });
    await expect(run).rejects.toThrow(/^the kernel did not start within 5 s, twice/);
    expect(await starts()).toBe(2);
  } finally {
    await server.stop();
  }
}, 120_000);
