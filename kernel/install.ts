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
import { parseArgs } from "node:util";
import { join } from "node:path";
import {
  DISPLAY_NAME,
  KERNEL_NAME,
  kernelsDir,
  kernelSpec,
  PROJECT_ROOT,
  writeKernelSpec,
} from "./kernelspec.ts";

const USAGE =
  `usage: deno task kernel:install [--user | --prefix DIR] [--name NAME] [--display-name TEXT] [--heap-mb MB]
       deno task kernel:uninstall [--user | --prefix DIR] [--name NAME]`;

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

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  const { values } = parseArgs({
    args: rest,
    options: {
      user: { type: "boolean" },
      prefix: { type: "string" },
      name: { type: "string", default: KERNEL_NAME },
      "display-name": { type: "string", default: DISPLAY_NAME },
      "heap-mb": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.user && values.prefix) {
    throw new Error("Cannot install the kernel as '--user' and '--prefix' exclude each other");
  }
  if (command === "install") {
    const heap = values["heap-mb"];
    await installKernel({
      prefix: values.prefix,
      name: values.name,
      displayName: values["display-name"],
      heapMb: heap === undefined ? undefined : Number(heap),
    });
    return 0;
  }
  if (command === "uninstall") {
    await uninstallKernel(values.prefix, values.name);
    return 0;
  }
  console.error(USAGE);
  return 2;
}

if (import.meta.main) {
  try {
    Deno.exitCode = await main(Deno.args);
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    Deno.exitCode = 1;
  }
}
