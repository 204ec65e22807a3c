import { beforeAll, describe, expect, test } from "vitest";
import {
  init,
  losses,
  metrics,
  nonMaximumSuppression,
  objectCentres,
  objectProbabilities,
  type Polygon,
  polygonOverlap,
  polygonsToLabels,
  rasterisePolygon,
  rayDirections,
  starDistances,
  starDistInstances,
  starDistNet,
  starDistPatches,
  starDistTargets,
  starPolygon,
  tf,
} from "@course/lib";
import { loadNuclei } from "@course/datasets";

beforeAll(async () => {
  await init({ backend: "cpu", quiet: true });
});

/** A [height, width] label image of discs: label i + 1 at centre [y, x] with radius r. */
function discs(height: number, width: number, list: [number, number, number][]): tf.Tensor2D {
  const values = new Int32Array(height * width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      list.forEach(([cy, cx, r], i) => {
        if ((y - cy) ** 2 + (x - cx) ** 2 <= r * r && !values[y * width + x]) {
          values[y * width + x] = i + 1;
        }
      });
    }
  }
  return tf.tensor2d(values, [height, width], "int32");
}

/** A square of `side` pixels whose top-left pixel is (top, left), as label 1 in a [h, w] image. */
function square(h: number, w: number, top: number, left: number, side: number): tf.Tensor2D {
  return tf.tidy(() =>
    tf.pad(tf.ones([side, side], "int32"), [[top, h - top - side], [left, w - left - side]])
  );
}

/** The pixel-edge outline of pixels [top, top + side) × [left, left + side). */
const outline = (top: number, left: number, side: number): Polygon => [
  [top - 0.5, left - 0.5],
  [top - 0.5, left + side - 0.5],
  [top + side - 0.5, left + side - 0.5],
  [top + side - 0.5, left - 0.5],
];

const at = async (t: tf.Tensor3D, y: number, x: number) =>
  Array.from(await t.slice([y, x, 0], [1, 1, -1]).data());

/**
 * StarDist's own distances, ported line by line from `c_star_dist` in stardist/lib/stardist2d.cpp
 * (github.com/stardist/stardist, 0.9): float32 arithmetic (`Math.fround`), `lrint`'s rounding
 * (half to even), `dy = cos φ` the column step and `dx = sin φ` the row step, as there.
 */
function stardistStarDist(src: ArrayLike<number>, rows: number, columns: number, nRays: number) {
  const f = Math.fround;
  const lrint = (r: number) => {
    const floor = Math.floor(r), rest = r - floor;
    return rest > 0.5 || (rest === 0.5 && floor % 2 !== 0) ? floor + 1 : floor;
  };
  const dst = new Float32Array(rows * columns * nRays);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < columns; j++) {
      const value = src[i * columns + j];
      if (value === 0) continue;
      const stRays = f((2 * Math.PI) / nRays);
      for (let k = 0; k < nRays; k++) {
        const phi = f(k * stRays), dy = f(Math.cos(phi)), dx = f(Math.sin(phi));
        let x = 0, y = 0;
        for (;;) {
          x = f(x + dx);
          y = f(y + dy);
          const ii = lrint(f(i + x)), jj = lrint(f(j + y));
          if (ii < 0 || ii >= rows || jj < 0 || jj >= columns || value !== src[ii * columns + jj]) {
            const tCorr = f(0.5 / Math.max(Math.abs(dx), Math.abs(dy)));
            x = f(x + f(f(tCorr - 1) * dx));
            y = f(y + f(f(tCorr - 1) * dy));
            dst[(i * columns + j) * nRays + k] = f(Math.sqrt(f(f(x * x) + f(y * y))));
            break;
          }
        }
      }
    }
  }
  return dst;
}

