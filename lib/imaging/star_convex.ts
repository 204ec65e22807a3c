/**
 * Used by lesson 11; by `deno task segment --instances`.
 *
 * StarDist's representation of objects (Schmidt et al., MICCAI 2018): every pixel of a nucleus
 * reaches the nucleus's whole boundary along straight lines, so the nucleus is a star-convex
 * polygon given by the distances from that pixel to the boundary along n fixed rays; and each
 * pixel's object probability, its distance to the background normalised within its object, says
 * how central it is. Polygons go back to pixels by rasterisation.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { valuesOf } from "../backend/read.ts";

/** A polygon's vertices as [row, column] points (pixel centres are at integer coordinates). */
export type Polygon = [number, number][];

/** Labels on the CPU: 0 = background, 1…N = one object each, row-major [height, width]. */
interface LabelGrid {
  values: ArrayLike<number>;
  height: number;
  width: number;
}

async function labelGrid(labels: tf.Tensor, what: string): Promise<LabelGrid> {
  if (labels.rank !== 2) {
    throw new Error(
      `Cannot compute ${what} as the labels must be 2-D [height, width]: current shape is [${
        labels.shape.join(", ")
      }]`,
    );
  }
  const [height, width] = labels.shape as [number, number];
  return { values: await valuesOf(labels), height, width };
}

function checkRays(rays: number): void {
  if (!Number.isInteger(rays) || rays < 3) {
    throw new Error(
      `Cannot use star-convex polygons as 'rays' must be an integer of at least 3: current value is ${rays}`,
    );
  }
}

/**
 * The directions of `rays` rays, evenly spaced: ray k points at angle 2πk/n, as [row step,
 * column step] = [sin, cos] (ray 0 to the right, ray n/4 down).
 *
 * @example
 * ```ts
 * import { rayDirections } from "@course/lib";
 * rayDirections(4); // [[0, 1], [1, 0], [0, -1], [-1, 0]] (to rounding)
 * ```
 */
export function rayDirections(rays: number): [number, number][] {
  checkRays(rays);
  return Array.from({ length: rays }, (_, k) => {
    const angle = (2 * Math.PI * k) / rays;
    return [Math.sin(angle), Math.cos(angle)];
  });
}

/**
 * The distance from pixel (y, x) to its object's boundary along direction (dy, dx), by StarDist's
 * rule (`c_star_dist` in stardist/lib/stardist2d.cpp, `_py_star_dist` in geometry/geom2d.py).
 */
function rayDistance(grid: LabelGrid, y: number, x: number, dy: number, dx: number): number {
  const { values, height, width } = grid, label = values[y * width + x];
  let r = 0;
  for (;;) {
    r++;
    const row = Math.round(y + r * dy), column = Math.round(x + r * dx);
    if (
      row < 0 || row >= height || column < 0 || column >= width ||
      values[row * width + column] !== label
    ) {
      // Step r - 1 still lay in a pixel of the object; StarDist puts the boundary half a pixel
      // further along the ray's larger component, about where the ray leaves that last pixel.
      return r - 1 + 0.5 / Math.max(Math.abs(dy), Math.abs(dx));
    }
  }
}

/**
 * Each pixel's distances to the boundary of its object along `rays` rays ({@linkcode rayDirections}):
 * a [height, width, rays] tensor, 0 on the background. As StarDist computes them: a ray walks one
 * unit at a time until the nearest pixel is outside the object (another object, the background or
 * the image's edge), and ends half a pixel (along the ray's larger component) past its last point
 * inside: about where it leaves the last pixel of the object.
 *
 * @example
 * ```ts
 * import { starDistances, tf } from "@course/lib";
 * const square = tf.tensor2d([[0, 0, 0], [0, 1, 0], [0, 0, 0]], undefined, "int32");
 * await (await starDistances(square, 4)).slice([1, 1, 0], [1, 1, 4]).data(); // [0.5, 0.5, 0.5, 0.5]
 * ```
 */
export async function starDistances(labels: tf.Tensor, rays = 32): Promise<tf.Tensor3D> {
  const grid = await labelGrid(labels, "star distances");
  return tf.tensor3d(distancesOf(grid, rays), [grid.height, grid.width, rays]);
}

