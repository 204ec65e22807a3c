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
import { commandLine, runCommand } from "../contract/command_line.ts";
import { DISPLAY_NAME, installKernel, KERNEL_NAME, uninstallKernel } from "./jupyter/kernelspec.ts";

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
