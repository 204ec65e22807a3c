/**
 * The results a lesson states with `report()`, read back from its executed notebook: what the
 * lessons test asserts at the quick setting and `full_setting.ts` checks at the full one.
 *
 * @module
 */
import { type ReportedResult, RESULT_MIME } from "../../contract/exercises.ts";
import type { Notebook } from "../../kernel/jupyter/notebook.ts";

/** Reported results by name. */
export type Results = Record<string, unknown>;

/**
 * The results `report()` published in an executed notebook, by name.
 *
 * @example
 * ```ts
 * import { reportedResults } from "./results.ts";
 * reportedResults({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] }); // {}
 * ```
 */
export function reportedResults(nb: Notebook): Results {
  return Object.fromEntries(
    nb.cells.flatMap((c) => c.outputs ?? []).flatMap((o) => {
      const r = "data" in o ? o.data[RESULT_MIME] as ReportedResult | undefined : undefined;
      return r ? [[r.name, r.value]] : [];
    }),
  );
}
