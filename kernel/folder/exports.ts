/**
 * The names each module exports, as JSON: `deno task new` writes them into a course folder's
 * `.course/` modules. Run in a process of its own: it loads the library, and so TensorFlow.js,
 * which the instructor tools never load.
 *
 * ```
 * deno run -A kernel/folder/exports.ts lib/mod.ts datasets/mod.ts   # [["ACTIVATIONS", …], […]]
 * ```
 *
 * @module
 */
import { pathToFileURL } from "node:url";
import { PROJECT_ROOT } from "../../contract/files.ts";

if (import.meta.main) {
  const names = [];
  for (const path of Deno.args) {
    names.push(Object.keys(await import(new URL(path, pathToFileURL(`${PROJECT_ROOT}/`)).href)));
  }
  console.log(JSON.stringify(names));
}