describe("star-convex distances", () => {
  test("rays: evenly spaced, ray 0 to the right, ray n/4 down", () => {
    const d = rayDirections(8);
    expect(d[0][0]).toBeCloseTo(0, 12);
    expect(d[0][1]).toBeCloseTo(1, 12);
    expect(d[2][0]).toBeCloseTo(1, 12);
    expect(d[1]).toEqual([Math.SQRT1_2, Math.SQRT1_2].map((v) => expect.closeTo(v, 12)));
    expect(() => rayDirections(2)).toThrow("'rays' must be an integer of at least 3");
  });

  test("a 9×9 square from its centre: 4.5 along the axes; a diagonal ends at the far corner of its last pixel inside", async () => {
    // Pixels 2…10 in both axes, centre (6, 6): the edges lie 4.5 pixels away.
    const d = await starDistances(square(14, 14, 2, 2, 9), 8);
    const [right, diagonal, down, , left, , up] = await at(d, 6, 6);
    expect([right, down, left, up]).toEqual([4.5, 4.5, 4.5, 4.5]);
    // Steps of (0.707, 0.707): step 7 rounds to pixel (11, 11), outside; step 6 rounds to (10, 10),
    // the corner pixel, whose far corner lies 0.5/0.707 steps further along the diagonal.
    expect(diagonal).toBeCloseTo(6 + 0.5 / Math.SQRT1_2, 5);
    // A pixel at the square's left edge: 0.5 to the left, 8.5 to the right.
    const edge = await at(d, 6, 2);
    expect([edge[0], edge[4]]).toEqual([8.5, 0.5]);
    expect(await at(d, 0, 0)).toEqual(Array(8).fill(0)); // background
  });

  test(
    "StarDist's own rule, ported from its C source, gives every ray of the DSB labels to 1e-4",
    async () => {
      const { image, labels } = await loadNuclei();
      const [rows, columns] = labels.shape;
      const ours = await (await starDistances(labels, 32)).data();
      const theirs = stardistStarDist(await labels.data(), rows, columns, 32);
      let worst = 0, rays = 0;
      for (let i = 0; i < theirs.length; i++) {
        worst = Math.max(worst, Math.abs(ours[i] - theirs[i]));
        if (theirs[i] > 0) rays++;
      }
      expect(rays).toBeGreaterThan(32 * 10_000); // the nuclei's pixels, every one of their rays
      expect(worst).toBeLessThan(1e-4);
      tf.dispose([image, labels]);
    },
    60_000,
  );

  test("a disc of radius 10: 10.5 along the axes, every ray within a pixel of it", async () => {
    const d = await at(await starDistances(discs(31, 31, [[15, 15, 10]]), 32), 15, 15);
    expect(d.length).toBe(32);
    // The disc is made of pixels: a ray between the axes can leave through a notch of its outline.
    for (const r of d) expect(Math.abs(r - 10.5)).toBeLessThanOrEqual(1.05);
    expect([d[0], d[8], d[16], d[24]]).toEqual([10.5, 10.5, 10.5, 10.5]);
  });

  test("two touching discs: a ray stops where the neighbour starts, not at the background", async () => {
    // Centres 12 apart, radius 6 each: they touch along column 20 (disc 1 wins ties).
    const labels = discs(25, 40, [[12, 14, 6], [12, 26, 6]]);
    const d = await at(await starDistances(labels, 4), 12, 14);
    // Right: disc 1 ends at column 20 (distance 6), the next pixel belongs to disc 2.
    expect(d).toEqual([6.5, 6.5, 6.5, 6.5]);
    const other = await at(await starDistances(labels, 4), 12, 26);
    expect(other[2]).toBe(5.5); // to the left, disc 2 ends at column 21 where disc 1 holds 20
  });

  test("object probabilities: the centre 1, the rim 1/r, the background 0; centres found", async () => {
    const labels = discs(31, 31, [[15, 15, 10]]);
    const p = await (await objectProbabilities(labels)).array();
    // The centre's nearest outside pixel is (16, 25): 1² + 10² = 101 > 100. No pixel is farther.
    expect(p[15][15]).toBe(1);
    // The rim pixel (15, 25) touches (15, 26), outside: distance 1 of the largest √101.
    expect(p[15][25]).toBeCloseTo(1 / Math.sqrt(101), 6);
    expect(p[0][0]).toBe(0);
    expect(await objectCentres(discs(25, 40, [[12, 14, 6], [12, 26, 6]]))).toEqual(
      new Map([[1, [12, 14]], [2, [12, 26]]]),
    );
  });

  test("a polygon drawn back from a disc's distances covers the disc: IoU above 0.95 with 32 rays", async () => {
    const labels = discs(31, 31, [[15, 15, 10]]);
    const polygon = starPolygon(15, 15, await at(await starDistances(labels, 32), 15, 15));
    const redrawn = polygonsToLabels([polygon], 31, 31);
    expect(await metrics.iou(labels, redrawn)).toBeGreaterThan(0.95);
  });

  test("StarDist's targets: the probability in channel 0, the distances after it", async () => {
    const targets = await starDistTargets(square(12, 12, 2, 2, 5), 4);
    expect(targets.shape).toEqual([12, 12, 5]);
    expect(Array.from(await targets.slice([4, 4, 0], [1, 1, 5]).data()))
      .toEqual([1, 2.5, 2.5, 2.5, 2.5]);
    expect(Array.from(await targets.slice([0, 0, 0], [1, 1, 5]).data())).toEqual([0, 0, 0, 0, 0]);
  });

  test("StarDist's patches: eight flips and turns, each with its own targets, so rays turn too", async () => {
    // A 3×7 rectangle (rows 5–7, columns 2–8) in a 16×16 image; patches of the whole image.
    const labels = tf.tidy(() => tf.pad(tf.ones([3, 7], "int32"), [[5, 8], [2, 7]])) as tf.Tensor2D;
    const { x, y } = await starDistPatches(labels.toFloat() as tf.Tensor2D, labels, {
      size: 16,
      count: 8,
      rays: 4,
    });
    expect([x.shape, y.shape]).toEqual([[8, 16, 16, 1], [8, 16, 16, 5]]);
    const pixel = async (k: number, r: number, c: number) =>
      Array.from(await y.slice([k, r, c, 0], [1, 1, 1, 5]).data());
    // As it is, from its centre (6, 5): right 3.5, down 1.5, left 3.5, up 1.5.
    expect(await pixel(0, 6, 5)).toEqual([1, 3.5, 1.5, 3.5, 1.5]);
    // Turned a quarter clockwise, (r, c) → (c, 15 − r): a 7×3 rectangle, centre (5, 9).
    expect(await pixel(1, 5, 9)).toEqual([1, 1.5, 3.5, 1.5, 3.5]);
    expect(await x.slice([1, 5, 9, 0], [1, 1, 1, 1]).data()).toEqual(new Float32Array([1]));
    // An object cut by a patch's edge keeps its whole-image targets. The image holds each pixel's
    // index, so a patch's first value says where it was cut.
    const index = tf.range(0, 256).reshape([16, 16]) as tf.Tensor2D;
    const cut = await starDistPatches(index, labels, {
      size: 4,
      count: 3,
      rays: 4,
      foreground: 1,
      augment: false,
    });
    const whole = await starDistTargets(labels, 4);
    for (let k = 0; k < 3; k++) {
      const corner = (await cut.x.slice([k, 0, 0, 0], [1, 1, 1, 1]).data())[0];
      const [top, left] = [Math.floor(corner / 16), corner % 16];
      expect(await cut.y.slice([k], [1]).reshape([4, 4, 5]).array())
        .toEqual(await whole.slice([top, left, 0], [4, 4, 5]).array());
    }
  });
});

