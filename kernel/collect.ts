/**
 * `deno task collect`: each attendee's lessons from a hub started by `deno task hub`, copied into
 * the submissions layout `deno task grade` reads (one folder per attendee). The originals are only
 * read; attendees with nothing to collect are named.
 *
 * ```
 * deno task collect --state <hub's state folder> --out <submissions folder>
 * ```
 *
 * @module
 */
import { commandLine, inert, runCommand } from "../contract/command_line.ts";
import { collectFromHub } from "./hub/collect.ts";

async function main(args: string[]): Promise<number> {
  const cli = commandLine({
    name: "collect",
    verb: "collect",
    usage: "--state <hub's state folder> --out <submissions folder>",
    options: { state: undefined, out: undefined },
  }, args);
  const [state, out] = ["state", "out"].map((name) =>
    cli.text(name) ?? cli.fail(`it needs '--${name}': see 'deno task collect --help'`)
  );
  // Attendees' work, collected, is the instructor's only: classmates share the machine.
  Deno.umask(0o077);
  const collected = await collectFromHub(cli.folder(state), cli.outputFolder(out));
  const notebooks = (n: number) => `${n} notebook${n === 1 ? "" : "s"}`;
  for (const c of collected) {
    const what = c.notebooks.length ? notebooks(c.notebooks.length) : "nothing to collect";
    const skipped = c.skipped.length ? ` (left out: ${c.skipped.join("; ")})` : "";
    console.log(inert(`${c.attendee}: ${what}${skipped}`));
  }
  const empty = collected.filter((c) => c.notebooks.length === 0).map((c) => c.attendee);
  const count = collected.reduce((n, c) => n + c.notebooks.length, 0);
  console.log(
    `${notebooks(count)} of ${collected.length - empty.length} attendees collected into ${out}` +
      (empty.length ? `; nothing from ${inert(empty.join(", "))}` : ""),
  );
  return 0;
}

if (import.meta.main) await runCommand(main);
