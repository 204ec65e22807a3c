/**
 * Used by lessons 00 and 04–12; by the commands.
 *
 * oneDNN, the library PyTorch's CPU convolutions run on, called through `Deno.dlopen`: finding and
 * loading it (oneDNN 2.x, Debian's `libdnnl2`), its thread count, its matrix product, and what its
 * primitives share: memory descriptors, and primitives that run on memory the caller owns (the
 * wasm backend's heap).
 *
 * Only oneDNN 2.x's C API is bound: 3.x replaced the descriptor functions (`*_desc_init`) by
 * primitive-descriptor constructors, and a 3.x library is reported as such and left alone.
 *
 * @module
 */

import { courseVariable } from "../../contract/settings.ts";
import {
  ALLOCATE,
  ARG,
  F32,
  MEMORY_DESC_BYTES,
  OPENMP,
  SYMBOLS,
  type Symbols,
  TAG,
} from "./onednn_api.ts";

/** A loaded oneDNN: its functions, its CPU engine and stream, and what to call it. */
export interface OneDnn {
  symbols: Symbols;
  engine: Deno.PointerValue;
  stream: Deno.PointerValue;
  /** E.g. `"oneDNN 2.6.3"`. */
  name: string;
  /** The threads its parallel regions run on, as its OpenMP runtime reports them. */
  threads: number;
}

/**
 * Where oneDNN 2.x is looked for, the first that loads being used: `COURSE_ONEDNN` if set, else the
 * system's library by its name (Debian's `libdnnl2`), and on macOS Homebrew's folders.
 *
 * @example
 * ```ts
 * import { libraryCandidates } from "./onednn.ts";
 * libraryCandidates("linux"); // ["libdnnl.so.2", "libdnnl.so.3"], unless COURSE_ONEDNN is set
 * ```
 */
export function libraryCandidates(os: typeof Deno.build.os = Deno.build.os): string[] {
  const chosen = courseVariable("COURSE_ONEDNN");
  if (chosen) return [chosen];
  // A 3.x library is looked for too, to say that it is there but not usable.
  if (os === "darwin") {
    return ["/opt/homebrew/lib", "/usr/local/lib"].flatMap((dir) =>
      ["2", "3"].map((major) => `${dir}/libdnnl.${major}.dylib`)
    );
  }
  if (os === "windows") return ["dnnl.dll"];
  return ["libdnnl.so.2", "libdnnl.so.3"];
}

/** A oneDNN call that returned a status other than success: the call and the status. */
export class OneDnnError extends Error {
  constructor(readonly call: string, readonly status: number) {
    super(`oneDNN's ${call} failed with status ${status}`);
  }
}

/** Throws the library's status as a {@linkcode OneDnnError} naming the call. */
export function check(status: number, call: string): void {
  if (status !== 0) throw new OneDnnError(call, status);
}

/** Reads the pointer a C function wrote into an 8-byte out-parameter. */
export function handle(out: BigUint64Array): Deno.PointerValue {
  return Deno.UnsafePointer.create(out[0]);
}

/** `major.minor.patch` of the oneDNN at `path`; throws if it does not open. */
function versionAt(path: string): [number, number, number] {
  const library = Deno.dlopen(path, { dnnl_version: SYMBOLS.dnnl_version });
  try {
    const view = new Deno.UnsafePointerView(library.symbols.dnnl_version()!);
    return [view.getInt32(0), view.getInt32(4), view.getInt32(8)];
  } finally {
    library.close();
  }
}

/**
 * Loads oneDNN 2.x from the first candidate path that opens as 2.x, sets its thread count, and makes
 * its CPU engine and stream. Throws why it could not, in words.
 *
 * @example
 * ```ts
 * import { loadOneDnn } from "./onednn.ts";
 * const dnnl = loadOneDnn(2); // throws where oneDNN 2.x is not installed
 * console.log(dnnl.name); // "oneDNN 2.6.3"
 * ```
 */
export function loadOneDnn(threads: number, paths = libraryCandidates()): OneDnn {
  const why: string[] = [];
  for (const path of paths) {
    let version: number[];
    try {
      version = versionAt(path);
    } catch (error) {
      why.push((error as Error).message.split("\n")[0].replace(/^(Could not open library: )+/, ""));
      continue;
    }
    if (version[0] !== 2) {
      throw new Error(
        `oneDNN ${
          version.join(".")
        } found (${path}), but the course's native kernels need oneDNN 2.x`,
      );
    }
    const symbols = Deno.dlopen(path, SYMBOLS).symbols;
    const out = new BigUint64Array(1);
    check(symbols.dnnl_engine_create(out, 1, 0n), "engine_create");
    const engine = handle(out);
    check(symbols.dnnl_stream_create(out, engine, 1), "stream_create");
    return {
      symbols,
      engine,
      stream: handle(out),
      name: `oneDNN ${version.join(".")}`,
      threads: setThreads(threads),
    };
  }
  const install = Deno.build.os === "linux" ? ": sudo apt-get install libdnnl2" : "";
  throw new Error(`oneDNN 2.x not found (${why[0]})${install}`);
}

