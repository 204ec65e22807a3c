/**
 * The test suite itself: a test whose requirement is missing fails with the fix in its message; no
 * test skips, so a green run hides nothing.
 */
import { expect, test } from "vitest";
import { join, relative } from "node:path";
import { PROJECT_ROOT } from "../../contract/files.ts";

/** Ways vitest skips a test or a file, or leaves one for later. */
const SKIPS = /\.(skip|skipIf|runIf|todo|only)\b|\bctx\.skip\(|\bcontext\.skip\(/;

test("no test skips itself: every requirement is installed by npm test, or the test fails", async () => {
  const found: string[] = [];
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(dir)) {
      const path = join(dir, entry.name);
      if (entry.isDirectory) await walk(path);
      else if (entry.name.endsWith(".ts") && path !== import.meta.filename) {
        (await Deno.readTextFile(path)).split("\n").forEach((line, i) => {
          if (SKIPS.test(line)) {
            found.push(`${relative(PROJECT_ROOT, path)}:${i + 1}: ${line.trim()}`);
          }
        });
      }
    }
  };
  await walk(join(PROJECT_ROOT, "tests"));
  expect(found).toEqual([]);
});
