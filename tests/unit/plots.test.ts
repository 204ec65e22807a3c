import { beforeAll, expect, test } from "vitest";
import {
  confusionMatrixPlot,
  decisionBoundary,
  heatmap,
  histogram,
  imageGrid,
  init,
  labelColours,
  linePlot,
  lossSurface,
  overlay,
  plot,
  type Rich,
  saveHtml,
  scatterByClass,
  tf,
} from "@course/lib";
import { PLOTLY_LOADER_ID, plotlyShippedYet } from "../../lib/display/plotly.ts";

beforeAll(async () => {
  await init({ backend: "cpu", quiet: true });
});

type Fig = { data: Record<string, unknown>[]; layout: Record<string, unknown> };
const figureOf = (r: Rich) => r.bundle["application/vnd.plotly.v1+json"] as Fig;

test("line plot: one trace per series, epochs from 1", () => {
  const f = figureOf(linePlot({ train: [3, 2], val: [4, 3] }, { xTitle: "epoch", logY: true }));
  expect(f.data.map((t) => [t.name, t.x, t.y])).toEqual([["train", [1, 2], [3, 2]], [
    "val",
    [1, 2],
    [4, 3],
  ]]);
  expect((f.layout.yaxis as { type: string }).type).toBe("log");
});

test("scatter by class: one trace per class with its points", () => {
  const f = figureOf(
    scatterByClass([[0, 0], [1, 1], [0, 1]], [0, 1, 1], { classNames: ["no", "yes"] }),
  );
  expect(f.data.map((t) => [t.name, t.x, t.y])).toEqual([["no", [0], [0]], ["yes", [1, 0], [
    1,
    1,
  ]]]);
  expect(() => scatterByClass([[0, 0]], [0, 1])).toThrow("1 points and 2 labels");
});

test("decision boundary: the classifier's scores on the grid, the 0.5 contour and the data", () => {
  const f = figureOf(decisionBoundary((ps) => ps.map(([x, y]) => (x + y > 1 ? 1 : 0)), {
    xRange: [0, 1],
    yRange: [0, 1],
    resolution: 3,
    points: [[0, 0]],
    labels: [0],
  }));
  expect(f.data[0].z).toEqual([[0, 0, 0], [0, 0, 1], [0, 1, 1]]); // rows are y, columns x
  expect((f.data[1].contours as { start: number }).start).toBe(0.5);
  expect(f.data[2].name).toBe("class 0");
});

test("heatmap, confusion matrix, histogram", () => {
  expect(figureOf(heatmap([[1, 2], [3, 4]], { x: ["a", "b"] })).data[0]).toMatchObject({
    type: "heatmap",
    z: [[1, 2], [3, 4]],
  });
  const cm = figureOf(confusionMatrixPlot([[5, 1], [2, 7]], ["cat", "dog"]));
  expect(
    (cm.layout.annotations as { text: string; x: string; y: string }[]).map((a) =>
      `${a.y}→${a.x}:${a.text}`
    ),
  )
    .toEqual(["cat→cat:5", "cat→dog:1", "dog→cat:2", "dog→dog:7"]);
  expect(figureOf(histogram(new Float32Array([1, 2, 2]), { bins: 2 })).data[0]).toMatchObject({
    x: [1, 2, 2],
    nbinsx: 2,
  });
});

test("loss surface: the function on the grid and the trajectories", () => {
  const f = figureOf(lossSurface((x, y) => x * x + y, {
    xRange: [0, 2],
    yRange: [0, 1],
    resolution: 3,
    trajectories: [{ name: "Adam", points: [[2, 1], [1, 0.5]] }],
  }));
  expect(f.data[0].z).toEqual([[0, 1, 4], [0.5, 1.5, 4.5], [1, 2, 5]]);
  expect(f.data[1]).toMatchObject({ name: "Adam", x: [2, 1], y: [1, 0.5] });
});

test("image grid: one PNG and caption per image", async () => {
  const grid = await imageGrid(tf.zeros([3, 4, 4]), { titles: ["a", "b", "<c>"] });
  const html = grid.bundle["text/html"] as string;
  expect(html.match(/<img src="data:image\/png;base64,/g)?.length).toBe(3);
  expect(html).toContain('<figcaption style="font:11px sans-serif">&lt;c&gt;</figcaption>');
  expect(grid.toString()).toBe("3 images: a, b, <c>");
});

test("label colours and overlays", () => {
  const rgb = labelColours(tf.tensor2d([[0, 1], [2, 11]], undefined, "int32"));
  const px = Array.from(rgb.dataSync()).map((v) => Math.round(v * 255));
  expect(px.slice(0, 3)).toEqual([0, 0, 0]); // background
  expect(px.slice(3, 6)).toEqual([0x1f, 0x77, 0xb4]); // label 1: first colour
  expect(px.slice(9, 12)).toEqual([0x1f, 0x77, 0xb4]); // label 11 wraps around the palette
  const o = overlay(tf.tensor2d([[0, 1]]), tf.tensor2d([[1, 0]]), {
    colour: [1, 0, 0],
    alpha: 0.5,
  });
  expect(Array.from(o.dataSync())).toEqual([0.5, 0, 0, 1, 1, 1]);
});

test("saveHtml writes a standalone page that carries plotly.js, without touching the session's state", async () => {
  const view = plot({ data: [{ y: [1, 2] }], layout: { title: { text: "saved" } } }, {
    plotlyJs: "never",
  });
  const before = plotlyShippedYet();
  const path = `${await Deno.makeTempDir()}/figure.html`;
  await saveHtml(view, path, "my figure");
  const page = await Deno.readTextFile(path);
  expect(page).toMatch(
    /^<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>my figure<\/title>/,
  );
  expect(page).toContain(PLOTLY_LOADER_ID);
  expect(page).toContain('"text":"saved"');
  expect(plotlyShippedYet()).toBe(before);
  const gridPath = `${path}.grid.html`;
  await saveHtml(imageGrid([tf.zeros([2, 2])]), gridPath);
  expect(await Deno.readTextFile(gridPath)).toContain("<img src=");
});
