import { expect, test } from "vitest";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../contract/files.ts";
import { readNotebook, sourceOf } from "../../kernel/jupyter/notebook.ts";
import { task, validateNotebook } from "../helpers.ts";

const FIXTURE = join(PROJECT_ROOT, "tests", "fixtures", "exercise.ipynb");

test("deno task release: solutions stubbed, hidden checks removed, checks kept, outputs cleared, valid nbformat", async () => {
  const out = await Deno.makeTempDir();
  const { code, stdout, stderr } = await task(["release", FIXTURE, "--out", out]);
  expect(code, stderr).toBe(0);
  expect(stdout).toContain(
    `${join(out, "exercise.ipynb")}: 2 solutions stubbed, 1 hidden check removed, outputs cleared`,
  );
  await validateNotebook(join(out, "exercise.ipynb"));
  const nb = await readNotebook(join(out, "exercise.ipynb"));
  expect(nb.cells.map((c) => c.id)).toEqual([
    "intro",
    "setup",
    "double-solution",
    "double-check",
    "half-solution",
  ]);
  const source = (id: string) => sourceOf(nb.cells.find((c) => c.id === id)!);
  expect(source("double-solution")).toBe(
    "function double(x: number): number {\n  throw new NotDoneError();\n}",
  );
  expect(source("half-solution")).toBe(
    "function half(x: number): number {\n  return 0; // your code here\n}",
  );
  expect(source("double-check")).toContain('expectEqual(double(2), 4, "double(2)")');
  expect(JSON.stringify(nb)).not.toMatch(/SOLUTION|2 \* x|double\(-7\)/);
  for (const cell of nb.cells.filter((c) => c.cell_type === "code")) {
    expect([cell.outputs, cell.execution_count]).toEqual([[], null]);
  }
  expect(nb.cells.find((c) => c.id === "double-check")!.metadata).toEqual({
    course: { id: "double", type: "check", points: 2 },
  });
});

test("release writes nothing when one notebook is bad, and never into the sources' own folder", async () => {
  const dir = await Deno.makeTempDir(), out = join(dir, "out");
  const broken = JSON.parse(await Deno.readTextFile(FIXTURE));
  broken.cells[2].source = ["// BEGIN SOLUTION\n", "return 1;\n"]; // never closed
  await Deno.writeTextFile(join(dir, "broken.ipynb"), JSON.stringify(broken));
  const bad = await task(["release", FIXTURE, join(dir, "broken.ipynb"), "--out", out]);
  expect(bad.code).not.toBe(0);
  expect(bad.stderr).toContain(
    "Cannot stub the solution as the region opened on line 1 is never closed",
  );
  expect(await Deno.stat(out).then(() => "written", () => "nothing")).toBe("nothing");
  const own = await task(["release", FIXTURE, "--out", join(PROJECT_ROOT, "tests", "fixtures")]);
  expect(own.code).not.toBe(0);
  expect(own.stderr).toContain("as that is its own folder: the solutions would be overwritten");
  expect(await Deno.readTextFile(FIXTURE)).toContain("return 2 * x;");
});
