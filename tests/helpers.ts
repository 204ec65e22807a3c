/** Helpers shared by the tests: running the project's tasks as a user would. */
import { join } from "node:path";
import { PROJECT_ROOT } from "../contract/files.ts";
import { jupyterPython } from "../kernel/jupyter/trust.ts";
import { findAdapter } from "../lib/backend/init.ts";

/** The project's pinned Deno, as `npm ci` installed it. */
export const DENO = join(PROJECT_ROOT, "node_modules", ".bin", "deno");

/** Runs `deno task <args>` in the project (or another checkout) and returns its exit code and output. */
export async function task(
  args: string[],
  env: Record<string, string> = {},
  checkout = PROJECT_ROOT,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await new Deno.Command(DENO, {
    args: ["task", "-q", ...args],
    cwd: checkout,
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
  }).output();
  const text = new TextDecoder();
  return { code, stdout: text.decode(stdout), stderr: text.decode(stderr) };
}

/** Runs a command and returns its stdout; throws with its stderr if it fails. */
export async function run(
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command(command, { args, env, stdin: "null" })
    .output();
  const text = new TextDecoder();
  if (code !== 0) {
    throw new Error(`${command} ${args.join(" ")} failed (${code}): ${text.decode(stderr)}`);
  }
  return text.decode(stdout);
}

/**
 * Validates a notebook file against the nbformat 4 schema with Jupyter's own `nbformat`, run by the
 * Python that runs `jupyter`.
 */
export async function validateNotebook(path: string): Promise<void> {
  const python = await jupyterPython();
  if (!python) throw new Error("Cannot validate notebooks as 'jupyter' is not on PATH");
  await run(python, [
    "-c",
    "import sys, nbformat; nbformat.validate(nbformat.read(sys.argv[1], as_version=nbformat.NO_CONVERT))",
    path,
  ]);
}

/**
 * Fails, with the fix, where Deno finds no WebGPU adapter: tests that need one never skip. Without
 * a GPU, Mesa's software renderer (llvmpipe) provides one; `npm test` installs it.
 */
export async function requireWebGpu(what: string): Promise<void> {
  if (!(await findAdapter())) {
    throw new Error(
      `Cannot ${what} as Deno finds no WebGPU adapter: install a GPU driver, or Mesa's software ` +
        "renderer with 'sudo apt-get install libegl1 libegl-mesa0 libgl1-mesa-dri'",
    );
  }
}

/**
 * The control characters in `text` but line breaks (C0, DEL, C1) and the right-to-left override:
 * what attendee text must never carry to a terminal or a file.
 */
export function controls(text: string): string[] {
  return [...text].filter((c) => {
    const n = c.codePointAt(0)!;
    return (n < 32 && n !== 10) || (n >= 0x7f && n <= 0x9f) || n === 0x202e;
  });
}

/** A hub started as `deno task hub` starts it, and what it has printed so far. */
export interface HubProcess {
  child: Deno.ChildProcess;
  url: string;
  printed: () => string;
}

/**
 * Starts `kernel/hub.ts` with `args` (directly, so that a test's signal reaches it) and waits until
 * it says it is up.
 */
export async function startHubProcess(args: string[]): Promise<HubProcess> {
  const child = new Deno.Command(DENO, {
    args: ["run", "-A", join(PROJECT_ROOT, "kernel", "hub.ts"), ...args],
    cwd: PROJECT_ROOT,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  let printed = "";
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  while (!printed.includes("Ctrl-C stops")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the hub did not start: ${printed}`);
    printed += value;
  }
  (async () => {
    for (let r = await reader.read(); !r.done; r = await reader.read()) printed += r.value;
  })();
  return { child, url: printed.match(/JupyterHub at (\S+):/)![1], printed: () => printed };
}

/** Every path under `dir` whose mode is not the instructor's only (0700 folders, 0600 files). */
export async function notPrivate(dir: string): Promise<string[]> {
  const wrong: string[] = [];
  const walk = async (path: string) => {
    const info = await Deno.lstat(path);
    const want = info.isDirectory ? 0o700 : 0o600;
    if ((info.mode! & 0o777) !== want) wrong.push(`${path} ${(info.mode! & 0o777).toString(8)}`);
    if (info.isDirectory) {
      for await (const e of Deno.readDir(path)) {
        await walk(join(path, e.name));
      }
    }
  };
  await walk(dir);
  return wrong;
}
