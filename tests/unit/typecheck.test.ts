import { expect, test } from "vitest";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../contract/files.ts";
import { type Cell, readNotebook, sourceOf, writeNotebook } from "../../kernel/jupyter/notebook.ts";
import { programOf } from "../../kernel/jupyter/typecheck.ts";
import { task } from "../helpers.ts";

const code = (source: string): Cell => ({ cell_type: "code", source, metadata: {}, outputs: [] });
const markdown = (source: string): Cell => ({ cell_type: "markdown", source, metadata: {} });

test("a notebook's program: cells in order, each apart from the next, as a module", () => {
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [markdown("# A"), code("const a = 1\na"), markdown("b"), code("(a + 1)")],
  };
  const program = programOf(nb);
  expect(program.cells).toEqual([{ cell: 2, firstLine: 1 }, { cell: 4, firstLine: 4 }]);
  // Without the ';' line, `a` and `(a + 1)` would be one call: `a(a + 1)`.
  expect(program.code).toBe("const a = 1\na\n;\n(a + 1)\n;\nexport {};\n");
});

test("deno task check names the cell and line of a type error, and exits with 1", async () => {
  const dir = join(PROJECT_ROOT, "out", "test", "check");
  const nb = await readNotebook(join(PROJECT_ROOT, "notebooks", "12_sequences.ipynb"));
  const cell = nb.cells[4];
  expect(cell.cell_type).toBe("code");
  const lines = sourceOf(cell).split("\n");
  cell.source = [lines[0], 'const count: number = frames.join(",");', ...lines.slice(1)].join("\n");
  await writeNotebook(join(dir, "12_typo.ipynb"), nb);
  const { code: status, stdout } = await task(["check", join(dir, "12_typo.ipynb")]);
  expect(stdout).toContain(
    "12_typo.ipynb, cell 5, line 2: Type 'string' is not assignable to type 'number'.",
  );
  expect(stdout.match(/, cell \d+, line \d+:/g)).toHaveLength(1);
  expect(status).toBe(1);
  // Nothing is left beside the notebook.
  expect([...Deno.readDirSync(dir)].map((e) => e.name)).toEqual(["12_typo.ipynb"]);
}, 120_000);

test("deno task check passes every lesson as shipped", async () => {
  const { code: status, stdout } = await task(["check", join(PROJECT_ROOT, "notebooks")]);
  expect(stdout).toMatch(/^13 without type errors, 0 with$/m);
  expect(status).toBe(0);
}, 300_000);
