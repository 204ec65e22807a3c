/**
 * Used by `deno task course`, `deno task doctor`, `deno task grade`, `deno task run`, `deno task
 * setup` and `deno task test`.
 *
 * The sandbox in which grading runs attendees' code: bubblewrap (Linux user namespaces, from
 * Debian's `bubblewrap`) around a Jupyter server and the kernels it starts, because Deno's kernel
 * itself always runs with every permission.
 *
 * Inside, the file system holds only the system (`/usr`, `/etc`, read-only), the parts of the
 * project a lesson imports (`deno.json`, `package.json`, `node_modules/`, `lib/`, `datasets/`,
 * read-only), the attendee's scratch folder mounted as the project's `notebooks/` (read-write), the
 * server's own folder, and a small `/tmp`. Source notebooks, hidden checks, other attendees'
 * submissions, the grader's output and the rest of the machine are simply not there. There is no
 * network but the sandbox's own loopback, and resource limits bound memory, processes, CPU time and
 * file size. Run as root, the sandbox drops to the user `nobody` first, since the kernel exempts
 * root from the process limit.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { LIBRARY_PARTS, onPath, PROJECT_ROOT } from "../../contract/files.ts";

/** Resource limits of a sandbox. */
export interface SandboxLimits {
  /**
   * Memory each process may map writable, in MiB (`RLIMIT_DATA`). It counts reservations, not use:
   * a kernel with tfjs's threaded wasm backend has about 5 GiB mapped before it computes anything.
   */
  memoryMb: number;
  /** Processes and threads the sandbox may hold at once (`RLIMIT_NPROC`). */
  processes: number;
  /** CPU seconds each process may use (`RLIMIT_CPU`). */
  cpuSeconds: number;
  /** Largest file a process may write, in MiB (`RLIMIT_FSIZE`); also the size of `/tmp`. */
  fileMb: number;
}

/**
 * Limits that fit every lesson with room to spare. Deno and V8 start threads per CPU core, so the
 * process limit grows with the machine.
 *
 * @example
 * ```ts
 * import { defaultLimits } from "./sandbox.ts";
 * defaultLimits().memoryMb; // 8192
 * ```
 */
export function defaultLimits(): SandboxLimits {
  return {
    memoryMb: 8192,
    processes: Math.max(256, 8 * navigator.hardwareConcurrency),
    cpuSeconds: 3600,
    fileMb: 256,
  };
}

/** A sandbox: where it may write and what bounds it. */
export interface Sandbox {
  /** Host folder seen inside as the project's `notebooks/`, where the kernel works; read-write. */
  work: string;
  /** Host folder seen inside at the same path (the server's runtime files); read-write. */
  home: string;
  limits: SandboxLimits;
  /** The whole environment inside; nothing else of the caller's leaks in. */
  env: Record<string, string>;
  /** Host folders seen inside at the same path, read-only, such as the course's data cache. */
  data?: string[];
}

/** The project's `notebooks/` folder as the sandbox shows it: the attendee's scratch folder. */
export const SANDBOX_NOTEBOOKS = join(PROJECT_ROOT, "notebooks");

/** The unprivileged user a root grader hands attendees' code to. */
const NOBODY = 65534;

/**
 * The user that sandboxed code runs as: `nobody` when the grader is root, else the grader.
 *
 * @example
 * ```ts
 * import { sandboxUser } from "./sandbox.ts";
 * sandboxUser(); // 65534 under root, else Deno.uid()
 * ```
 */
export function sandboxUser(): number {
  const uid = Deno.uid() ?? NOBODY;
  return uid === 0 ? NOBODY : uid;
}

/**
 * Makes a folder (and what it holds) the sandbox user's, so sandboxed code can write there. A
 * link is never followed (`chown` would change its target's owner); the folders handed over hold
 * only what the grader wrote.
 *
 * @example
 * ```ts
 * import { handOver } from "./sandbox.ts";
 * const dir = await Deno.makeTempDir();
 * await handOver(dir);
 * ```
 */
export async function handOver(path: string): Promise<void> {
  const uid = sandboxUser();
  if (uid === Deno.uid()) return;
  const info = await Deno.lstat(path);
  if (info.isSymlink) return;
  await Deno.chown(path, uid, uid);
  if (!info.isDirectory) return;
  for await (const entry of Deno.readDir(path)) await handOver(join(path, entry.name));
}

