/**
 * `deno task release`: the attendees' version of notebooks, as nbgrader's "generate assignment":
 * solutions replaced by their stubs, hidden checks removed, visible checks kept, outputs cleared.
 *
 * ```
 * deno task release <notebook or folder…> --out DIR
 * ```
 *
 * @module
 */
import { commandLine, runCommand } from "../contract/command_line.ts";
import { releaseFiles } from "./exercises/student.ts";
import { notebookFiles } from "./jupyter/notebook.ts";

async function main(args: string[]): Promise<number> {
  const cli = commandLine({
    name: "release",
    verb: "release",
    usage: "<notebook.ipynb or folder…> --out DIR",
    what: "a notebook or a folder of notebooks, and --out DIR",
    positionals: [1, Infinity],
    options: { out: undefined },
  }, args);
  const out = cli.text("out");
  if (out === undefined) cli.fail(`it needs '--out DIR': see 'deno task release --help'`);
  const released = await releaseFiles(
    await notebookFiles(cli.args, "release"),
    cli.outputFolder(out!),
  );
  for (const r of released) {
    console.log(
      `${r.out}: ${r.solutions} solution${r.solutions === 1 ? "" : "s"} stubbed, ${r.hidden} ` +
        `hidden check${r.hidden === 1 ? "" : "s"} removed, outputs cleared`,
    );
  }
  return 0;
}

if (import.meta.main) await runCommand(main);
