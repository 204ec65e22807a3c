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

function main(args: string[]): number {
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
  const dir = kernelsDir({ prefix: values.prefix });
  if (command === "install") {
    const heapMb = values["heap-mb"] === undefined ? undefined : Number(values["heap-mb"]);
    const spec = kernelSpec({ displayName: values["display-name"], heapMb });
    return writeKernelSpec(dir, values.name, spec).then((path) => {
      console.log(`Installed kernel '${values.name}' ("${spec.display_name}") at ${path}`);
      console.log(`  runs ${spec.argv[0]} for notebooks under ${PROJECT_ROOT}`);
      return 0;
    }) as unknown as number;
  }
  if (command === "uninstall") {
    const folder = join(dir, values.name);
    try {
      Deno.removeSync(folder, { recursive: true });
      console.log(`Removed kernel '${values.name}' from ${folder}`);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      console.log(`Kernel '${values.name}' is not installed in ${dir}: nothing to remove`);
    }
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