function bubblewrap(): string {
  const path = onPath("bwrap");
  if (path) return path;
  throw new Error(
    "Cannot grade in a sandbox as 'bwrap' is not on PATH: install bubblewrap (Debian/Ubuntu: " +
      "'sudo apt-get install bubblewrap'); it runs attendees' code without network, without " +
      "access to other files and with resource limits",
  );
}

function checkLimits(limits: SandboxLimits): void {
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value <= 0) {
      throw new Error(
        `Cannot start a sandbox as the limit '${name}' must be a whole number > 0: ` +
          `current value is ${value}`,
      );
    }
  }
}

/** How to start a sandbox: its command line, and what to write to its stdin. */
export interface SandboxLaunch {
  argv: string[];
  /**
   * bubblewrap's options (`--args 0`), NUL-separated: the environment inside (the grading's seed)
   * never appears in a command line that `ps` shows every user.
   */
  stdin: Uint8Array;
}

/**
 * How to run `command` inside a sandbox.
 *
 * @example
 * ```ts
 * import { defaultLimits, sandboxCommand } from "./sandbox.ts";
 * const { argv, stdin } = sandboxCommand(["/usr/bin/python3", "-c", "print(1)"], {
 *   work: "/tmp/alice", home: "/tmp/server", limits: defaultLimits(), env: { PATH: "/usr/bin" },
 * });
 * ```
 */
