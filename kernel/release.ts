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
import { basename, join, resolve } from "node:path";
import { commandLine, runCommand } from "./command.ts";
import { checkCellIds, exerciseOf, studentSource } from "./exercise.ts";
import { type Notebook, notebookFiles, readNotebook, writeNotebook } from "./notebook.ts";

/**
 * The student version of a notebook: every solution region stubbed, hidden check cells removed,
 * code cells without outputs or execution counts. Cell ids and exercise metadata stay, so that
 * grading can match each cell of a submission to its source.
 *
 * @example
 * ```ts
 * import { releaseNotebook } from "./release.ts";
 * const student = releaseNotebook({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] });
 * ```
 */
export function releaseNotebook(nb: Notebook): Notebook {
  const cells = nb.cells.filter((cell) => exerciseOf(cell)?.type !== "hidden").map((cell) =>
    cell.cell_type === "code"
      ? { ...cell, source: studentSource(cell), outputs: [], execution_count: null }
      : { ...cell }
  );
  return { ...nb, cells };
}

/** What one release wrote. */
export interface Released {
  source: string;
  out: string;
  solutions: number;
  hidden: number;
}

/**
 * Releases notebooks into `outDir` (one file each, by name). Every notebook is read and released
 * before anything is written, so a bad one stops the release with nothing half-done; `outDir` may
 * not be a source's own folder (the solutions would be overwritten).
 *
 * @example
 * ```ts
 * import { releaseFiles } from "./release.ts";
 * await releaseFiles(["notebooks/01_mcculloch_pitts.ipynb"], "out/release");
 * ```
 */
export async function releaseFiles(paths: string[], outDir: string): Promise<Released[]> {
  const out = resolve(outDir);
  const released = await Promise.all(paths.map(async (path) => {
    if (resolve(path, "..") === out) {
      throw new Error(
        `Cannot release ${path} into ${outDir} as that is its own folder: the solutions would be ` +
          `overwritten; choose another --out`,
      );
    }
    const nb = await readNotebook(path);
    checkCellIds(nb, path);
    const count = (type: string) => nb.cells.filter((c) => exerciseOf(c)?.type === type).length;
    return {
      nb: releaseNotebook(nb),
      report: {
        source: path,
        out: join(out, basename(path)),
        solutions: count("solution"),
        hidden: count("hidden"),
      },
    };
  }));
  for (const { nb, report } of released) await writeNotebook(report.out, nb);
  return released.map((r) => r.report);
}

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
