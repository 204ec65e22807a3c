/**
 * Used by `deno task course`, `deno task doctor`, `deno task grade`, `deno task kernel:install`,
 * `deno task kernel:uninstall`, `deno task run`, `deno task setup` and `deno task test`.
 *
 * The course's Jupyter kernelspec: this project's pinned Deno, run as `deno jupyter --kernel`, with
 * message interrupts, no colour codes and a V8 heap sized to the machine.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT, writeFileAtomic } from "../../contract/files.ts";

/** The kernel's default name, as `jupyter kernelspec list` shows it. */
export const KERNEL_NAME = "dl-course";
/** The kernel's default display name, as notebook front ends show it. */
export const DISPLAY_NAME = "Deep Learning (TypeScript)";

/** A kernel.json, as Jupyter defines it. */
export interface KernelSpec {
  argv: string[];
  display_name: string;
  language: string;
  interrupt_mode: "message" | "signal";
  env: Record<string, string>;
  metadata: Record<string, unknown>;
}

/** npm's names for Deno's per-platform packages. */
function platformPackage(): string {
  const os = { windows: "win32", darwin: "darwin", linux: "linux" }[Deno.build.os as string];
  const arch = { x86_64: "x64", aarch64: "arm64" }[Deno.build.arch];
  return `@deno/${os}-${arch}${os === "linux" ? "-glibc" : ""}`;
}

/**
 * The path of the Deno binary that `npm ci` installed for this project.
 *
 * @example
 * ```ts
 * import { pinnedDeno } from "./kernelspec.ts";
 * pinnedDeno(); // ".../node_modules/@deno/linux-x64-glibc/deno"
 * ```
 */
export function pinnedDeno(root = PROJECT_ROOT): string {
  const exe = Deno.build.os === "windows" ? "deno.exe" : "deno";
  const path = join(root, "node_modules", platformPackage(), exe);
  if (!existsSync(path)) {
    throw new Error(
      `Cannot find the project's Deno as '${path}' does not exist: run 'npm ci' in ${root} first`,
    );
  }
  return path;
}

/**
 * A V8 heap limit for notebooks: half the machine's memory, between 2 and 8 GiB. tfjs keeps
 * tensors outside the V8 heap, so this bounds plain JavaScript arrays, not models.
 */
export function defaultHeapMb(): number {
  const total = Deno.systemMemoryInfo().total / 2 ** 20;
  return Math.round(Math.min(8192, Math.max(2048, total / 2)));
}

/** Options of {@linkcode kernelSpec}. */
export interface KernelSpecOptions {
  displayName?: string;
  deno?: string;
  heapMb?: number;
}

/**
 * The kernel.json for the course kernel.
 *
 * @example
 * ```ts
 * import { kernelSpec } from "./kernelspec.ts";
 * kernelSpec({ deno: "/usr/bin/deno", heapMb: 4096 }).argv[0]; // "/usr/bin/deno"
 * ```
 */
export function kernelSpec(options: KernelSpecOptions = {}): KernelSpec {
  const heapMb = options.heapMb ?? defaultHeapMb();
  if (!Number.isInteger(heapMb) || heapMb < 256) {
    throw new Error(
      `Cannot write the kernelspec as the heap size must be a whole number of MiB ≥ 256: ` +
        `current value is ${heapMb}`,
    );
  }
  return {
    argv: [options.deno ?? pinnedDeno(), "jupyter", "--kernel", "--conn", "{connection_file}"],
    display_name: options.displayName ?? DISPLAY_NAME,
    language: "typescript",
    interrupt_mode: "message",
    env: { NO_COLOR: "1", DENO_V8_FLAGS: `--max-old-space-size=${heapMb}` },
    metadata: { project: PROJECT_ROOT },
  };
}

/**
 * Where Jupyter looks for kernels: the user's data folder, or `PREFIX/share/jupyter` for a
 * prefix (system or environment) install — the same places as `jupyter kernelspec install`.
 *
 * @example
 * ```ts
 * import { kernelsDir } from "./kernelspec.ts";
 * kernelsDir({ prefix: "/usr/local" }); // "/usr/local/share/jupyter/kernels"
 * ```
 */
export function kernelsDir(where: { prefix?: string } = {}): string {
  if (where.prefix) return join(where.prefix, "share", "jupyter", "kernels");
  const env = (name: string) => Deno.env.get(name);
  const home = env("HOME") ?? env("USERPROFILE") ?? "";
  const data = env("JUPYTER_DATA_DIR") ??
    (Deno.build.os === "darwin"
      ? join(home, "Library", "Jupyter")
      : Deno.build.os === "windows"
      ? join(env("APPDATA") ?? home, "jupyter")
      : join(env("XDG_DATA_HOME") || join(home, ".local", "share"), "jupyter"));
  return join(data, "kernels");
}

/**
 * Writes the kernelspec into `dir/<name>/kernel.json`, replacing an earlier one.
 * Writes to a temporary file first, so an interrupted install never leaves half a kernel.json.
 *
 * @example
 * ```ts
 * import { kernelSpec, kernelsDir, writeKernelSpec } from "./kernelspec.ts";
 * const path = await writeKernelSpec(kernelsDir(), "dl-course", kernelSpec());
 * ```
 */
export async function writeKernelSpec(
  dir: string,
  name: string,
  spec: KernelSpec,
): Promise<string> {
  if (!/^[a-z0-9._-]+$/i.test(name)) {
    throw new Error(
      `Cannot install the kernel as its name may only hold letters, digits, '.', '_' and '-': ` +
        `current value is "${name}"`,
    );
  }
  const path = join(dir, name, "kernel.json");
  await writeFileAtomic(path, JSON.stringify(spec, null, 2) + "\n");
  return path;
}

/** Options of {@linkcode installKernel}. */
export interface InstallOptions {
  /** Install under `PREFIX/share/jupyter` instead of the user's Jupyter data folder. */
  prefix?: string;
  /** The kernel's name (default {@linkcode KERNEL_NAME}). */
  name?: string;
  /** The name front ends show (default {@linkcode DISPLAY_NAME}). */
  displayName?: string;
  /** The V8 heap limit in MiB (default: sized to the machine). */
  heapMb?: number;
}

/**
 * Installs (or replaces) the course kernel and says where.
 *
 * @example
 * ```ts
 * import { installKernel } from "./kernelspec.ts";
 * await installKernel(); // ~/.local/share/jupyter/kernels/dl-course/kernel.json on Linux
 * ```
 */
export async function installKernel(options: InstallOptions = {}): Promise<string> {
  const name = options.name ?? KERNEL_NAME;
  const spec = kernelSpec({ displayName: options.displayName, heapMb: options.heapMb });
  const path = await writeKernelSpec(kernelsDir({ prefix: options.prefix }), name, spec);
  console.log(`Installed kernel '${name}' ("${spec.display_name}") at ${path}`);
  console.log(`  runs ${spec.argv[0]} for notebooks under ${PROJECT_ROOT}`);
  return path;
}

/**
 * Removes the course kernel, or says it was not installed.
 *
 * @example
 * ```ts
 * import { uninstallKernel } from "./kernelspec.ts";
 * await uninstallKernel(undefined, "dl-course");
 * ```
 */
export async function uninstallKernel(prefix: string | undefined, name: string): Promise<void> {
  const dir = kernelsDir({ prefix });
  try {
    await Deno.remove(join(dir, name), { recursive: true });
    console.log(`Removed kernel '${name}' from ${dir}`);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    console.log(`Kernel '${name}' is not installed in ${dir}: nothing to remove`);
  }
}
