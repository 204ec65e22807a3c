/**
 * `deno task course`: installs the course kernel for the user and opens the course in the first
 * notebook front end found (JupyterLab, else the classic Notebook).
 *
 * @module
 */
import { join } from "node:path";
import { installKernel } from "./install.ts";
import { PROJECT_ROOT } from "./kernelspec.ts";
import { onPath } from "./files.ts";

const FRONT_ENDS = ["jupyter-lab", "jupyter-notebook"];

async function main(args: string[]): Promise<number> {
  await installKernel();
  const frontEnd = FRONT_ENDS.map(onPath).find((p) => p);
  if (!frontEnd) {
    console.error(
      "No Jupyter front end found (jupyter-lab or jupyter-notebook). Install one:\n" +
        "  Debian/Ubuntu: sudo apt-get install jupyter-notebook\n" +
        "  elsewhere:     pip install jupyterlab\n" +
        "or open the notebooks/ folder in VS Code and pick the kernel 'Deep Learning (TypeScript)'.",
    );
    return 1;
  }
  const root = join(PROJECT_ROOT, "notebooks");
  console.log(`starting ${frontEnd} in ${root} (Ctrl-C to stop)`);
  // Both front ends refuse to run as root (a container's usual user) without being told.
  const asRoot = Deno.uid() === 0 ? ["--allow-root"] : [];
  const { code } = await new Deno.Command(frontEnd, { args: [...asRoot, ...args], cwd: root })
    .spawn().status;
  return code;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