function distancesOf(grid: LabelGrid, rays: number): Float32Array {
  const directions = rayDirections(rays), { values, height, width } = grid;
  const out = new Float32Array(height * width * rays);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (values[y * width + x] === 0) continue;
      directions.forEach(([dy, dx], k) => {
        out[(y * width + x) * rays + k] = rayDistance(grid, y, x, dy, dx);
      });
    }
  }
  return out;
}

/**
 * For each object, its pixels' Euclidean distances to the nearest pixel outside it (another
 * object, the background, or beyond the image's edge), as `visit(pixel, distance)`.
 */
function distancesToOutside(grid: LabelGrid, visit: (pixel: number, distance: number) => void) {
  const { values, height, width } = grid;
  const label = (y: number, x: number) =>
    y < 0 || y >= height || x < 0 || x >= width ? 0 : values[y * width + x];
  const objects = new Map<number, { inside: number[]; outside: [number, number][] }>();
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const l = label(y, x);
      if (!l) continue;
      if (!objects.has(l)) objects.set(l, { inside: [], outside: [] });
      const object = objects.get(l)!;
      object.inside.push(y * width + x);
      // The nearest outside pixel always touches the object by an edge: collect those.
      for (const [ny, nx] of [[y - 1, x], [y + 1, x], [y, x - 1], [y, x + 1]]) {
        if (label(ny, nx) !== l) object.outside.push([ny, nx]);
      }
    }
  }
  for (const { inside, outside } of objects.values()) {
    for (const p of inside) {
      const y = Math.floor(p / width), x = p % width;
      let nearest = Infinity;
      for (const [oy, ox] of outside) nearest = Math.min(nearest, (oy - y) ** 2 + (ox - x) ** 2);
      visit(p, Math.sqrt(nearest));
    }
  }
}

/**
 * StarDist's object probabilities: each object pixel's distance to the nearest pixel outside its
 * object, divided by the largest such distance in the object (1 at the most central pixels, small
 * at the rim, 0 on the background). A [height, width] tensor.
 *
 * @example
 * ```ts
 * import { objectProbabilities, tf } from "@course/lib";
 * const bar = tf.tensor2d([[1, 1, 1, 1, 1]], undefined, "int32");
 * await (await objectProbabilities(bar)).data(); // [1, 1, 1, 1, 1]: every pixel touches the edge
 * ```
 */
export async function objectProbabilities(labels: tf.Tensor): Promise<tf.Tensor2D> {
  const grid = await labelGrid(labels, "object probabilities");
  return tf.tensor2d(probabilitiesOf(grid), [grid.height, grid.width]);
}

function probabilitiesOf(grid: LabelGrid): Float32Array {
  // In float64 until the division, so that the most central pixel is exactly 1.
  const distance = new Float64Array(grid.height * grid.width), largest = new Map<number, number>();
  distancesToOutside(grid, (p, d) => {
    distance[p] = d;
    const l = grid.values[p];
    largest.set(l, Math.max(largest.get(l) ?? 0, d));
  });
  for (let p = 0; p < distance.length; p++) {
    if (distance[p]) distance[p] /= largest.get(grid.values[p])!;
  }
  return Float32Array.from(distance);
}

/**
 * StarDist's training targets for a label image [height, width]: [height, width, 1 + rays], channel
 * 0 the object probability ({@linkcode objectProbabilities}), then the distances
 * ({@linkcode starDistances}), the layout of `starDistNet`'s output and `losses.starDistLoss`.
 *
 * @example
 * ```ts
 * import { starDistTargets, tf } from "@course/lib";
 * const labels = tf.tensor2d([[0, 1, 1], [0, 1, 1]], undefined, "int32");
 * (await starDistTargets(labels, 8)).shape; // [2, 3, 9]
 * ```
 */
export async function starDistTargets(labels: tf.Tensor, rays = 32): Promise<tf.Tensor3D> {
  const grid = await labelGrid(labels, "StarDist's targets");
  const { height, width } = grid, channels = 1 + rays;
  const probabilities = probabilitiesOf(grid), distances = distancesOf(grid, rays);
  const out = new Float32Array(height * width * channels);
  for (let p = 0; p < height * width; p++) {
    out[p * channels] = probabilities[p];
    out.set(distances.subarray(p * rays, (p + 1) * rays), p * channels + 1);
  }
  return tf.tensor3d(out, [height, width, channels]);
}

