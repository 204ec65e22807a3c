/**
 * Copied by `deno task new` into a course folder's `.course/`, where `lib.js` and `datasets.js` use
 * it: imports a module of the course's checkout, or fails in one line that names what to run.
 *
 * A static import of a checkout that has moved would fail in Deno's words ("Module not found")
 * before any code of ours ran; a dynamic import lets this module look first.
 *
 * @module
 */

/** Whether `path` exists (following links). */
function exists(path: URL): Promise<boolean> {
  return Deno.stat(path).then(() => true, () => false);
}

/** A folder's path from its `file:` URL, without the final "/". */
function pathOf(url: URL): string {
  return decodeURIComponent(url.pathname).replace(/\/$/, "");
}

/** A one-line error: the kernel shows its message, not a stack of this module's frames. */
function stop(message: string): never {
  const error = new Error(message);
  error.stack = `Error: ${message}`;
  throw error;
}

/**
 * The module at `path` in the checkout `checkout` (a `file:` URL ending in "/"), imported as
 * `name`; a moved checkout, or one without its packages, stops with the command that mends it.
 * Names the module has and `known` lacks (the library grew since the folder was linked) are
 * named in a warning: Deno's kernel would give a notebook `undefined` for them, without a word.
 *
 * @example
 * ```ts ignore
 * import { load } from "./load.ts";
 * export const { init } = await load("file:///opt/dl-course/", "lib/mod.ts", "@course/lib", ["init"]);
 * ```
 */
export async function load(
  checkout: string,
  path: string,
  name: string,
  known: string[],
): Promise<Record<string, unknown>> {
  const here = new URL("..", import.meta.url);
  const folder = pathOf(here);
  const again = `run 'npx deno task new ${/^[\w./~+-]+$/.test(folder) ? folder : `"${folder}"`}'`;
  if (!(await exists(new URL(path, checkout)))) {
    stop(
      `Cannot import ${name} as the course's checkout ${pathOf(new URL(checkout))} has moved ` +
        `or is gone: ${again} in the checkout, where it is now`,
    );
  }
  if (!(await exists(new URL("node_modules/@tensorflow/tfjs/package.json", here)))) {
    stop(
      `Cannot import ${name} as this folder's node_modules does not lead to the course's ` +
        `packages: run 'npm ci' in the checkout, or ${again} there`,
    );
  }
  const module = await import(new URL(path, checkout).href);
  const unknown = Object.keys(module).filter((n) => !known.includes(n));
  if (unknown.length) {
    const shown = unknown.slice(0, 3).join(", ") + (unknown.length > 3 ? ", …" : "");
    const names = unknown.length > 1 ? "names" : "name";
    console.warn(
      `${name} has ${unknown.length} ${names} this folder does not know yet (${shown}): ` +
        `${again} in the checkout`,
    );
  }
  return module;
}
