import { expect, test } from "vitest";
import { asNotebook, OutputArea, OutputBudget } from "../../kernel/jupyter/notebook.ts";
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
  const budget = new OutputBudget(100, 150);
  const displays = new Map();
  const first = new OutputArea(displays, budget);
  const show = (area: OutputArea, text: string, id?: string) =>
    area.add(msg("display_data", {
      data: { "text/plain": text },
      metadata: {},
      transient: id ? { display_id: id } : {},
    }));
  show(first, "a".repeat(60), "p");
  first.add(msg("stream", { name: "stdout", text: "b".repeat(30) }));
  show(first, "c".repeat(20)); // 60 + 30 + 20 > 100: left out, and the rest of the cell
  first.add(msg("stream", { name: "stdout", text: "d" }));
  expect(first.outputs.map((o) => o.output_type === "stream" ? o.text : "display")).toEqual([
    "display",
    "b".repeat(30),
    "[outputs left out from here: this cell's outputs reached 100 characters, the most a run " +
    "keeps]\n",
  ]);
  // An error is kept whatever the limits, cut to 4000 characters.
  first.add(msg("error", { ename: "Error", evalue: "e".repeat(5000), traceback: [] }));
  expect(first.outputs.at(-1)).toMatchObject({ output_type: "error", evalue: "e".repeat(4000) });
  // The notebook's limit counts every cell, and updates of a display by their growth.
  const second = new OutputArea(displays, budget);
  show(second, "f".repeat(50)); // 90 + 50 ≤ 150
  second.add(msg("update_display_data", {
    data: { "text/plain": "g".repeat(70) },
    metadata: {},
    transient: { display_id: "p" },
  })); // 140 + 10 ≤ 150: the display in the first cell grows
  expect(first.outputs[0]).toMatchObject({ data: { "text/plain": "g".repeat(70) } });
  second.add(msg("stream", { name: "stdout", text: "h".repeat(20) })); // 150 + 20 > 150
  expect(second.outputs.at(-1)).toMatchObject({
    text: expect.stringContaining("the notebook's outputs reached"),
  });
  // Clearing a cell gives its share back.
  const third = new OutputArea(displays, new OutputBudget(100, 150));
  for (let i = 0; i < 50; i++) {
    third.add(msg("clear_output", {}));
    show(third, "i".repeat(90));
  }
  expect(third.outputs).toEqual([
    { output_type: "display_data", data: { "text/plain": "i".repeat(90) }, metadata: {} },
  ]);
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
