import { afterAll, beforeAll, expect, test } from "vitest";
import { join } from "node:path";
import { PLOTLY_LOADER_ID } from "../../lib/display/plotly.ts";
import { PROJECT_ROOT } from "../../contract/files.ts";
import { runNotebook } from "../../kernel/jupyter/runner.ts";
import { JupyterServer } from "../../kernel/jupyter/server.ts";

let server: JupyterServer;
beforeAll(async () => {
  server = await JupyterServer.start(PROJECT_ROOT);
});
afterAll(async () => {
  await server?.stop();
});

test(
  "in a notebook, fit's progress bar and live plot are each one output updated in place",
  async () => {
    const result = await runNotebook(
      server,
      join(PROJECT_ROOT, "tests/fixtures/training_display.ipynb"),
      {
        timeoutS: 120,
      },
    );
    expect(result.failure).toBeUndefined();
    const outputs = result.notebook.cells[1].outputs!;
    const displays = outputs.filter((o) => o.output_type === "display_data") as {
      data: Record<string, unknown>;
    }[];
    const plots = displays.filter((o) => o.data["application/vnd.plotly.v1+json"]);
    const bars = displays.filter((o) =>
      String(o.data["text/html"] ?? "").includes("course-progress")
    );
    expect(plots.length).toBe(1);
    expect(bars.length).toBe(1);
    expect(displays.length).toBe(2);
    const figure = plots[0].data["application/vnd.plotly.v1+json"] as {
      data: { name: string; x: number[] }[];
    };
    expect(figure.data.map((t) => t.name)).toEqual(["loss", "valLoss"]);
    expect(figure.data[0].x).toEqual([1, 2, 3, 4, 5]); // the last frame holds every epoch
    expect(plots[0].data["text/html"]).toContain(PLOTLY_LOADER_ID); // the saved notebook can draw it
    expect(bars[0].data["text/plain"]).toMatch(/^training █{24} 100% 40\/40 /);
    expect(outputs.at(-1)).toEqual({
      output_type: "stream",
      name: "stdout",
      text: "trained 5 epochs\n",
    });
  },
  120_000,
);
