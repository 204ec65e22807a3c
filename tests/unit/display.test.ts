import { describe, expect, test, vi } from "vitest";
import { decode } from "fast-png";
import { gunzipSync } from "node:zlib";
import { image, plot, Rich, show, table, tf } from "@course/lib";
import { toBase64, toPng } from "../../lib/display/image.ts";
import { PLOTLY_LOADER_ID } from "../../lib/display/plotly.ts";

describe("table", () => {
  test("a tensor: aligned text with its dtype and shape, and an HTML table", async () => {
    const t = await table(tf.tensor2d([[1, 2.5], [30, -4]]));
    expect(t.bundle["text/plain"]).toBe("Tensor float32 [2, 2]\n 1  2.5\n30   -4");
    expect(t.bundle["text/html"]).toContain(
      "<tr><td>1</td><td>2.5</td></tr><tr><td>30</td><td>-4</td></tr>",
    );
  });

  test("records get a header; numbers keep `digits` significant digits", () => {
    const t = table([{ x: 1, y: 1 / 3 }, { x: 2, y: 2 / 3 }], { digits: 3 });
    expect(t.toString()).toBe("x      y\n-  -----\n1  0.333\n2  0.667");
    expect(t.bundle["text/html"]).toContain("<thead><tr><th>x</th><th>y</th></tr></thead>");
  });

  test("HTML is escaped", () => {
    expect(table([["<b>"]]).bundle["text/html"]).toContain("<td>&lt;b&gt;</td>");
  });

  test("a rank-3 tensor is refused with its shape", () => {
    expect(() => table(tf.zeros([2, 2, 2]))).toThrow(
      "Cannot show a tensor as a table as its rank must be 0, 1 or 2: current shape is [2, 2, 2]",
    );
  });
});

describe("image", () => {
  test("floats in [0, 1] map to 0..255 and decode back to the same pixels", async () => {
    const png = await toPng(tf.tensor2d([[0, 0.5], [1, 0.25]]), { scale: 1 });
    const decoded = decode(png.bytes);
    expect([decoded.width, decoded.height, decoded.channels]).toEqual([2, 2, 1]);
    expect(Array.from(decoded.data)).toEqual([0, 128, 255, 64]);
  });

  test("other ranges are stretched from minimum to maximum; small images are enlarged", async () => {
    const png = await toPng(tf.tensor2d([[-2, 0], [2, 6]]));
    expect([png.width, png.height]).toEqual([128, 128]);
    const data = decode(png.bytes).data;
    expect([data[0], data[64], data[64 * 128], data[128 * 128 - 1]]).toEqual([0, 64, 128, 255]);
  });

  test("boolean masks show true as white", async () => {
    const png = await toPng(tf.tensor2d([[0, 1]], [1, 2], "bool"), { scale: 1 });
    const data = decode(png.bytes).data;
    expect(Array.from(data)).toEqual([0, 255]);
  });

  test("RGB tensors keep their channels; the bundle is a base64 PNG with a text description", async () => {
    const rich = await image(tf.ones([4, 4, 3]), { scale: 2, title: "white" });
    expect(rich.toString()).toBe("white: image 4×4×3 RGB (PNG 8×8)");
    const bytes = Uint8Array.from(atob(rich.bundle["image/png"] as string), (c) => c.charCodeAt(0));
    expect(decode(bytes).channels).toBe(3);
  });

  test("a shape that is no image is refused with the shape", () => {
    expect(() => image(tf.zeros([2, 2, 2]))).toThrow(
      "Cannot make an image as the tensor's shape must be [height, width] or [height, width, 1|3|4] (or a batch of one): current shape is [2, 2, 2]",
    );
  });

  test("base64 matches the platform's", () => {
    const bytes = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7) % 256);
    expect(toBase64(bytes)).toBe(Buffer.from(bytes).toString("base64"));
  });
});

describe("plot", () => {
  const figure = {
    data: [{ x: [1, 2], y: [3, 4], type: "scatter", name: "</script><b>" }],
    layout: { title: { text: "T" } },
  };

  test("one bundle: plotly JSON, offline HTML and text; plotly.js shipped once per session", () => {
    const first = plot(figure).bundle, second = plot(figure).bundle;
    expect(first["application/vnd.plotly.v1+json"]).toEqual({ ...figure, config: {} });
    expect(first["text/plain"]).toBe('Figure "T": 1 trace(s) (scatter)');
    const packed = (first["text/html"] as string).match(/atob\("([A-Za-z0-9+/=]+)"\)/)![1];
    expect(gunzipSync(Buffer.from(packed, "base64")).toString()).toContain("plotly.js v3");
    expect((first["text/html"] as string).length).toBeGreaterThan(1_000_000);
    expect(second["text/html"]).not.toContain(PLOTLY_LOADER_ID);
    expect((second["text/html"] as string).length).toBeLessThan(5_000);
    expect(second["text/html"]).toContain("Plotly.newPlot");
  });

  test("data cannot close the script element it is embedded in", () => {
    const html = plot(figure).bundle["text/html"] as string;
    expect(html.match(/<\/script>/g)?.length).toBe(1);
  });

  test("a figure without data is refused", () => {
    expect(() => plot({} as never)).toThrow(
      "Cannot plot as the figure must have a 'data' array of traces",
    );
  });
});

describe("show", () => {
  test("outside Jupyter, show prints the plain text", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    await show(new Rich({ "text/plain": "hello", "text/html": "<b>hello</b>" }));
    expect(log).toHaveBeenCalledWith("hello");
    log.mockRestore();
  });

  test("a bundle without text/plain is refused", () => {
    expect(() => new Rich({ "text/html": "x" })).toThrow(
      'must have a "text/plain" string: current keys are text/html',
    );
  });
});
