/**
 * Used by `deno task check` and `deno task grade`.
 *
 * Type errors in notebooks. Deno's kernel runs cells without checking their types
 * (denoland/deno#20524), so a TypeScript mistake shows up late, as a runtime error, or not at all.
 * This joins a notebook's code cells, in order, into one module, as the kernel runs them, checks it
 * with `deno check`, and maps each error back to its cell and line.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import { pinnedDeno } from "./kernelspec.ts";
import { type Notebook, sourceOf } from "./notebook.ts";

/** One type error, where the notebook's author sees it. */
export interface TypeProblem {
  /** 1-based position among all the notebook's cells, as `deno task run` counts them. */
  cell: number;
  /** 1-based line within the cell. */
  line: number;
  message: string;
}

/** A notebook's code cells as one module, and where each cell starts in it. */
export interface Program {
  code: string;
  /** For each code cell in order: its position among all cells and its first line in `code`. */
  cells: { cell: number; firstLine: number }[];
}

/**
 * A notebook's code cells, in order, as one module. Each cell is followed by a line holding `;`,
 * so that a cell ending in an expression never runs into the next; `export {}` makes the program a
 * module, where top-level `await` is allowed, as in the kernel.
 *
 * @example
 * ```ts
 * import { programOf } from "./typecheck.ts";
 * const nb = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [
 *   { cell_type: "markdown" as const, source: "# Title", metadata: {} },
 *   { cell_type: "code" as const, source: "const a = 1;", metadata: {}, outputs: [] },
 * ] };
 * programOf(nb).cells; // [{ cell: 2, firstLine: 1 }]
 * ```
 */
export function programOf(nb: Notebook): Program {
  const parts: string[] = [];
  const cells: Program["cells"] = [];
  let line = 1;
  nb.cells.forEach((cell, index) => {
    if (cell.cell_type !== "code") return;
    const source = `${sourceOf(cell)}\n;\n`;
    cells.push({ cell: index + 1, firstLine: line });
    parts.push(source);
    line += source.split("\n").length - 1;
  });
  return { code: parts.join("") + "export {};\n", cells };
}

/**
 * The type errors in `deno check`'s output for the program file `file`, by cell and line. Errors
 * reported in other files (a library the notebook imports) are left out: they are not the
 * notebook's.
 *
 * @example
 * ```ts
 * import { typeProblems } from "./typecheck.ts";
 * const program = { code: "", cells: [{ cell: 3, firstLine: 1 }, { cell: 5, firstLine: 4 }] };
 * typeProblems(
 *   "TS2322 [ERROR]: Type 'string' is not assignable to type 'number'.\n" +
 *     "const a: number = \"x\";\n      ^\n    at file:///tmp/nb.ts:5:7\n",
 *   program, "nb.ts",
 * ); // [{ cell: 5, line: 2, message: "Type 'string' is not assignable to type 'number'." }]
 * ```
 */
export function typeProblems(output: string, program: Program, file: string): TypeProblem[] {
  const problems: TypeProblem[] = [];
  let message: string | undefined;
  for (const text of output.split("\n")) {
    const error = text.match(/^TS\d+ \[ERROR\]: (.*)$/);
    if (error) message = error[1].trim();
    const at = text.match(/^\s+at (.+):(\d+):\d+$/);
    if (!at || message === undefined) continue;
    const line = Number(at[2]);
    const cell = program.cells.findLast((c) => c.firstLine <= line);
    if (basename(at[1]) === file && cell) {
      problems.push({ cell: cell.cell, line: line - cell.firstLine + 1, message });
    }
    message = undefined;
  }
  return problems;
}

/** Runs `deno check` on a file in a folder; returns its exit code and what it printed. */
export type CheckRunner = (
  argv: string[],
  folder: string,
) => Promise<{ code: number; output: string }>;

/** `deno check` as a plain process in the folder, with the folder's own `deno.json`. */
const plainRunner: CheckRunner = async (argv, folder) => {
  const { code, stdout, stderr } = await new Deno.Command(argv[0], {
    args: argv.slice(1),
    cwd: folder,
    env: { NO_COLOR: "1" },
    stdin: "null",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code, output: decode(stdout) + decode(stderr) };
};

/**
 * Type-checks one notebook as the kernel would run it: in the notebook's folder, with the
 * `deno.json` Deno finds from there. The program is written beside the notebook under a hidden
 * name (relative imports must resolve as in the kernel) and removed afterwards.
 *
 * @example
 * ```ts
 * import { typeCheck } from "./typecheck.ts";
 * import { readNotebook } from "./notebook.ts";
 * const path = "notebooks/01_mcculloch_pitts.ipynb";
 * const problems = await typeCheck(path, await readNotebook(path));
 * problems.map((p) => `cell ${p.cell}, line ${p.line}: ${p.message}`);
 * ```
 */
export async function typeCheck(
  path: string,
  nb: Notebook,
  run: CheckRunner = plainRunner,
): Promise<TypeProblem[]> {
  const program = programOf(nb);
  const file = `.${basename(path, ".ipynb")}.${crypto.randomUUID().slice(0, 8)}.check.ts`;
  const folder = dirname(path);
  await Deno.writeTextFile(join(folder, file), program.code, { createNew: true });
  try {
    const { code, output } = await run([pinnedDeno(), "check", file], folder);
    const problems = typeProblems(output, program, file);
    if (code === 0 && !output.includes(file)) {
      // Deno skips, without a word, a file its configuration excludes.
      throw new Error(
        `Cannot type-check ${path} as the deno.json that holds its folder excludes it ('exclude')`,
      );
    }
    if (code !== 0 && !problems.length) {
      const lines = output.split("\n");
      const why = lines.find((l) => /^(TS\d+ \[ERROR\]|error):/.test(l)) ?? `exit status ${code}`;
      throw new Error(`Cannot type-check ${path} as 'deno check' failed: ${why}`);
    }
    return problems;
  } finally {
    await Deno.remove(join(folder, file)).catch(() => {});
  }
}
