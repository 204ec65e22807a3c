/**
 * `deno task check`: type errors in notebooks, which Deno's kernel never shows
 * (denoland/deno#20524). Each notebook's code cells are checked as one TypeScript program, in
 * order, as the kernel runs them.
 *
 * ```
 * deno task check <notebook or folder…>
 * ```
 *
 * Prints `notebook, cell N, line L: message` for each error (cells counted as `deno task run`
 * counts them, markdown included) and exits with 1 if any notebook has one.
 *
 * @module
 */
import { relative } from "node:path";
import { commandLine, runCommand } from "../contract/command_line.ts";
import { notebookFiles, readNotebook } from "./jupyter/notebook.ts";
import { typeCheck } from "./jupyter/typecheck.ts";

async function main(args: string[]): Promise<number> {
  const cli = commandLine({
    name: "check",
    verb: "type-check",
    usage: "<notebook.ipynb or folder…>",
    what: "a notebook or a folder of notebooks",
    positionals: [1, Infinity],
    options: {},
  }, args);
  const notebooks = await notebookFiles(cli.args, "type-check");
  // Every notebook is read before any is checked: a broken one stops the command in one line.
  const contents = await Promise.all(notebooks.map((path) => readNotebook(path)));
  let failed = 0;
  for (const [i, path] of notebooks.entries()) {
    const shown = relative(Deno.cwd(), path);
    const problems = await typeCheck(path, contents[i]);
    for (const p of problems) console.log(`${shown}, cell ${p.cell}, line ${p.line}: ${p.message}`);
    if (problems.length) failed++;
    else console.log(`✔ ${shown}`);
  }
  console.log(`${notebooks.length - failed} without type errors, ${failed} with`);
  return failed ? 1 : 0;
}

if (import.meta.main) await runCommand(main);
