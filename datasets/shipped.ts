/**
 * Used by lessons 04, 05 and 08–11; by `deno task train:base`.
 *
 * The small real data the course ships in `datasets/data/`.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The folder of the shipped data files. */
export const DATA_DIR = join(dirname(fileURLToPath(import.meta.url)), "data");

/**
 * The path of a shipped data file, or an error naming it if it is missing.
 *
 * @example
 * ```ts
 * import { dataFile } from "@course/datasets";
 * dataFile("camera.png"); // ".../datasets/data/camera.png"
 * ```
 */
export function dataFile(name: string): string {
  const path = join(DATA_DIR, name);
  try {
    Deno.statSync(path);
  } catch {
    throw new Error(
      `Cannot load ${name} as ${path} does not exist: it ships with the course; restore it with ` +
        `'git checkout -- datasets/data/${name}'`,
    );
  }
  return path;
}
