/**
 * `deno task kernel:install` and `deno task kernel:uninstall`.
 *
 * ```
 * deno task kernel:install [--prefix DIR] [--name NAME] [--display-name TEXT] [--heap-mb MB]
 * deno task kernel:uninstall [--prefix DIR] [--name NAME]
 * ```
 *
 * Without `--prefix` the kernel goes to the user's Jupyter data folder (as `jupyter kernelspec
 * install --user`); `--prefix DIR` installs for a system or an environment (`DIR/share/jupyter`).
 *
 * @module
 */
import { join } from "node:path";
import { commandLine, runCommand } from "./command.ts";
import {
  DISPLAY_NAME,
  KERNEL_NAME,
  kernelsDir,
  kernelSpec,
  PROJECT_ROOT,
  writeKernelSpec,
} from "./kernelspec.ts";

/** Options of {@linkcode installKernel}. */
export interface InstallOptions {
  /** Install under `PREFIX/share/jupyter` instead of the user's Jupyter data folder. */
  prefix?: string;
  name?: string;
  displayName?: string;
  heapMb?: number;
}

/**
 * Installs (or replaces) the course kernel and says where.
 *
 * @example
 * ```ts
 * import { installKernel } from "./install.ts";
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

async function uninstallKernel(prefix: string | undefined, name: string): Promise<void> {
  const dir = kernelsDir({ prefix });
  try {
    await Deno.remove(join(dir, name), { recursive: true });
    console.log(`Removed kernel '${name}' from ${dir}`);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    console.log(`Kernel '${name}' is not installed in ${dir}: nothing to remove`);
  }
}

async function main([command, ...args]: string[]): Promise<void> {
  const install = command === "install";
  const cli = commandLine({
    name: `kernel:${command}`,
    verb: install ? "install the kernel" : "uninstall the kernel",
    usage: `[--user | --prefix DIR] [--name NAME]` +
      (install ? " [--display-name TEXT] [--heap-mb MB]" : ""),
    options: install
      ? {
        user: true,
        prefix: undefined,
        name: KERNEL_NAME,
        "display-name": DISPLAY_NAME,
        "heap-mb": undefined,
      }
      : { user: true, prefix: undefined, name: KERNEL_NAME },
  }, args);
  const given = cli.text("prefix");
  if (cli.flag("user") && given !== undefined) {
    cli.fail("'--user' and '--prefix' exclude each other");
  }
  const prefix = given === undefined ? undefined : cli.outputFolder(given);
  const name = cli.text("name")!;
  if (!install) return await uninstallKernel(prefix, name);
  await installKernel({
    prefix,
    name,
    displayName: cli.text("display-name"),
    heapMb: cli.text("heap-mb") === undefined ? undefined : cli.count("heap-mb", 256),
  });
}

if (import.meta.main) await runCommand(main);
