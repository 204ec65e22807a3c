import { expect, test } from "vitest";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../contract/files.ts";
import { readNotebook, sourceOf } from "../../kernel/jupyter/notebook.ts";

/** A statement that makes a table, an image or a plot: shown only as its cell's last expression. */
const DISPLAY = new RegExp(
  "^(table|image|imageGrid|plot|linePlot|heatmap|histogram|scatterByClass|confusionMatrixPlot|" +
    "lossSurface|decisionBoundary|describe\\w*)\\(",
);
/** A line that starts a statement of the cell itself (not a continuation or a closing bracket). */
const STATEMENT = /^[^\s)\]}/]/;

test("every table, image and plot a lesson makes is shown: last in its cell, or through show()", async () => {
  const lost: string[] = [];
  const folder = join(PROJECT_ROOT, "notebooks");
  for (const entry of [...Deno.readDirSync(folder)].filter((e) => e.name.endsWith(".ipynb"))) {
    const cells = (await readNotebook(join(folder, entry.name))).cells;
    cells.forEach((cell, index) => {
      if (cell.cell_type !== "code") return;
      const lines = sourceOf(cell).split("\n");
      lines.forEach((line, i) => {
        // Deno's kernel shows the value of a cell's last expression only; an earlier one is lost.
        if (DISPLAY.test(line) && lines.slice(i + 1).some((l) => STATEMENT.test(l))) {
          lost.push(`${entry.name} cell ${index + 1}: ${line.trim()}`);
        }
      });
    });
  }
  expect(lost).toEqual([]);
});
