/**
 * Used by `deno task course`, `deno task doctor`, `deno task setup` and `deno task test`.
 *
 * What the course needs on a machine, each with a check and the command that fixes it: the list
 * that `deno task doctor` prints and that the set-up installs from.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { cacheDir, onPath, PROJECT_ROOT } from "../../contract/files.ts";
import { kernelsDir, pinnedDeno } from "../jupyter/kernelspec.ts";
import type { Probe } from "../../contract/machine.ts";
import { checkSandbox, defaultLimits } from "../jupyter/sandbox.ts";

/** What a check found: whether it holds, and what to show. */
export interface Finding {
  ok: boolean;
  detail: string;
}

/**
 * Who needs a requirement: everyone, an instructor who grades, an instructor who runs a class on a
 * hub or a cluster, or the test suite.
 */
export type Need = "course" | "grading" | "class" | "tests";

/** One thing the course needs. */
export interface Requirement {
  name: string;
  need: Need;
  /** The Debian/Ubuntu packages that provide it, if a package does. */
  packages?: string[];
  /** The fix where no package does, or where `apt-get` is not the system's installer. */
  fix: string;
  check(): Promise<Finding>;
  /** What the set-up does itself where no package provides it (a download). */
  provide?(): Promise<void>;
  /** The course runs without it (slower): the set-up installs it where it can, and goes on. */
  optional?: boolean;
}

/** The least free space, in GiB, for the cache and the checkout (data, executed notebooks). */
const FREE_GIB = 2;
/** Debian's Chromium, which the browser tests drive. */
export const CHROMIUM = "/usr/bin/chromium";

const found = (detail: string): Finding => ({ ok: true, detail });
const missing = (detail: string): Finding => ({ ok: false, detail });

/** A command's first line of output, or `undefined` if it cannot run or fails. */
async function output(command: string, args: string[]): Promise<string | undefined> {
  try {
    const { success, stdout } = await new Deno.Command(command, { args, stdin: "null" }).output();
    return success ? new TextDecoder().decode(stdout).trim().split("\n")[0] : undefined;
  } catch {
    return undefined;
  }
}

/** The library's probe, run once per process: it loads TensorFlow.js. */
let probed: Promise<Probe> | undefined;

/** Runs `kernel/probe.ts` with the pinned Deno, in a process of its own. */
function probeLibrary(download = false): Promise<Probe> {
  if (download) probed = undefined;
  probed ??= (async () => {
    const { stdout, stderr, success } = await new Deno.Command(pinnedDeno(), {
      args: [
        "run",
        "-A",
        join(PROJECT_ROOT, "kernel", "probe.ts"),
        ...(download ? ["--download"] : []),
      ],
      cwd: PROJECT_ROOT,
      stdin: "null",
    }).output();
    const text = new TextDecoder().decode(stdout).trim().split("\n").at(-1) ?? "";
    if (!success) {
      const why = new TextDecoder().decode(stderr).trim().split("\n")[0];
      const failed = missing(`the library did not start: ${why}`);
      return { backend: failed, adapter: failed, native: failed, fashionMnist: failed };
    }
    return JSON.parse(text) as Probe;
  })();
  return probed;
}

/** The Deno version `package.json` pins. */
async function pinnedVersion(): Promise<string> {
  const pkg = JSON.parse(await Deno.readTextFile(join(PROJECT_ROOT, "package.json")));
  return pkg.dependencies.deno;
}

/** The course kernel Jupyter would start: the first `dl-course` in its kernel folders. */
async function installedKernel(): Promise<{ path: string; argv: string[] } | undefined> {
  const dirs = [kernelsDir(), kernelsDir({ prefix: "/usr/local" }), kernelsDir({ prefix: "/usr" })];
  for (const dir of dirs) {
    const path = join(dir, "dl-course", "kernel.json");
    const text = await Deno.readTextFile(path).catch(() => undefined);
    if (text !== undefined) return { path, argv: JSON.parse(text).argv ?? [] };
  }
  return undefined;
}

/** `path`, or its nearest parent that exists. */
async function nearestExisting(path: string): Promise<string> {
  while (!(await Deno.stat(path).catch(() => undefined)) && dirname(path) !== path) {
    path = dirname(path);
  }
  return path;
}

