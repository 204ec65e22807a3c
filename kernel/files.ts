/**
 * Files on this machine: finding commands on `PATH`, and writing files so that a crash never
 * leaves half of one.
 *
 * @module
 */
import { dirname, join } from "node:path";

/**
 * The full path of a command on `PATH`, or `undefined`.
 *
 * @example
 * ```ts
 * import { onPath } from "./files.ts";
 * onPath("sh"); // "/usr/bin/sh"
 * ```
 */
export function onPath(command: string): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    const path = join(dir, command);
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch { /* not in this folder */ }
  }
  return undefined;
}

/**
 * Writes a text file atomically (a temporary file beside it, then a rename), creating its folder.
 *
 * @example
 * ```ts
 * import { writeTextAtomic } from "./files.ts";
 * await writeTextAtomic("out/gradebook.csv", "attendee,notebook\n");
 * ```
 */
export async function writeTextAtomic(path: string, text: string): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${crypto.randomUUID()}.tmp`;
  await Deno.writeTextFile(temporary, text);
  await Deno.rename(temporary, path);
}
