import { expect, test } from "vitest";
import { asNotebook } from "../../kernel/jupyter/notebook.ts";
import { OutputArea, OutputBudget } from "../../kernel/jupyter/outputs.ts";
import { exerciseOf, stubSolutions, studentSource } from "../../kernel/exercises/format.ts";

const msg = (msg_type: string, content: Record<string, unknown>) => ({
  header: { msg_type },
  content,
});

test("outputs are built as a front end builds them", () => {
  const displays = new Map();
  const area = new OutputArea(displays);
  area.add(msg("execute_input", { execution_count: 7 }));
  area.add(msg("stream", { name: "stdout", text: "a" }));
  area.add(msg("stream", { name: "stdout", text: "b\n" }));
  area.add(msg("stream", { name: "stderr", text: "c" }));
  area.add(
    msg("display_data", {
      data: { "text/plain": "0%" },
      metadata: {},
      transient: { display_id: "bar" },
    }),
  );
  area.add(
    msg("update_display_data", {
      data: { "text/plain": "100%" },
      metadata: {},
      transient: { display_id: "bar" },
    }),
  );
  expect(area.executionCount).toBe(7);
  expect(area.outputs).toEqual([
    { output_type: "stream", name: "stdout", text: "ab\n" },
    { output_type: "stream", name: "stderr", text: "c" },
    { output_type: "display_data", data: { "text/plain": "100%" }, metadata: {} },
  ]);
  area.add(msg("clear_output", { wait: true }));
  expect(area.outputs.length).toBe(3);
  area.add(
    msg("execute_result", { data: { "text/plain": "1" }, metadata: {}, execution_count: 7 }),
  );
  expect(area.outputs).toEqual([
    {
      output_type: "execute_result",
      data: { "text/plain": "1" },
      metadata: {},
      execution_count: 7,
    },
  ]);
});

test("outputs past a cell's or the notebook's limit are left out, with one line saying so", () => {
  const budget = new OutputBudget(10_000, 30_000);
  const displays = new Map();
  const show = (area: OutputArea, text: string, id?: string) =>
    area.add(msg("display_data", {
      data: { "text/plain": text },
      metadata: {},
      transient: id ? { display_id: id } : {},
    }));
  const update = (area: OutputArea, text: string) =>
    area.add(msg("update_display_data", {
      data: { "text/plain": text },
      metadata: {},
      transient: { display_id: "p" },
    }));
  const texts = (area: OutputArea) =>
    area.outputs.map((o) =>
      o.output_type === "stream"
        ? o.text
        : o.output_type === "display_data"
        ? o.data["text/plain"]
        : o.output_type
    );
  const cut = (which: string) => `[outputs left out from here: ${which}, the most a run keeps]\n`;
  // Every output counts its JSON and 100 characters more: about 6170, then 3160.
  const first = new OutputArea(displays, budget);
  show(first, "a".repeat(6000), "p");
  first.add(msg("stream", { name: "stdout", text: "b".repeat(3000) }));
  show(first, "c".repeat(2000)); // past 10 000: left out, and everything after it in the cell
  first.add(msg("stream", { name: "stdout", text: "d" }));
  expect(texts(first)).toEqual([
    "a".repeat(6000),
    "b".repeat(3000),
    cut("this cell's outputs reached 10000 characters"),
  ]);
  // An update from a later cell is charged to the cell it changes.
  const second = new OutputArea(displays, budget);
  update(second, "g".repeat(6500)); // first cell: about 9830
  expect(texts(first)[0]).toBe("g".repeat(6500));
  update(second, "h".repeat(8000)); // first cell: past 10 000
  expect(texts(first)[0]).toBe("g".repeat(6500));
  expect(texts(second)).toEqual([cut("the updated cell's outputs reached 10000 characters")]);
  // The notebook's limit counts every cell.
  const cells = Array.from({ length: 5 }, () => new OutputArea(displays, budget));
  for (const cell of cells) show(cell, "i".repeat(4000)); // about 4170 each
  expect(cells.map((cell) => texts(cell)[0])).toEqual([
    ...Array(4).fill("i".repeat(4000)),
    cut("the notebook's outputs reached 30000 characters"),
  ]);
  // A cell's first error is kept whatever the limits, cut to 4000 characters; no other.
  const errors = new OutputArea(new Map(), new OutputBudget(1000, 1000));
  errors.add(msg("error", { ename: "Error", evalue: "e".repeat(5000), traceback: [] }));
  errors.add(msg("error", { ename: "Error", evalue: "again", traceback: [] }));
  expect(errors.outputs[0]).toMatchObject({ output_type: "error", evalue: "e".repeat(4000) });
  expect(texts(errors)).toEqual(["error", cut("this cell's outputs reached 1000 characters")]);
  // Clearing a cell gives its share back, and updates no longer reach what it showed.
  const shared = new OutputBudget(10_000, 10_000);
  const index = new Map();
  const cleared = new OutputArea(index, shared);
  for (let i = 0; i < 50; i++) {
    cleared.add(msg("clear_output", {}));
    show(cleared, "j".repeat(9000), "q");
  }
  expect(texts(cleared)).toEqual(["j".repeat(9000)]);
  expect(index.get("q").length).toBe(1);
  expect(shared.used).toBeLessThan(10_000);
});

test("a file that is not an nbformat 4 notebook is refused, saying why", () => {
  expect(() => asNotebook({ nbformat: 3, cells: [] }, "a.ipynb")).toThrow(
    "Cannot read a.ipynb as it is not a valid notebook: 'nbformat' must be 4: current value is 3 " +
      "(convert it with 'jupyter nbconvert --to notebook --nbformat 4 a.ipynb')",
  );
  expect(() => asNotebook({ nbformat: 4, cells: [{ cell_type: "python", source: "" }] }, "b.ipynb"))
    .toThrow('cell 1 has cell_type "python"');
});

test("a solution region becomes its stub: the default throws NotDoneError at the same indentation", () => {
  const source = [
    "function f(): number {",
    "  // BEGIN SOLUTION",
    "  return 42;",
    "  // END SOLUTION",
    "}",
  ].join("\n");
  expect(stubSolutions(source)).toBe("function f(): number {\n  throw new NotDoneError();\n}");
});

test("`//> ` lines inside a region are its stub", () => {
  const source =
    "// BEGIN SOLUTION\n//> const rate = NaN; // your learning rate\nconst rate = 0.1;\n// END SOLUTION\nuse(rate);";
  expect(stubSolutions(source)).toBe("const rate = NaN; // your learning rate\nuse(rate);");
});

test("unbalanced regions are refused with the line", () => {
  expect(() => stubSolutions("// BEGIN SOLUTION\nx")).toThrow(
    "the region opened on line 1 is never closed",
  );
  expect(() => stubSolutions("x\n// END SOLUTION")).toThrow("line 2 closes a region never opened");
});

test("only solution cells are stubbed; metadata is validated", () => {
  const cell = (course: unknown) => ({
    cell_type: "code" as const,
    source: "// BEGIN SOLUTION\nx\n// END SOLUTION",
    metadata: { course },
  });
  expect(studentSource(cell({ id: "a", type: "solution" }))).toBe("throw new NotDoneError();");
  expect(studentSource(cell({ id: "a", type: "check", points: 1 }))).toContain("BEGIN SOLUTION");
  expect(exerciseOf(cell({ id: "a", type: "check", points: 2 }))).toEqual({
    id: "a",
    type: "check",
    points: 2,
  });
  expect(() => exerciseOf(cell({ type: "solutions" }))).toThrow(
    "metadata.course must have an 'id'",
  );
});
