import { afterAll, beforeAll, expect, test } from "vitest";
import { join } from "node:path";
import { JupyterServer } from "../../kernel/jupyter/server.ts";
import { runNotebook } from "../../kernel/jupyter/runner.ts";
import { PROJECT_ROOT } from "../../contract/files.ts";
import type { Output } from "../../kernel/jupyter/notebook.ts";

let server: JupyterServer;
beforeAll(async () => {
  server = await JupyterServer.start(PROJECT_ROOT);
});
afterAll(async () => {
  await server?.stop();
});

/** What the fixture's cell i prints, by the pattern it was written with. */
function expectedOutputs(i: number): Output[] {
  switch (i % 5) {
    case 0:
      return [{ output_type: "stream", name: "stdout", text: `cell ${i}: ${i * i}\n` }];
    case 1:
      return [{
        output_type: "execute_result",
        data: { "text/plain": String(i * 3) },
        metadata: {},
        execution_count: i + 1,
      }];
    case 2:
      return [{
        output_type: "display_data",
        data: { "text/plain": `display ${i}` },
        metadata: {},
      }];
    case 3:
      return [
        { output_type: "stream", name: "stdout", text: `line a ${i}\n` },
        { output_type: "stream", name: "stderr", text: `err ${i}\n` },
        {
          output_type: "execute_result",
          data: { "text/plain": `"result ${i}"` },
          metadata: {},
          execution_count: i + 1,
        },
      ];
    default:
      return [{
        output_type: "execute_result",
        data: { "text/html": `<b>html ${i}</b>` },
        metadata: {},
        execution_count: i + 1,
      }];
  }
}

test("the 50-cell fixture run 20 times in a row loses no output", async () => {
  const path = join(PROJECT_ROOT, "tests/fixtures/fifty_cells.ipynb");
  const lost: string[] = [];
  for (let run = 1; run <= 20; run++) {
    const result = await runNotebook(server, path, { timeoutS: 30 });
    expect(result.ok).toBe(true);
    result.notebook.cells.forEach((cell, i) => {
      const got = JSON.stringify(cell.outputs);
      const want = JSON.stringify(expectedOutputs(i));
      if (got !== want) lost.push(`run ${run}, cell ${i + 1}: got ${got}, expected ${want}`);
    });
  }
  expect(lost).toEqual([]);
}, 300_000);
