/**
 * Used by `deno task release`.
 *
 * The attendees' version of notebooks, as nbgrader's "generate assignment": solutions replaced by
 * their stubs, hidden checks removed, visible checks kept, outputs cleared.
 *
 * @module
 */
import { basename, join, resolve } from "node:path";
import { checkCellIds, exerciseOf, studentSource } from "./format.ts";
import { type Notebook, readNotebook, writeNotebook } from "../jupyter/notebook.ts";

/**
 * The student version of a notebook: every solution region stubbed, hidden check cells removed,
 * code cells without outputs or execution counts. Cell ids and exercise metadata stay, so that
 * grading can match each cell of a submission to its source.
 *
 * @example
 * ```ts
 * import { releaseNotebook } from "./student.ts";
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
 * import { releaseFiles } from "./student.ts";
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