describe("polygons", () => {
  test("rasterised: the pixels whose centres are inside, shared edges counted once", () => {
    expect(rasterisePolygon(outline(0, 0, 2), 4, 4)).toEqual([0, 1, 4, 5]);
    expect(rasterisePolygon(outline(1, 1, 3), 6, 6).length).toBe(9);
    // Two rectangles sharing the edge x = 1, through pixel centres: column 1 goes to the right one.
    const left = new Set(rasterisePolygon([[-0.5, -0.5], [-0.5, 1], [3.5, 1], [3.5, -0.5]], 4, 4));
    const right = rasterisePolygon([[-0.5, 1], [-0.5, 3.5], [3.5, 3.5], [3.5, 1]], 4, 4);
    expect(right.filter((p) => left.has(p))).toEqual([]);
    expect(left.size + right.length).toBe(4 * 4); // rows 0–3, columns 0–3
    // Clipped to the image.
    expect(rasterisePolygon(outline(-5, -5, 7), 4, 4)).toEqual([0, 1, 4, 5]);
  });

  test("overlap of two 4×4 squares two columns apart: 8 shared of 24, 8 of the smaller 16", () => {
    expect(polygonOverlap(outline(0, 0, 4), outline(0, 2, 4), 8, 8)).toEqual({
      intersection: 8,
      union: 24,
      iou: 1 / 3,
      overlap: 0.5,
    });
    // A small square inside a big one: IoU 4/36, but the small one is wholly covered.
    expect(polygonOverlap(outline(0, 0, 6), outline(1, 1, 2), 8, 8).overlap).toBe(1);
  });

  test("non-maximum suppression: the most probable first; τ decides what overlaps too much", () => {
    const candidate = (left: number, score: number) => ({
      y: 2,
      x: left + 2,
      score,
      polygon: outline(0, left, 4),
    });
    // A at 0 (0.9), B at 1 (0.8, overlap with A 12/16 = 0.75), C at 3 (0.7, overlap with A 4/16).
    const candidates = [candidate(1, 0.8), candidate(3, 0.7), candidate(0, 0.9)];
    const kept = (threshold: number) =>
      nonMaximumSuppression(candidates, { threshold, height: 6, width: 10 }).map((c) => c.score);
    expect(kept(0.4)).toEqual([0.9, 0.7]); // B dropped (0.75 > 0.4); C kept (0.25)
    expect(kept(0.8)).toEqual([0.9, 0.8, 0.7]); // τ too high: B, a near-duplicate, survives
    expect(kept(0.2)).toEqual([0.9]); // τ too low: C, a neighbour, is dropped too
  });

  test("StarDist's prediction of two touching discs, made from their true targets, gives two objects", async () => {
    const labels = discs(25, 40, [[12, 14, 6], [12, 26, 6]]);
    const [p, d] = [await objectProbabilities(labels), await starDistances(labels, 32)];
    const { labels: found, count } = await starDistInstances(p, d, { nmsThreshold: 0.4 });
    expect(count).toBe(2);
    const [match] = await metrics.matchInstances(labels, found, [0.8]);
    expect(match.averagePrecision).toBe(1);
    // Connected components of the same foreground merge them into one.
    expect(new Set(await labels.greater(0).toInt().data()).size).toBe(2);
  });
});