/** Free space of the file system that holds (or will hold) `path`, in GiB. */
async function freeGib(path: string): Promise<number | undefined> {
  const df = await new Deno.Command("df", { args: ["-Pk", await nearestExisting(path)] }).output()
    .catch(() => undefined);
  const line = new TextDecoder().decode(df?.stdout).trim().split("\n")[1];
  const available = Number(line?.split(/\s+/)[3]);
  return Number.isFinite(available) ? available / 2 ** 20 : undefined;
}

/** This checkout's Deno, or `undefined` before `npm ci`. */
function checkoutDeno(): string | undefined {
  try {
    return pinnedDeno();
  } catch {
    return undefined;
  }
}

/**
 * Whether Jupyter's course kernel runs this checkout's Deno (it runs another after a move).
 *
 * @example
 * ```ts
 * import { courseKernel } from "./requirements.ts";
 * const { ok, detail } = await courseKernel(); // detail: the kernel.json, or what is wrong
 * ```
 */
export async function courseKernel(): Promise<Finding> {
  const kernel = await installedKernel();
  if (!kernel) return missing("'dl-course' is not installed");
  return kernel.argv[0] === checkoutDeno()
    ? found(kernel.path)
    : missing(`${kernel.path} runs ${kernel.argv[0]}, not this checkout's Deno`);
}

/**
 * Everything the course needs, in the order the doctor prints it.
 *
 * @example
 * ```ts
 * import { requirements } from "./requirements.ts";
 * for (const r of requirements()) console.log(r.name, (await r.check()).ok);
 * ```
 */
