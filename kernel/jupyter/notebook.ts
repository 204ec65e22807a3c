/**
 * Used by `deno task grade`, `deno task release` and `deno task run`.
 *
 * Notebooks as files: reading and checking nbformat 4, and writing executed copies (the outputs
 * come from `outputs.ts`).
 *
 * @module
 */
import { join } from "node:path";
import { userPath } from "../../contract/command_line.ts";
import { writeFileAtomic } from "../../contract/files.ts";

/** A mime bundle in an output. */
export type MimeData = Record<string, unknown>;

/** One output of a code cell (nbformat 4). */
export type Output =
  | { output_type: "stream"; name: "stdout" | "stderr"; text: string }
  | {
    output_type: "display_data";
    data: MimeData;
    metadata: Record<string, unknown>;
  }
  | {
    output_type: "execute_result";
    data: MimeData;
    metadata: Record<string, unknown>;
    execution_count: number | null;
  }
  | { output_type: "error"; ename: string; evalue: string; traceback: string[] };

/** A cell (nbformat 4). */
export interface Cell {
  cell_type: "code" | "markdown" | "raw";
  id?: string;
  source: string | string[];
  metadata: Record<string, unknown>;
  outputs?: Output[];
  execution_count?: number | null;
  attachments?: Record<string, unknown>;
}

/** A notebook (nbformat 4). */
export interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: Record<string, unknown>;
  cells: Cell[];
}

/**
 * A cell's source as one string.
 *
 * @example
 * ```ts
 * import { sourceOf } from "./notebook.ts";
 * sourceOf({ cell_type: "code", source: ["a\n", "b"], metadata: {} }); // "a\nb"
 * ```
 */
export function sourceOf(cell: Cell): string {
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source;
}

/**
 * Checks that parsed JSON is an nbformat 4 notebook, saying what is wrong if not.
 *
 * @example
 * ```ts
 * import { asNotebook } from "./notebook.ts";
 * const nb = asNotebook({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] }, "x.ipynb");
 * ```
 */
export function asNotebook(json: unknown, path: string): Notebook {
  const nb = json as Partial<Notebook> | null;
  const fail = (why: string) => {
    throw new Error(`Cannot read ${path} as it is not a valid notebook: ${why}`);
  };
  if (!nb || typeof nb !== "object") fail("the file does not hold a JSON object");
  if (nb!.nbformat !== 4) {
    fail(
      `'nbformat' must be 4: current value is ${nb!.nbformat} (convert it with ` +
        `'jupyter nbconvert --to notebook --nbformat 4 ${path}')`,
    );
  }
  if (!Array.isArray(nb!.cells)) fail("it has no 'cells' array");
  nb!.cells!.forEach((cell, i) => {
    if (!["code", "markdown", "raw"].includes(cell?.cell_type)) {
      fail(`cell ${i + 1} has cell_type ${JSON.stringify(cell?.cell_type)}`);
    }
    const source = cell.source;
    if (
      typeof source !== "string" &&
      !(Array.isArray(source) && source.every((s) => typeof s === "string"))
    ) {
      fail(`cell ${i + 1}'s 'source' must be a string or a list of strings`);
    }
  });
  return nb as Notebook;
}

/**
 * Reads and checks a notebook file.
 *
 * @example
 * ```ts
 * import { readNotebook } from "./notebook.ts";
 * const nb = await readNotebook("notebooks/00_setup.ipynb");
 * ```
 */
export async function readNotebook(path: string): Promise<Notebook> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(`Cannot read ${path} as the file does not exist`);
    }
    if (error instanceof Deno.errors.IsADirectory) {
      throw new Error(`Cannot read ${path} as it is a folder, not a notebook`);
    }
    throw error;
  }
  return parseNotebook(text, path);
}

/**
 * The largest notebook the tools read from an attendee: the lessons, executed, are under 5 MiB.
 */
export const MAX_NOTEBOOK_BYTES = 64 * 2 ** 20;

/**
 * A notebook from the text of the file `path` (named in errors), checked.
 *
 * @example
 * ```ts
 * import { parseNotebook } from "./notebook.ts";
 * parseNotebook('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}', "x.ipynb");
 * ```
 */
export function parseNotebook(text: string, path: string): Notebook {
  if (text.trim() === "") throw new Error(`Cannot read ${path} as it is empty`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`Cannot read ${path} as it is not valid JSON: ${(error as Error).message}`);
  }
  return asNotebook(json, path);
}

/**
 * Writes a notebook atomically (temporary file, then rename): a crash never leaves half a file.
 *
 * @example
 * ```ts
 * import { writeNotebook } from "./notebook.ts";
 * await writeNotebook("out/x.ipynb", { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] });
 * ```
 */
export async function writeNotebook(path: string, nb: Notebook): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(nb, null, 1) + "\n");
}

/**
 * The notebook files named by command-line arguments: files as given, folders as their `.ipynb`
 * files in name order. `verb` says what the caller does with them, for the error message.
 *
 * @example
 * ```ts
 * import { notebookFiles } from "./notebook.ts";
 * const paths = await notebookFiles(["notebooks"], "run"); // absolute paths, sorted
 * ```
 */
export async function notebookFiles(args: string[], verb: string): Promise<string[]> {
  const found: string[] = [];
  for (const arg of args) {
    const path = userPath(arg);
    const info = await Deno.stat(path).catch(() => {
      throw new Error(`Cannot ${verb} '${arg}' as it does not exist`);
    });
    if (info.isDirectory) {
      const names = [...Deno.readDirSync(path)].map((e) => e.name)
        .filter((n) => n.endsWith(".ipynb")).sort();
      if (names.length === 0) {
        throw new Error(`Cannot ${verb} '${arg}' as the folder holds no .ipynb notebooks`);
      }
      found.push(...names.map((n) => join(path, n)));
    } else found.push(path);
  }
  return found;
}
