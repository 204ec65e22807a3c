/**
 * Used by every lesson, the data loaders and every command.
 *
 * The project's files on this machine: where the project and the cache are, finding commands on
 * `PATH`, and writing files so that a crash never leaves half of one.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { courseVariable } from "./settings.ts";

/** The checkout's root folder (holding `deno.json`). */
export const PROJECT_ROOT: string = dirname(dirname(fileURLToPath(import.meta.url)));

/**
 * What of the checkout a lesson needs: all that a grading sandbox shows of it, and all of it but
 * the kernel's code that a hub's attendees may read. The rest (the source notebooks with their
 * solutions and hidden checks, the git history, the tests) is the instructor's.
 */
export const LIBRARY_PARTS: readonly string[] = [
  "deno.json",
  "deno.lock",
  "package.json",
  "node_modules",
  "contract",
  "lib",
  "datasets",
];

/**
 * The folder where the course caches downloaded data: `$COURSE_CACHE`, else
 * `$XDG_CACHE_HOME/dl-course`, else `~/.cache/dl-course`.
 *
 * @example
 * ```ts
 * import { cacheDir } from "./files.ts";
 * cacheDir("fashion-mnist"); // "/home/me/.cache/dl-course/fashion-mnist"
 * ```
 */
export function cacheDir(name: string): string {
  const env = (key: string) => Deno.env.get(key);
  const base = courseVariable("COURSE_CACHE") ??
    join(
      env("XDG_CACHE_HOME") || join(env("HOME") ?? env("USERPROFILE") ?? ".", ".cache"),
      "dl-course",
    );
  return join(base, name);
}

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
 * Writes a file atomically (a temporary file of its own beside it, then a rename), creating its
 * folder: readers see the old file or the new one, never half of one, and two writers never share
 * a temporary file.
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "./files.ts";
 * await writeFileAtomic("out/gradebook.csv", "attendee,notebook\n");
 * ```
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  // Short, whatever the name's length: a name near the file system's limit is still written.
  const temporary = join(dirname(path), `.${crypto.randomUUID().slice(0, 13)}.tmp`);
  try {
    if (typeof data === "string") await Deno.writeTextFile(temporary, data);
    else await Deno.writeFile(temporary, data);
    await Deno.rename(temporary, path);
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw error;
  }
}

/**
 * The SHA-256 of bytes (or of text, as UTF-8), in hex.
 *
 * @example
 * ```ts
 * import { sha256 } from "./files.ts";
 * await sha256(new TextEncoder().encode("abc")); // "ba7816bf…15ad"
 * ```
 */
export async function sha256(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Copies `source` to `target` unless something is at `target` already: a file there is the user's
 * (an attendee's lesson, a researcher's starter notebook), and stays as it is. Whether it copied.
 *
 * @example
 * ```ts
 * import { copyUnlessPresent } from "./files.ts";
 * await copyUnlessPresent("README.md", await Deno.makeTempFile()); // false: the file is there
 * ```
 */
export async function copyUnlessPresent(source: string, target: string): Promise<boolean> {
  if (await Deno.lstat(target).then(() => true, () => false)) return false;
  await Deno.copyFile(source, target);
  return true;
}
