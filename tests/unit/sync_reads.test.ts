import { expect, test } from "vitest";
import { join, relative } from "node:path";
import { PROJECT_ROOT } from "../../contract/files.ts";
import { readNotebook, sourceOf } from "../../kernel/jupyter/notebook.ts";

/** What attendees, researchers and the commands run: none of it may read a GPU tensor synchronously. */
const FOLDERS = ["lib", "datasets", "examples", "notebooks"];
/** A synchronous read of a tensor (or of anything that reads one, as `print` does). */
const SYNC_READ = /\.(dataSync|arraySync|bufferSync|print)\(/;
/** The one-line comment that an allowed synchronous read carries. */
const ON_CPU = "on the CPU by construction";

async function* sources(dir: string): AsyncGenerator<[string, string]> {
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* sources(path);
    else if (entry.name.endsWith(".ts")) yield [path, await Deno.readTextFile(path)];
    else if (entry.name.endsWith(".ipynb")) {
      const code = (await readNotebook(path)).cells.filter((c) => c.cell_type === "code");
      yield [path, code.map(sourceOf).join("\n")];
    }
  }
}

test("no synchronous read of a tensor in the library, data sets, examples or lessons", async () => {
  const found: string[] = [];
  for (const folder of FOLDERS) {
    for await (const [path, text] of sources(join(PROJECT_ROOT, folder))) {
      text.split("\n").forEach((line, i) => {
        if (SYNC_READ.test(line) && !line.includes(ON_CPU)) {
          found.push(`${relative(PROJECT_ROOT, path)}:${i + 1}: ${line.trim()}`);
        }
      });
    }
  }
  // On WebGPU under Deno these throw: read with `await t.data()`, or keep the tensor on the CPU on
  // purpose and say so on the line ("on the CPU by construction").
  expect(found).toEqual([]);
});
