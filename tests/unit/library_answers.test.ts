import { expect, test } from "vitest";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../contract/files.ts";
import { exerciseOf, studentSource } from "../../kernel/exercises/format.ts";
import { rebuild } from "../../kernel/exercises/scoring.ts";
import { type Notebook, notebookFiles, readNotebook } from "../../kernel/jupyter/notebook.ts";
import * as lib from "../../lib/mod.ts";

/** Every lesson with the exercises whose solution cells name the library's answer. */
async function lessons(): Promise<{ name: string; nb: Notebook; answers: [string, string[]][] }[]> {
  const paths = await notebookFiles([join(PROJECT_ROOT, "notebooks")], "read");
  return await Promise.all(paths.map(async (path) => {
    const nb = await readNotebook(path);
    const answers = nb.cells.flatMap((c) => {
      const meta = exerciseOf(c);
      return meta?.replacedBy ? [[meta.id, meta.replacedBy] as [string, string[]]] : [];
    });
    return { name: path.split("/").at(-1)!, nb, answers };
  }));
}

test("every name an exercise's replacedBy lists is the library's (or tfjs's), as written", async () => {
  const missing: string[] = [];
  for (const { answers } of await lessons()) {
    for (const [exercise, names] of answers) {
      for (const name of names) {
        const value = name.split(".").reduce<unknown>(
          (at, part) => (at as Record<string, unknown> | undefined)?.[part],
          lib,
        );
        if (value === undefined) missing.push(`${exercise}: ${name}`);
      }
    }
  }
  expect(missing).toEqual([]);
});

test("the course's own solutions are not noted; a solution that uses the library's answer is", async () => {
  for (const { name, nb, answers } of await lessons()) {
    expect(rebuild(nb, nb).notes, name).toEqual([]);
    for (const [exercise, names] of answers) {
      for (const call of names) {
        const theirs = structuredClone(nb);
        const cell = theirs.cells.find((c) => exerciseOf(c)?.id === exercise && c.id)!;
        cell.source = `${studentSource(cell)}\nvoid ${call};`;
        expect(rebuild(nb, theirs).notes, `${name} ${exercise} ${call}`).toEqual([{
          exercise,
          text: `your solution calls the library's \`${call}\`, which computes what this ` +
            "exercise asks you to write: write it yourself",
        }]);
      }
    }
  }
});

test("the README lists exactly the exercises whose solution cells name the library's answer", async () => {
  const readme = await Deno.readTextFile(join(PROJECT_ROOT, "README.md"));
  const listed = [...readme.matchAll(/^ {2}\| (\d\d) +\| `([\w-]+)` +\| (.+?) +\|$/gm)]
    .map(([, lesson, exercise, names]) => `${lesson} ${exercise}: ${names.replaceAll("`", "")}`);
  const marked = (await lessons()).flatMap(({ name, answers }) =>
    answers.map(([exercise, names]) => `${name.slice(0, 2)} ${exercise}: ${names.join(", ")}`)
  );
  expect(listed).toEqual(marked);
  expect(marked.length).toBe(20);
});
