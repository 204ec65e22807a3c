/**
 * Used by lessons 00–12; by the commands.
 *
 * Tables: tensors, arrays and records shown as aligned text and as an HTML table.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { displayable, escapeHtml, Rich, type RichPromise } from "./show.ts";
import { valuesOf } from "../backend/read.ts";

/** A cell value a table can show. */
export type TableCell = number | string | boolean | null | undefined;

/** Rows a table shows: an array, a 2-D array or an array of records. */
export type Rows = TableCell[] | TableCell[][] | Record<string, TableCell>[];

/** What {@linkcode table} accepts: rows, or a tensor of rank 0–2. */
export type TableInput = tf.Tensor | Rows;

/** Options of {@linkcode table}. */
export interface TableOptions {
  /** Column headers; default: the records' keys, or none for arrays and tensors. */
  columns?: string[];
  /** Significant digits for numbers that are not integers (default 4). */
  digits?: number;
  /** A caption above the table. */
  caption?: string;
}

function formatCell(value: TableCell, digits: number): string {
  if (typeof value === "number") {
    return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(digits)));
  }
  return value === null || value === undefined ? "" : String(value);
}

function rowsOf(data: Rows, columns?: string[]): { header?: string[]; rows: TableCell[][] } {
  if (
    data.length > 0 && data.every((r) => r !== null && typeof r === "object" && !Array.isArray(r))
  ) {
    const records = data as Record<string, TableCell>[];
    const header = columns ?? [...new Set(records.flatMap((r) => Object.keys(r)))];
    return { header, rows: records.map((r) => header.map((k) => r[k])) };
  }
  const rows = (data as (TableCell | TableCell[])[]).map((r) => Array.isArray(r) ? r : [r]);
  return { header: columns, rows };
}

function plainText(header: string[] | undefined, rows: string[][], caption?: string): string {
  const all = header ? [header, ...rows] : rows;
  const widths = all.reduce<number[]>(
    (w, row) => row.map((c, i) => Math.max(w[i] ?? 0, c.length)),
    [],
  );
  const line = (row: string[]) => row.map((c, i) => c.padStart(widths[i])).join("  ");
  const lines = all.map(line);
  if (header) lines.splice(1, 0, widths.map((w) => "-".repeat(w)).join("  "));
  return [...(caption ? [caption] : []), ...lines].join("\n");
}

function html(header: string[] | undefined, rows: string[][], caption?: string): string {
  const cells = (row: string[], tag: string) =>
    row.map((c) => `<${tag}>${escapeHtml(c)}</${tag}>`).join("");
  return [
    `<table class="course-table">`,
    caption ? `<caption>${escapeHtml(caption)}</caption>` : "",
    header ? `<thead><tr>${cells(header, "th")}</tr></thead>` : "",
    `<tbody>${rows.map((r) => `<tr>${cells(r, "td")}</tr>`).join("")}</tbody>`,
    `</table>`,
  ].join("");
}

/**
 * A table of a rank 0–2 tensor, an array, a 2-D array or an array of records. Rows give a table at
 * once; a tensor is read asynchronously first, so it gives a promise of one, which a cell shows as
 * its last expression and `show` awaits.
 *
 * @example
 * ```ts
 * import { show, table, tf } from "@course/lib";
 * table([{ x1: 0, x2: 1, AND: 0 }, { x1: 1, x2: 1, AND: 1 }]);
 * await show(table(tf.eye(3), { caption: "identity" }));
 * ```
 */
export function table<T extends TableInput>(
  data: T,
  options: TableOptions = {},
): T extends tf.Tensor ? RichPromise : Rich {
  type Result = T extends tf.Tensor ? RichPromise : Rich;
  if (!(data instanceof tf.Tensor)) return tableOf(data as Rows, options) as Result;
  if (data.rank > 2) {
    throw new Error(
      `Cannot show a tensor as a table as its rank must be 0, 1 or 2: current shape is ` +
        `[${data.shape.join(", ")}]; show a slice, or use image() for images`,
    );
  }
  const caption = `Tensor ${data.dtype} [${data.shape.join(", ")}]`;
  const [rows, columns] = data.rank === 2 ? data.shape : [1, data.size];
  return displayable(
    valuesOf(data).then((values) => {
      const cells = Array.from(values) as TableCell[];
      const table = Array.from(
        { length: rows },
        (_, i) => cells.slice(i * columns, (i + 1) * columns),
      );
      return tableOf(data.rank === 2 ? table : cells, {
        ...options,
        caption: options.caption ?? caption,
      });
    }),
  ) as Result;
}

function tableOf(data: Rows, options: TableOptions): Rich {
  const { header, rows } = rowsOf(data, options.columns);
  const text = rows.map((r) => r.map((c) => formatCell(c, options.digits ?? 4)));
  return new Rich({
    "text/plain": plainText(header, text, options.caption),
    "text/html": html(header, text, options.caption),
  });
}
