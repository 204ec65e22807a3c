/**
 * Used by lessons 00 and 04–12; by the commands.
 *
 * What the native kernels keep between calls: the operations oneDNN built (primitives with their
 * memory objects and reordered filters), the least recently used destroyed past a bound; and the
 * cases oneDNN failed on, which the wasm kernels run from then on.
 *
 * @module
 */
import type { Backend, Info } from "./wasm_kernel.ts";
import { OneDnnError, type Operation } from "./onednn.ts";

/**
 * How many built operations are kept: lesson 11 at the full setting (a U-Net and StarDist, trained
 * and predicting) builds 224. Past the bound, the least recently used is destroyed, and built again
 * if it is needed again.
 */
export const CACHED_OPERATIONS = 512;
/** Built operations by case, least recently used first. */
const operations = new Map<string, Operation>();
/** Cases oneDNN failed on (a status other than success). */
const refused = new Set<string>();

/**
 * Marks a case refused, destroying its operation, and says so once on stderr. Anything but a
 * oneDNN status is a bug, and goes on as an error.
 */
function refuse(kernel: string, key: string, error: unknown): void {
  if (!(error instanceof OneDnnError)) throw error;
  operations.get(key)?.destroy();
  operations.delete(key);
  refused.add(key);
  console.error(
    `oneDNN failed on ${kernel} (${key}): ${error.message}; the wasm kernel runs this case from now on`,
  );
}

/**
 * The operation for a case, built on first use and kept while recently used; `undefined` where
 * oneDNN refused the case (building it failed now or before).
 *
 * @example
 * ```ts
 * import { built } from "./native_cache.ts";
 * import { binary } from "./onednn_arithmetic.ts";
 * import { loadOneDnn } from "./onednn.ts";
 * const dnnl = loadOneDnn(1);
 * const op = built("Add", "add [2,3] and [1,3]", () => binary(dnnl, "add", [2, 3], [1, 3]));
 * ```
 */
export function built(kernel: string, key: string, build: () => Operation): Operation | undefined {
  const kept = operations.get(key);
  if (kept) {
    operations.delete(key); // to the end: the most recently used
    operations.set(key, kept);
    return kept;
  }
  if (refused.has(key)) return undefined;
  try {
    operations.set(key, build());
  } catch (error) {
    refuse(kernel, key, error);
    return undefined;
  }
  if (operations.size > CACHED_OPERATIONS) {
    const [oldest, op] = operations.entries().next().value!;
    operations.delete(oldest);
    op.destroy();
  }
  return operations.get(key);
}

/**
 * A float32 output of `shape` that `compute` fills natively; `undefined` for a case oneDNN failed
 * on before, and where it fails now the output is freed, the case refused, and `undefined`
 * returned: the wasm kernel runs it.
 *
 * @example
 * ```ts ignore
 * import { computed } from "./native_cache.ts";
 * // in a kernel: the output, or undefined for the wasm kernel to run the case
 * const out = computed("Add", key, backend, [64, 64], (out) => op.run(pointers(out)));
 * ```
 */
export function computed(
  kernel: string,
  key: string,
  backend: Backend,
  shape: number[],
  compute: (out: Info) => void,
): Info | undefined {
  if (refused.has(key)) return undefined;
  const out = backend.makeOutput(shape, "float32");
  try {
    compute(out);
    return out;
  } catch (error) {
    backend.disposeData(out.dataId);
    refuse(kernel, key, error);
    return undefined;
  }
}
