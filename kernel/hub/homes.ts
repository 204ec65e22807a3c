/**
 * Used by `deno task hub` (at each attendee server's start) and `deno task collect`.
 *
 * An attendee's lessons folder on a hub: the released lessons, copied in where missing (never over
 * an attendee's work). The folder is then linked to the course (`../folder/link.ts`) as any
 * researcher's folder is.
 *
 * @module
 */
import { join } from "node:path";
import { copyUnlessPresent } from "../../contract/files.ts";

/** The folder in each attendee's home that holds their lessons. */
export const LESSONS_FOLDER = "deep-learning";

/**
 * Copies into `folder` each file of `release` that `folder` does not have: a lesson an attendee
 * has opened, edited or even deleted and recreated is theirs, and stays as it is.
 *
 * @example
 * ```ts
 * import { seedLessons } from "./homes.ts";
 * const copied = await seedLessons("out/release", await Deno.makeTempDir());
 * ```
 */
export async function seedLessons(release: string, folder: string): Promise<string[]> {
  await Deno.mkdir(folder, { recursive: true });
  const copied: string[] = [];
  for await (const entry of Deno.readDir(release)) {
    if (!entry.isFile) continue;
    if (await copyUnlessPresent(join(release, entry.name), join(folder, entry.name))) {
      copied.push(entry.name);
    }
  }
  return copied.sort();
}
