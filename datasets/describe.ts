/**
 * Used by lessons 02–12; by the commands.
 *
 * What every data set says about itself: sizes, classes, value range, source and licence.
 *
 * @module
 */
import { Rich, table } from "@course/lib";

/** A data set's description. */
export interface Description {
  name: string;
  /** Sizes of its parts, e.g. `{ train: "60000 × 28×28", test: "10000 × 28×28" }`. */
  sizes: Record<string, string>;
  classes?: string[];
  /** Range of the values, e.g. "0–255 (uint8)". */
  values: string;
  source: string;
  licence: string;
}

/**
 * A description as a table to show in a notebook.
 *
 * @example
 * ```ts
 * import { describeTable } from "@course/datasets";
 * describeTable({ name: "toy", sizes: { all: "4" }, values: "0–1", source: "made here", licence: "CC0" });
 * ```
 */
export function describeTable(d: Description): Rich {
  const rows = [
    ...Object.entries(d.sizes).map(([part, size]) => ({ property: `size (${part})`, value: size })),
    ...(d.classes ? [{ property: "classes", value: d.classes.join(", ") }] : []),
    { property: "values", value: d.values },
    { property: "source", value: d.source },
    { property: "licence", value: d.licence },
  ];
  return table(rows, { caption: d.name });
}
