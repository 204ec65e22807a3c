/**
 * `deno task course` (`npm start`): installs what the course needs and is missing (system packages,
 * data, the course kernel: `setup.ts`) and opens the course in the first notebook front end found
 * (JupyterLab, else the classic Notebook). Its arguments go to the front end.
 *
 * @module
 */
import { join } from "node:path";
import { runCommand } from "../contract/command_line.ts";
import { onPath, PROJECT_ROOT } from "../contract/files.ts";
import { setUp } from "./machine/packages.ts";

const FRONT_ENDS = ["jupyter-lab", "jupyter-notebook"];

async function main(args: string[]): Promise<number> {
  await setUp(["course", "grading"]);
  const frontEnd = FRONT_ENDS.map(onPath).find((p) => p);
  if (!frontEnd) {
    throw new Error(
      "Cannot open the course as neither jupyter-lab nor jupyter-notebook is on PATH: install " +
        "JupyterLab ('pip install jupyterlab'), or open notebooks/ in VS Code and pick the " +
        "kernel 'Deep Learning (TypeScript)'",
    );
  }
  const root = join(PROJECT_ROOT, "notebooks");
  console.log(`starting ${frontEnd} in ${root} (Ctrl-C to stop)`);
  // Both front ends refuse to run as root (a container's usual user) without being told.
  const asRoot = Deno.uid() === 0 ? ["--allow-root"] : [];
  const child = new Deno.Command(frontEnd, { args: [...asRoot, ...args], cwd: root }).spawn();
  // Ctrl-C reaches the front end too (one process group): it asks whether to stop, so wait for it.
  Deno.addSignalListener("SIGINT", () => {});
  Deno.addSignalListener("SIGTERM", () => child.kill("SIGTERM"));
  return (await child.status).code;
}

if (import.meta.main) await runCommand(main);
