/**
 * Used by `deno task hub` (at each attendee server's start) and `deno task collect`.
 *
 * An attendee's lessons folder on a hub: the released lessons, copied in where missing (never over
 * an attendee's work), and the two files that let notebooks there import the course library as
 * they do inside the checkout: a `deno.json` whose imports point into the checkout, and a
 * `node_modules` link to the checkout's packages.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { PROJECT_ROOT } from "../../contract/files.ts";

/** The folder in each attendee's home that holds their lessons. */
export const LESSONS_FOLDER = "deep-learning";

/**
 * The `deno.json` of a folder outside the checkout whose notebooks import the course: the
 * checkout's own imports, with its relative paths made absolute, and its packages.
 *
 * @example
 * ```ts
 * import { courseConfig } from "./homes.ts";
 * const config = await courseConfig("/opt/dl-course");
 * config.imports["@course/lib"]; // "/opt/dl-course/lib/mod.ts"
 * ```
 */
export async function courseConfig(
  checkout = PROJECT_ROOT,
): Promise<{ nodeModulesDir: string; imports: Record<string, string> }> {
  const own = JSON.parse(await Deno.readTextFile(join(checkout, "deno.json")));
  const imports = Object.fromEntries(
    Object.entries(own.imports as Record<string, string>).map(([name, target]) => [
      name,
      target.startsWith(".")
        ? resolve(checkout, target) + (target.endsWith("/") ? "/" : "")
        : target,
    ]),
  );
  return { nodeModulesDir: "manual", imports };
}

/** Whether a `deno.json` is one {@linkcode linkCourse} wrote (for this or another checkout). */
function isCourseLink(text: string): boolean {
  try {
    return /\/lib\/mod\.ts$/.test(JSON.parse(text).imports?.["@course/lib"] ?? "");
  } catch {
    return false;
  }
}

/**
 * Makes `folder`'s notebooks import the course library and data sets: writes its `deno.json` and
 * links its `node_modules` to the checkout's. A `deno.json` of the folder's own is left as it is
 * (the result says so); one written for a checkout is brought up to date.
 *
 * @example
 * ```ts
 * import { linkCourse } from "./homes.ts";
 * await linkCourse(await Deno.makeTempDir()); // "linked"
 * ```
 */
export async function linkCourse(
  folder: string,
  checkout = PROJECT_ROOT,
): Promise<"linked" | "kept its own deno.json"> {
  const config = join(folder, "deno.json");
  const existing = await Deno.readTextFile(config).catch(() => undefined);
  if (existing !== undefined && !isCourseLink(existing)) return "kept its own deno.json";
  await Deno.writeTextFile(config, JSON.stringify(await courseConfig(checkout), null, 2) + "\n");
  const modules = join(folder, "node_modules");
  const link = await Deno.lstat(modules).catch(() => undefined);
  if (link?.isSymlink) await Deno.remove(modules);
  if (!link || link.isSymlink) await Deno.symlink(join(checkout, "node_modules"), modules);
  return "linked";
}

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
    const target = join(folder, entry.name);
    if (await Deno.lstat(target).then(() => true, () => false)) continue;
    await Deno.copyFile(join(release, entry.name), target);
    copied.push(entry.name);
  }
  return copied.sort();
}