/**
 * Sets the OpenMP runtime's thread count for the calling (main) thread's parallel regions, and
 * returns the count the runtime then reports (oneDNN 2.x's own count is OpenMP's). Without an
 * OpenMP runtime to open, oneDNN runs on one thread.
 */
function setThreads(threads: number): number {
  const names = Deno.build.os === "darwin" ? ["libomp.dylib"] : ["libgomp.so.1", "libomp.so"];
  for (const name of names) {
    let openmp;
    try {
      openmp = Deno.dlopen(name, OPENMP).symbols;
    } catch {
      continue; // try the next runtime
    }
    openmp.omp_set_num_threads(threads);
    return openmp.omp_get_max_threads();
  }
  return 1;
}

/** An NCHW-ordered shape as oneDNN's `dnnl_dims_t`. */
export function dims(shape: number[]): BigInt64Array {
  const out = new BigInt64Array(12);
  shape.forEach((d, i) => out[i] = BigInt(d));
  return out;
}

/**
 * A memory descriptor: logical dimensions in oneDNN's order (N, C, H, W for data; O, I, H, W for
 * weights) and a format tag saying how they lie in memory.
 */
export function memoryDesc(dnnl: OneDnn, shape: number[], tag: keyof typeof TAG): Uint8Array {
  const desc = new Uint8Array(MEMORY_DESC_BYTES);
  check(
    dnnl.symbols.dnnl_memory_desc_init_by_tag(desc, shape.length, dims(shape), F32, TAG[tag]),
    "memory_desc_init_by_tag",
  );
  return desc;
}

/**
 * The oneDNN objects one operation owns (memory objects, primitives), destroyed together: when the
 * operation leaves the cache, or when building it failed half-way.
 */
export class Owned {
  #destroyers: (() => void)[] = [];
  constructor(readonly dnnl: OneDnn) {}

  /** A memory object for a descriptor: on the caller's memory (set per call), or oneDNN's own. */
  memory(desc: Deno.PointerValue | Uint8Array, own: boolean): Deno.PointerValue {
    const { symbols, engine } = this.dnnl, out = new BigUint64Array(1);
    const pointer = desc instanceof Uint8Array ? Deno.UnsafePointer.of(desc) : desc;
    check(
      symbols.dnnl_memory_create(out, pointer, engine, own ? ALLOCATE : null),
      "memory_create",
    );
    const made = handle(out);
    this.#destroyers.push(() => symbols.dnnl_memory_destroy(made));
    return made;
  }

  /** A primitive from its descriptor, with the memory objects it runs on by argument index. */
  primitive(pd: Deno.PointerValue, args: Map<number, Deno.PointerValue>): Primitive {
    const { symbols } = this.dnnl, out = new BigUint64Array(1);
    check(symbols.dnnl_primitive_create(out, pd), "primitive_create");
    const primitive = handle(out);
    this.#destroyers.push(() => symbols.dnnl_primitive_destroy(primitive));
    return { primitive, args };
  }