describe("StarDist's network and loss", () => {
  test("the network: channel 0 a probability, then one distance per ray", async () => {
    const model = starDistNet({ inputShape: [null, null, 1], depth: 2, baseFilters: 4, rays: 8 });
    const y = model.predict(tf.randomNormal([1, 16, 12, 1], 0, 1, "float32", 0)) as tf.Tensor;
    expect(y.shape).toEqual([1, 16, 12, 9]);
    const p = await y.slice([0, 0, 0, 0], [-1, -1, -1, 1]).data();
    expect(Math.min(...p)).toBeGreaterThan(0);
    expect(Math.max(...p)).toBeLessThan(1);
    expect(Math.min(...await y.slice([0, 0, 0, 1]).data())).toBeLessThan(0); // linear distances
  });

  test("the loss by hand: BCE plus 0.2 × the probability-weighted mean distance error", async () => {
    const yTrue = tf.tensor4d([[[[1, 4, 4]], [[0, 0, 0]]]]);
    const yPred = tf.tensor4d([[[[0.5, 5, 3]], [[0.5, 9, 9]]]]);
    // BCE: −(ln 0.5 + ln 0.5) / 2 = ln 2. Distances: the object pixel (weight 1) is 1 off on both
    // rays, the background pixel (weight 0) 9 off: (1·1 + 0·9) / (1 + 0) = 1.
    const [loss] = await losses.starDistLoss(yTrue, yPred).data();
    expect(loss).toBeCloseTo(Math.log(2) + 0.2 * 1, 5);
    expect(() => losses.starDistLoss(yTrue, yPred.slice([0, 0, 0, 0], [-1, -1, -1, 2])))
      .toThrow("targets and predictions must have the same shape");
  });
});
