/**
 * `deno task setup`: installs what the course needs and is missing: the system packages through
 * `sudo apt-get` on Debian and Ubuntu (elsewhere, one message saying what to install), the data
 * that no package provides, and the course kernel. `npm start` runs it before it opens the course;
 * `npm test` runs it with `--tests` (Chromium, WebGPU's software adapter, JupyterHub and Slurm) before
 * the tests.
 *
 * ```
 * deno task setup [--tests]
 * ```
 *
 * @module
 */
import { commandLine, runCommand } from "../contract/command_line.ts";
import { setUp } from "./machine/packages.ts";

if (import.meta.main) {
  await runCommand(async (args) => {
    const cli = commandLine({
      name: "setup",
      verb: "set up the course",
      usage: "[--tests]",
      options: { tests: true },
    }, args);
    await setUp(
      cli.flag("tests") ? ["course", "grading", "class", "tests"] : ["course", "grading"],
    );
  });
}