  /** Destroys everything made so far. */
  destroy(): void {
    for (const destroy of this.#destroyers.reverse()) destroy();
    this.#destroyers = [];
  }
}

/** A primitive and the memory objects it runs on, by argument index. */
export interface Primitive {
  primitive: Deno.PointerValue;
  args: Map<number, Deno.PointerValue>;
}

/** Runs a primitive with its arguments' memory objects. */
export function execute(dnnl: OneDnn, { primitive, args }: Primitive): void {
  const list = new BigUint64Array(2 * args.size);
  let i = 0;
  for (const [arg, mem] of args) {
    list[i++] = BigInt(arg);
    list[i++] = BigInt(Deno.UnsafePointer.value(mem));
  }
  check(
    dnnl.symbols.dnnl_primitive_execute(primitive, dnnl.stream, args.size, list),
    "primitive_execute",
  );
}

/**
 * Runs `use` with a primitive descriptor made from an operation descriptor, and destroys the
 * descriptor afterwards (a primitive made from it keeps what it needs).
 */
export function withPrimitiveDesc<T>(
  dnnl: OneDnn,
  op: Uint8Array,
  hint: Deno.PointerValue,
  use: (pd: Deno.PointerValue) => T,
): T {
  const out = new BigUint64Array(1);
  check(
    dnnl.symbols.dnnl_primitive_desc_create(out, op, null, dnnl.engine, hint),
    "primitive_desc_create",
  );
  const pd = handle(out);
  try {
    return use(pd);
  } finally {
    dnnl.symbols.dnnl_primitive_desc_destroy(pd);
  }
}

/**
 * A reorder between the caller's plain layout and the layout a primitive chose (e.g. blocked
 * weights), or `undefined` where they are the same.
 */
export function reorder(
  owned: Owned,
  plain: Uint8Array,
  chosen: Deno.PointerValue,
  toChosen: boolean,
): { run: Primitive; inner: Deno.PointerValue; outer: Deno.PointerValue } | undefined {
  const dnnl = owned.dnnl;
  if (dnnl.symbols.dnnl_memory_desc_equal(plain, chosen)) return undefined;
  const plainPtr = Deno.UnsafePointer.of(plain);
  const [from, to] = toChosen ? [plainPtr, chosen] : [chosen, plainPtr];
  const out = new BigUint64Array(1);
  check(
    dnnl.symbols.dnnl_reorder_primitive_desc_create(out, from, dnnl.engine, to, dnnl.engine, null),
    "reorder_primitive_desc_create",
  );
  const pd = handle(out);
  try {
    const inner = owned.memory(chosen, true), outer = owned.memory(plain, false);
    const args = new Map([[ARG.from, toChosen ? outer : inner], [
      ARG.to,
      toChosen ? inner : outer,
    ]]);
    return { run: owned.primitive(pd, args), inner, outer };
  } finally {
    dnnl.symbols.dnnl_primitive_desc_destroy(pd);
  }
}

/**
 * A primitive on the caller's memory: run it with one pointer per argument, inputs then output;
 * destroy it to free what oneDNN holds for it.
 */
export interface Operation {
  run(pointers: Deno.PointerValue[]): void;
  destroy(): void;
}

/**
 * An operation from what `make` builds with `owned` (its run function); if building fails, what
 * was made so far is destroyed before the error goes on.
 */
export function owning(dnnl: OneDnn, make: (owned: Owned) => Operation["run"]): Operation {
  const owned = new Owned(dnnl);
  try {
    return { run: make(owned), destroy: () => owned.destroy() };
  } catch (error) {
    owned.destroy();
    throw error;
  }
}

/** Points a memory object at the caller's memory. */
export function setHandle(dnnl: OneDnn, memory: Deno.PointerValue, at: Deno.PointerValue): void {
  check(dnnl.symbols.dnnl_memory_set_data_handle(memory, at), "memory_set_data_handle");
}

/**
 * A primitive whose arguments all lie in plain layouts on the caller's memory, from its operation
 * descriptor and its arguments' indices and descriptors (inputs then output).
 */
export function operation(dnnl: OneDnn, op: Uint8Array, args: [number, Uint8Array][]): Operation {
  return owning(dnnl, (owned) => {
    const memories = args.map(([, desc]) => owned.memory(desc, false));
    const primitive = withPrimitiveDesc(
      dnnl,
      op,
      null,
      (pd) => owned.primitive(pd, new Map(args.map(([arg], i) => [arg, memories[i]]))),
    );
    return (pointers) => {
      pointers.forEach((at, i) => setHandle(dnnl, memories[i], at));
      execute(dnnl, primitive);
    };
  });
}

/**
 * C = α · A · B + β · C in row-major float32 (α = 1, β = 0 unless given), A [m, k] (or [k, m]
 * transposed), B [k, n] (or [n, k]), on oneDNN's threads.
 *
 * @example
 * ```ts
 * import { loadOneDnn, sgemm } from "./onednn.ts";
 * const dnnl = loadOneDnn(1);
 * const a = new Float32Array([1, 2, 3, 4]), b = new Float32Array([1, 0, 0, 1]), c = new Float32Array(4);
 * const p = (t: Float32Array) => Deno.UnsafePointer.of(t);
 * sgemm(dnnl, { m: 2, n: 2, k: 2, transposeA: false, transposeB: false }, p(a), p(b), p(c)); // c = a
 * ```
 */
export function sgemm(
  dnnl: OneDnn,
  g: {
    m: number;
    n: number;
    k: number;
    transposeA: boolean;
    transposeB: boolean;
    alpha?: number;
    beta?: number;
  },
  a: Deno.PointerValue,
  b: Deno.PointerValue,
  c: Deno.PointerValue,
): void {
  const [T, N] = [84, 78]; // 'T', 'N'
  check(
    dnnl.symbols.dnnl_sgemm(
      g.transposeA ? T : N,
      g.transposeB ? T : N,
      BigInt(g.m),
      BigInt(g.n),
      BigInt(g.k),
      g.alpha ?? 1,
      a,
      BigInt(g.transposeA ? g.m : g.k),
      b,
      BigInt(g.transposeB ? g.k : g.n),
      g.beta ?? 0,
      c,
      BigInt(g.n),
    ),
    "sgemm",
  );
}
