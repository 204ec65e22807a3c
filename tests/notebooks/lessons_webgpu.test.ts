/**
 * Every lesson top to bottom on the WebGPU backend, at the smoke setting: the backend the course is
 * built for. Without a GPU, Deno's software adapter (llvmpipe) runs the same WebGPU implementation
 * and the same tfjs shaders as a real GPU, slowly; a synchronous read of a tensor on the GPU fails
 * there as it does on a GPU.
 */
import { requireWebGpu } from "../helpers.ts";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../contract/files.ts";
import type { Notebook } from "../../kernel/jupyter/notebook.ts";
import { runNotebook } from "../../kernel/jupyter/runner.ts";
import { JupyterServer } from "../../kernel/jupyter/server.ts";

const NOTEBOOKS = join(PROJECT_ROOT, "notebooks");
const lessons = [...Deno.readDirSync(NOTEBOOKS)].map((e) => e.name).filter((n) =>
  n.endsWith(".ipynb")
).sort();

let server: JupyterServer;
beforeAll(async () => {
  await requireWebGpu("run the lessons on WebGPU");
  server = await JupyterServer.start(PROJECT_ROOT, {
    env: { COURSE_BACKEND: "webgpu", COURSE_SETTING: "smoke" },
  });
});
afterAll(async () => {
  await server?.stop();
});

const textsOf = (nb: Notebook): string[] =>
  nb.cells.flatMap((c) => c.outputs ?? []).map((o) =>
    ("data" in o ? o.data["text/plain"] : "text" in o ? o.text : "") as string
  );

describe.each(lessons)("%s", (name) => {
  test("runs top to bottom on WebGPU at the smoke setting", async () => {
    const result = await runNotebook(server, join(NOTEBOOKS, name), {
      timeoutS: 600,
      out: join(PROJECT_ROOT, "out", "test", "webgpu", name),
    });
    const where = result.failure &&
      `cell ${result.failure.cell}: ${result.failure.source}\n${result.failure.error}`;
    expect(result.ok, where).toBe(true);
    const texts = textsOf(result.notebook);
    const backend = texts.find((t) => t.startsWith("backend: "));
    if (backend) expect(backend).toBe("backend: webgpu (forced by COURSE_BACKEND)\n");
    const setting = texts.find((t) => t.startsWith("setting: "));
    if (setting) expect(setting).toMatch(/^setting: smoke /);
  }, 900_000);
});
