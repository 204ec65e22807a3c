/**
 * Used by lessons 00 and 04–12; by the commands.
 *
 * Element-wise arithmetic with broadcasting on oneDNN 2.x: row-major tensors of rank 1–6 on the
 * caller's memory, vectorised and on oneDNN's threads. (oneDNN's reduction primitive is left out:
 * over a batch's leading axes it ran 5–10× slower than the wasm fast path's single pass; such sums
 * run as a matrix product with a row of ones instead.)
 *
 * @module
 */
import { ALG, ARG, OP_DESC_BYTES, type Tag } from "./onednn_api.ts";
import { check, memoryDesc, type OneDnn, type Operation, operation } from "./onednn.ts";

/** Row-major layouts by rank. */
const ROW_MAJOR: Tag[] = ["a", "a", "ab", "abc", "abcd", "abcde", "abcdef"];

/** A row-major descriptor; a scalar is a one-element vector. */
function plain(dnnl: OneDnn, shape: number[]): Uint8Array {
  const dims = shape.length ? shape : [1];
  return memoryDesc(dnnl, dims, ROW_MAJOR[dims.length]);
}

/** The arithmetic oneDNN's binary primitive runs. */
export type Arithmetic = "add" | "sub" | "mul" | "div";

/**
 * out = a ∘ b, where `b` broadcasts against `a` (each of its axes has `a`'s size or 1, same rank)
 * and `out` has `a`'s shape.
 *
 * @example
 * ```ts
 * import { binary } from "./onednn_arithmetic.ts";
 * import { loadOneDnn } from "./onednn.ts";
 * const dnnl = loadOneDnn(1);
 * const op = binary(dnnl, "mul", [2, 3], [1, 3]);
 * const [a, b, c] = [new Float32Array(6).fill(2), new Float32Array([1, 2, 3]), new Float32Array(6)];
 * op.run([a, b, c].map((t) => Deno.UnsafePointer.of(t))); // c = [2, 4, 6, 2, 4, 6]
 * ```
 */
export function binary(dnnl: OneDnn, kind: Arithmetic, a: number[], b: number[]): Operation {
  const [da, db, dc] = [plain(dnnl, a), plain(dnnl, b), plain(dnnl, a)];
  const op = new Uint8Array(OP_DESC_BYTES);
  check(dnnl.symbols.dnnl_binary_desc_init(op, ALG[kind], da, db, dc), "binary_desc_init");
  return operation(dnnl, op, [[ARG.src, da], [ARG.src1, db], [ARG.dst, dc]]);
}
