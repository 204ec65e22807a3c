/**
 * `deno task new <folder>`: makes any folder one whose notebooks import the course library and
 * data sets (`../folder/link.ts`), and puts a starter notebook and an example image in it.
 * Nothing of the folder's own is overwritten: a `deno.json` of its own keeps its entries, an
 * existing `starter.ipynb` or `nuclei.tif` stays as it is. Run it again after moving the checkout,
 * or after `git pull` for the library's new names.
 *
 * @module
 */
import { join } from "node:path";
import { commandLine, runCommand, shellWord } from "../contract/command_line.ts";
import { copyUnlessPresent, PROJECT_ROOT } from "../contract/files.ts";
import { linkFolder } from "./folder/link.ts";
import { courseKernel } from "./machine/requirements.ts";

/** What `new` copies in, from the checkout: name in the folder → path in the checkout. */
const STARTER: Record<string, string> = {
  "starter.ipynb": "kernel/folder/starter.ipynb",
  "nuclei.tif": "datasets/data/dsb2018_test_image.tif",
};

/** Copies the starter files into `folder` where it has none of that name; one line each. */
async function copyStarter(folder: string): Promise<string[]> {
  const lines = [];
  for (const [name, source] of Object.entries(STARTER)) {
    const copied = await copyUnlessPresent(join(PROJECT_ROOT, source), join(folder, name));
    lines.push(`${name}: ${copied ? "written" : "the folder's own kept"}`);
  }
  return lines;
}

async function main(args: string[]): Promise<number> {
  const cli = commandLine({
    name: "new",
    verb: "make a course folder",
    usage: "<folder>",
    what: "a folder (it may exist)",
    positionals: [1, 1],
    options: {},
  }, args);
  const folder = cli.outputFolder(cli.args[0]);
  const lines = [...await linkFolder(folder), ...await copyStarter(folder)];
  console.log(`${folder}: its notebooks import @course/lib and @course/datasets`);
  for (const line of lines) console.log(`  ${line}`);
  const kernel = await courseKernel();
  if (!kernel.ok) console.log(`✘ course kernel: ${kernel.detail} → npx deno task kernel:install`);
  console.log(
    `Open starter.ipynb with the kernel Deep Learning (TypeScript): jupyter lab ${
      shellWord(folder)
    }\nCheck the folder: npx deno task doctor ${shellWord(folder)}`,
  );
  return 0;
}

if (import.meta.main) await runCommand(main);