export function sandboxCommand(command: string[], sandbox: Sandbox): SandboxLaunch {
  checkLimits(sandbox.limits);
  const { memoryMb, processes, cpuSeconds, fileMb } = sandbox.limits;
  const mb = 2 ** 20;
  const user = Deno.uid() === 0
    ? ["setpriv", `--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups"]
    : [];
  const project = LIBRARY_PARTS.map((part) => join(PROJECT_ROOT, part)).filter(existsSync)
    .flatMap((path) => ["--ro-bind", path, path]);
  const options = [
    "--unshare-all",
    "--unshare-user",
    "--disable-userns",
    "--die-with-parent",
    "--new-session",
    "--ro-bind",
    "/usr",
    "/usr",
    "--ro-bind",
    "/etc",
    "/etc",
    ...["bin", "lib", "lib64", "sbin"].filter((l) => existsSync(`/${l}`)).flatMap((l) =>
      Deno.lstatSync(`/${l}`).isSymlink
        ? ["--symlink", `usr/${l}`, `/${l}`]
        : ["--ro-bind", `/${l}`, `/${l}`]
    ),
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--size",
    String(fileMb * mb),
    "--tmpfs",
    "/tmp",
    ...project,
    ...(sandbox.data ?? []).filter(existsSync).flatMap((path) => ["--ro-bind", path, path]),
    "--bind",
    sandbox.work,
    SANDBOX_NOTEBOOKS,
    "--bind",
    sandbox.home,
    sandbox.home,
    // Nothing else is writable, not even in memory: the root and /dev are tmpfs without a size.
    "--remount-ro",
    "/",
    "--remount-ro",
    "/dev",
    "--chdir",
    SANDBOX_NOTEBOOKS,
    "--clearenv",
    ...Object.entries(sandbox.env).flatMap(([name, value]) => ["--setenv", name, value]),
  ];
  const inside = [
    // Set inside the new user namespace, so that each sandbox counts its own processes.
    "prlimit",
    `--data=${memoryMb * mb}`,
    `--nproc=${processes}`,
    `--cpu=${cpuSeconds}`,
    `--fsize=${fileMb * mb}`,
    "--core=0",
    "--",
    ...command,
  ];
  // bubblewrap takes options from a file descriptor, the command only from its command line.
  const stdin = new TextEncoder().encode(options.map((o) => `${o}\0`).join(""));
  return { argv: [...user, bubblewrap(), "--args", "0", "--", ...inside], stdin };
}

/**
 * Starts a sandbox's process: its arguments go to bubblewrap on stdin, which the process inside
 * then sees at its end.
 *
 * @example
 * ```ts
 * import { defaultLimits, sandboxCommand, spawnSandbox } from "./sandbox.ts";
 * const launch = sandboxCommand(["true"], {
 *   work: "/tmp/alice", home: "/tmp/server", limits: defaultLimits(), env: {},
 * });
 * await spawnSandbox(launch, { stdout: "null", stderr: "null" }).status;
 * ```
 */
export function spawnSandbox(
  launch: SandboxLaunch,
  options: Omit<Deno.CommandOptions, "args" | "stdin">,
): Deno.ChildProcess {
  const child = new Deno.Command(launch.argv[0], {
    ...options,
    args: launch.argv.slice(1),
    stdin: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  writer.write(launch.stdin).then(() => writer.close()).catch(() => {});
  return child;
}

/**
 * The environment of a process in a sandbox whose own folder is `home`: Deno's cache in the
 * sandbox's `/tmp`, no colour codes.
 *
 * @example
 * ```ts
 * import { sandboxEnv } from "./sandbox.ts";
 * sandboxEnv("/tmp/server").DENO_DIR; // "/tmp/deno"
 * ```
 */
export function sandboxEnv(home: string): Record<string, string> {
  return { PATH: "/usr/bin:/bin", HOME: home, DENO_DIR: "/tmp/deno", NO_COLOR: "1" };
}

/** The most a sandboxed command's output is kept: its end, where the errors are. */
const OUTPUT_CHARS = 2 ** 20;

/**
 * What a process's stream says, at most its last `chars` characters: a process that prints for
 * ever costs no more memory than that.
 *
 * @example
 * ```ts
 * import { tail } from "./sandbox.ts";
 * const child = new Deno.Command("echo", { args: ["hi"], stdout: "piped" }).spawn();
 * await tail(child.stdout, 100); // "hi\n"
 * ```
 */
export async function tail(
  stream: ReadableStream<Uint8Array<ArrayBuffer>>,
  chars: number,
): Promise<string> {
  let text = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    text = (text + chunk).slice(-chars);
  }
  return text;
}

/**
 * Runs one command to its end in a sandbox on `work`, with a fresh home folder of its own, and
 * returns its exit code and what it printed (the last MiB). With `timeoutS`, the sandbox is killed
 * once that time has passed, and this throws saying so.
 *
 * @example
 * ```ts
 * import { defaultLimits, runSandboxed } from "./sandbox.ts";
 * const work = await Deno.makeTempDir();
 * const { code } = await runSandboxed(["true"], { work, limits: defaultLimits(), env: {} });
 * ```
 */
export async function runSandboxed(
  command: string[],
  sandbox: Omit<Sandbox, "home"> & { timeoutS?: number },
): Promise<{ code: number; output: string }> {
  const home = await Deno.makeTempDir({ prefix: "dl-course-sandbox-" });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await handOver(home);
    const env = { ...sandboxEnv(home), ...sandbox.env };
    const launch = sandboxCommand(command, { ...sandbox, home, env });
    const child = spawnSandbox(launch, { stdout: "piped", stderr: "piped" });
    let late = false;
    if (sandbox.timeoutS !== undefined) {
      timer = setTimeout(() => {
        late = true;
        try {
          child.kill("SIGKILL"); // bubblewrap's --die-with-parent ends what runs inside
        } catch { /* it ended meanwhile */ }
      }, sandbox.timeoutS * 1000);
    }
    const [stdout, stderr, { code }] = await Promise.all([
      tail(child.stdout, OUTPUT_CHARS),
      tail(child.stderr, OUTPUT_CHARS),
      child.status,
    ]);
    if (late) {
      throw new Error(`it did not finish within ${sandbox.timeoutS} s and was stopped`);
    }
    return { code, output: stdout + stderr };
  } finally {
    clearTimeout(timer);
    await Deno.remove(home, { recursive: true }).catch(() => {});
  }
}

/**
 * Starts an empty sandbox once, so that a machine that cannot run one fails before grading
 * starts, with the reason, rather than once for every attendee.
 *
 * @example
 * ```ts
 * import { checkSandbox, defaultLimits } from "./sandbox.ts";
 * await checkSandbox(defaultLimits());
 * ```
 */
export async function checkSandbox(limits: SandboxLimits): Promise<void> {
  const work = await Deno.makeTempDir({ prefix: "dl-course-sandbox-" });
  try {
    await handOver(work);
    const { code, output } = await runSandboxed(["true"], { work, limits, env: {} });
    if (code !== 0) {
      throw new Error(
        `Cannot grade in a sandbox as bubblewrap could not start one: ${output.trim()}. ` +
          `It needs unprivileged user namespaces (on Ubuntu 24.04, AppArmor restricts them: ` +
          `see 'kernel.apparmor_restrict_unprivileged_userns')`,
      );
    }
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}