/**
 * The star-convex polygon of the distances `distances` (one per ray) from the pixel (y, x): vertex k
 * lies at distance k along ray k.
 *
 * @example
 * ```ts
 * import { starPolygon } from "@course/lib";
 * starPolygon(5, 5, [2, 2, 2, 2]); // [[5, 7], [7, 5], [5, 3], [3, 5]] (to rounding)
 * ```
 */
export function starPolygon(y: number, x: number, distances: ArrayLike<number>): Polygon {
  return rayDirections(distances.length).map(([dy, dx], k) => [
    y + distances[k] * dy,
    x + distances[k] * dx,
  ]);
}

/**
 * The pixels whose centres lie inside `polygon` (even-odd rule), within a [height, width] image,
 * as row-major indices. Points exactly on a left or top edge count as inside, on a right or bottom
 * edge as outside, so polygons that share an edge share no pixel.
 *
 * @example
 * ```ts
 * import { rasterisePolygon } from "@course/lib";
 * rasterisePolygon([[-0.5, -0.5], [-0.5, 1.5], [1.5, 1.5], [1.5, -0.5]], 4, 4); // [0, 1, 4, 5]
 * ```
 */
export function rasterisePolygon(polygon: Polygon, height: number, width: number): number[] {
  const rows = polygon.map(([y]) => y);
  const top = Math.max(0, Math.ceil(Math.min(...rows)));
  const bottom = Math.min(height - 1, Math.floor(Math.max(...rows)));
  const pixels: number[] = [];
  for (let y = top; y <= bottom; y++) {
    const crossings: number[] = [];
    polygon.forEach(([y0, x0], i) => {
      const [y1, x1] = polygon[(i + 1) % polygon.length];
      // Half-open in y, so that a vertex on the scan line counts once.
      if ((y0 <= y && y < y1) || (y1 <= y && y < y0)) {
        crossings.push(x0 + ((y - y0) / (y1 - y0)) * (x1 - x0));
      }
    });
    crossings.sort((a, b) => a - b);
    for (let i = 0; i + 1 < crossings.length; i += 2) {
      const from = Math.max(0, Math.ceil(crossings[i]));
      const to = Math.min(width - 1, Math.ceil(crossings[i + 1]) - 1);
      for (let x = from; x <= to; x++) pixels.push(y * width + x);
    }
  }
  return pixels;
}

/**
 * A label image [height, width] of polygons: polygon i gets label i + 1; where polygons overlap,
 * the later one wins (StarDist draws from the least to the most probable).
 *
 * @example
 * ```ts
 * import { polygonsToLabels } from "@course/lib";
 * const square: [number, number][] = [[-0.5, -0.5], [-0.5, 1.5], [1.5, 1.5], [1.5, -0.5]];
 * await polygonsToLabels([square], 3, 3).data(); // [1, 1, 0, 1, 1, 0, 0, 0, 0]
 * ```
 */
export function polygonsToLabels(polygons: Polygon[], height: number, width: number): tf.Tensor2D {
  const labels = new Int32Array(height * width);
  polygons.forEach((polygon, i) => {
    for (const p of rasterisePolygon(polygon, height, width)) labels[p] = i + 1;
  });
  return tf.tensor2d(labels, [height, width], "int32");
}

/**
 * Each object's most central pixel (the farthest from any pixel outside it; the first in row order
 * on a tie), as [row, column] by label: where StarDist's object probability is 1.
 *
 * @example
 * ```ts
 * import { objectCentres, tf } from "@course/lib";
 * const labels = tf.tensor2d([[1, 1, 1, 0, 2]], undefined, "int32");
 * await objectCentres(labels); // Map { 1 => [0, 0], 2 => [0, 4] }
 * ```
 */
export async function objectCentres(labels: tf.Tensor): Promise<Map<number, [number, number]>> {
  const grid = await labelGrid(labels, "object centres");
  const best = new Map<number, { pixel: number; distance: number }>();
  distancesToOutside(grid, (pixel, distance) => {
    const l = grid.values[pixel], current = best.get(l);
    if (!current || distance > current.distance) best.set(l, { pixel, distance });
  });
  return new Map(
    [...best].sort(([a], [b]) => a - b).map((
      [l, { pixel }],
    ) => [l, [Math.floor(pixel / grid.width), pixel % grid.width]]),
  );
}