export function requirements(): Requirement[] {
  return [
    {
      name: "Node.js 20+ and npm",
      need: "course",
      fix: "install Node.js 20 or newer with npm (https://nodejs.org)",
      check: async () => {
        const [node, npm] = [
          await output("node", ["--version"]),
          await output("npm", ["--version"]),
        ];
        const major = Number(node?.match(/^v(\d+)/)?.[1]);
        const detail = `Node.js ${node ?? "not on PATH"}, npm ${npm ?? "not on PATH"}`;
        return major >= 20 && npm ? found(detail) : missing(detail);
      },
    },
    {
      name: "Deno (pinned)",
      need: "course",
      fix: "npm ci",
      check: async () => {
        const pinned = await pinnedVersion();
        const deno = checkoutDeno();
        const version = deno && await output(deno, ["--version"]);
        const detail = `${version ?? "node_modules has no Deno"}; package.json pins ${pinned}`;
        return version?.startsWith(`deno ${pinned} `) ? found(detail) : missing(detail);
      },
    },
    {
      name: "Jupyter server",
      need: "course",
      packages: ["jupyter-server", "jupyter-client", "python3-jupyter-core"],
      fix: "pip install jupyterlab",
      check: async () => {
        const version = await output("jupyter", ["server", "--version"]);
        const kernelspecs = await output("jupyter", ["kernelspec", "--version"]);
        if (!version) return missing("'jupyter server' does not run");
        if (!kernelspecs) return missing("'jupyter kernelspec' does not run");
        return found(`jupyter-server ${version}`);
      },
    },
    {
      name: "Jupyter front end",
      need: "course",
      packages: ["jupyter-notebook"],
      fix: "pip install jupyterlab",
      check: () => {
        const frontEnd = ["jupyter-lab", "jupyter-notebook"].map(onPath).find((p) => p);
        return Promise.resolve(
          frontEnd
            ? found(frontEnd)
            : missing("neither jupyter-lab nor jupyter-notebook is on PATH"),
        );
      },
    },
    {
      name: "course kernel",
      need: "course",
      fix: "npx deno task kernel:install",
      check: courseKernel,
    },
    {
      name: "backend",
      need: "course",
      fix: "npm ci",
      check: async () => {
        const { ok, detail } = (await probeLibrary()).backend;
        return { ok, detail: detail.replace(/^backend: /, "") };
      },
    },
    {
      name: "oneDNN (training on the CPU at PyTorch's speed)",
      need: "course",
      optional: true,
      packages: ["libdnnl2"],
      fix:
        "install oneDNN 2.x and set COURSE_ONEDNN to its library (libdnnl.so.2 or libdnnl.2.dylib)",
      check: async () => (await probeLibrary()).native,
    },
    {
      name: "Fashion-MNIST (lessons 06–08)",
      need: "course",
      packages: ["dataset-fashion-mnist"],
      fix: "npx deno task setup (downloads it into the cache)",
      check: async () => (await probeLibrary()).fashionMnist,
      provide: async () => {
        const { fashionMnist } = await probeLibrary(true);
        if (!fashionMnist.ok) throw new Error(fashionMnist.detail);
      },
    },
    {
      name: "cache folder",
      need: "course",
      fix: "set COURSE_CACHE to a folder you may write to",
      check: async () => {
        // Checked, not made: the grader's sandbox binds the folder only once it exists.
        const dir = cacheDir(""), place = await nearestExisting(dir);
        try {
          await Deno.remove(await Deno.makeTempFile({ dir: place }));
          return found(`${dir} (${place === dir ? "writable" : `can be made in ${place}`})`);
        } catch (error) {
          return missing(`${place}: ${(error as Error).message}`);
        }
      },
    },
    {
      name: "free disk",
      need: "course",
      fix: `free at least ${FREE_GIB} GiB`,
      check: async () => {
        const places = [cacheDir(""), PROJECT_ROOT];
        const free = await Promise.all(places.map(async (p) => [p, await freeGib(p)] as const));
        const detail = free.map(([p, gib]) => `${gib?.toFixed(1) ?? "?"} GiB free for ${p}`)
          .join(", ");
        return free.every(([, gib]) => gib !== undefined && gib >= FREE_GIB)
          ? found(detail)
          : missing(detail);
      },
    },
    {
      name: "bubblewrap",
      need: "grading",
      packages: ["bubblewrap"],
      fix: "install bubblewrap (Linux only)",
      check: () =>
        Promise.resolve(
          onPath("bwrap") ? found(onPath("bwrap")!) : missing("'bwrap' is not on PATH"),
        ),
    },
    {
      name: "user namespaces",
      need: "grading",
      fix: "allow unprivileged user namespaces (Ubuntu 24.04: " +
        "sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0)",
      check: async () => {
        if (!onPath("bwrap")) return missing("needs bubblewrap first");
        try {
          await checkSandbox(defaultLimits());
          return found("bubblewrap starts a sandbox");
        } catch (error) {
          return missing((error as Error).message);
        }
      },
    },
    {
      name: "JupyterHub (deno task hub)",
      need: "class",
      optional: true,
      packages: ["jupyterhub"],
      fix: "install JupyterHub 3+ with configurable-http-proxy (https://jupyterhub.readthedocs.io)",
      check: async () => {
        const hub = await output("jupyterhub", ["--version"]);
        // Debian's proxy finds its modules there when `node` is not Debian's own.
        const proxy = await output("env", [
          "NODE_PATH=/usr/share/nodejs",
          "configurable-http-proxy",
          "--version",
        ]);
        if (!hub) return missing("'jupyterhub' does not run");
        if (!proxy) return missing("'configurable-http-proxy' does not run");
        return found(`JupyterHub ${hub}, configurable-http-proxy ${proxy}`);
      },
    },
    {
      name: "Slurm (deno task grade --slurm)",
      need: "class",
      optional: true,
      packages: ["slurm-wlm", "munge"],
      fix: "grade on a cluster's login node, where Slurm's commands are",
      check: async () => {
        // `sbatch --version` needs a cluster's configuration; the daemons print theirs without.
        const sbatch = onPath("sbatch");
        const slurmd = await output("slurmd", ["-V"]);
        const munge = (await output("munged", ["--version"]))?.split(" ")[0];
        if (!sbatch) return missing("'sbatch' is not on PATH");
        return found([sbatch, slurmd, munge].filter((part) => part).join(", "));
      },
    },
    {
      name: "Chromium",
      need: "tests",
      packages: ["chromium"],
      fix: "install Chromium at /usr/bin/chromium",
      check: async () => {
        const version = await output(CHROMIUM, ["--version"]);
        return version ? found(version) : missing(`${CHROMIUM} does not run`);
      },
    },
    {
      name: "WebGPU adapter",
      need: "tests",
      packages: ["libegl1", "libegl-mesa0", "libgl1-mesa-dri"],
      fix: "install a GPU driver, or Mesa's EGL (software rendering)",
      check: async () => (await probeLibrary()).adapter,
    },
  ];
}
