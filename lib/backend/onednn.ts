/**
 * Used by lessons 00 and 04–12; by the commands.
 *
 * oneDNN, the library PyTorch's CPU convolutions run on, called through `Deno.dlopen`: finding and
 * loading it (oneDNN 2.x, Debian's and Ubuntu's `libdnnl2`), its thread count, its matrix product,
 * and convolution primitives on memory the caller owns (the wasm backend's heap), built once per
 * shape and kept.
 *
 * Only oneDNN 2.x's C API is bound: 3.x replaced the descriptor functions (`*_desc_init`) by
 * primitive-descriptor constructors, and a 3.x library is reported as such and left alone.
 *
 * @module
 */

import { courseVariable } from "../../contract/settings.ts";

/** The C functions the course calls. Pointers to oneDNN's objects are opaque here. */
const SYMBOLS = {
  dnnl_version: { parameters: [], result: "pointer" },
  dnnl_engine_create: { parameters: ["buffer", "i32", "usize"], result: "i32" },
  dnnl_stream_create: { parameters: ["buffer", "pointer", "u32"], result: "i32" },
  dnnl_memory_desc_init_by_tag: {
    parameters: ["buffer", "i32", "buffer", "i32", "i32"],
    result: "i32",
  },
  dnnl_memory_desc_equal: { parameters: ["buffer", "pointer"], result: "i32" },
  dnnl_memory_create: { parameters: ["buffer", "pointer", "pointer", "pointer"], result: "i32" },
  dnnl_memory_set_data_handle: { parameters: ["pointer", "pointer"], result: "i32" },
  dnnl_memory_destroy: { parameters: ["pointer"], result: "i32" },
  dnnl_dilated_convolution_forward_desc_init: {
    parameters: [
      "buffer",
      "i32",
      "i32",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: "i32",
  },
  dnnl_dilated_convolution_backward_data_desc_init: {
    parameters: [
      "buffer",
      "i32",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: "i32",
  },
  dnnl_dilated_convolution_backward_weights_desc_init: {
    parameters: [
      "buffer",
      "i32",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: "i32",
  },
  dnnl_binary_desc_init: {
    parameters: ["buffer", "i32", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  dnnl_primitive_desc_create: {
    parameters: ["buffer", "buffer", "pointer", "pointer", "pointer"],
    result: "i32",
  },
  dnnl_reorder_primitive_desc_create: {
    parameters: ["buffer", "pointer", "pointer", "pointer", "pointer", "pointer"],
    result: "i32",
  },
  dnnl_primitive_desc_query_md: { parameters: ["pointer", "i32", "i32"], result: "pointer" },
  dnnl_primitive_desc_destroy: { parameters: ["pointer"], result: "i32" },
  dnnl_primitive_create: { parameters: ["buffer", "pointer"], result: "i32" },
  dnnl_primitive_destroy: { parameters: ["pointer"], result: "i32" },
  dnnl_primitive_execute: { parameters: ["pointer", "pointer", "i32", "buffer"], result: "i32" },
  dnnl_sgemm: {
    parameters: [
      "u8",
      "u8",
      "i64",
      "i64",
      "i64",
      "f32",
      "pointer",
      "i64",
      "pointer",
      "i64",
      "f32",
      "pointer",
      "i64",
    ],
    result: "i32",
  },
} as const satisfies Deno.ForeignLibraryInterface;

/** OpenMP's thread setter, from the OpenMP runtime oneDNN 2.x is built on (Debian: libgomp). */
const OPENMP = {
  omp_set_num_threads: { parameters: ["i32"], result: "void" },
} as const satisfies Deno.ForeignLibraryInterface;

export type Symbols = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

/** oneDNN's constants (`dnnl_types.h`, 2.x). */
const F32 = 3;
/** Memory layouts: `a`…`abcdef` are row-major of rank 1–6. */
const TAG = {
  any: 1,
  a: 2,
  ab: 3,
  abc: 4,
  abcd: 5,
  abcde: 7,
  abcdef: 8,
  nhwc: 20,
  hwio: 30,
} as const;
/** A layout tag's name. */
export type Tag = keyof typeof TAG;
/** Propagation kinds. */
export const PROP = { forwardTraining: 64, backwardData: 160, backwardWeights: 192 } as const;
/** Algorithm kinds. */
export const ALG = {
  convolutionDirect: 1,
  add: 131056,
  mul: 131057,
  div: 131060,
  sub: 131061,
} as const;
/** Queries of a primitive descriptor's memory descriptors. */
export const QUERY = { weights: 131, diffWeights: 132 } as const;
/** Execution argument indices (`DNNL_ARG_*`). */
export const ARG = {
  src: 1,
  src1: 2,
  dst: 17,
  weights: 33,
  bias: 41,
  diffSrc: 129,
  diffDst: 145,
  diffWeights: 161,
  from: 1,
  to: 17,
} as const;
/** `DNNL_MEMORY_ALLOCATE`: oneDNN allocates the memory itself. */
const ALLOCATE = Deno.UnsafePointer.create(0xffffffffffffffffn);

/**
 * Bytes kept for oneDNN 2.x's descriptors, which the library fills in: `dnnl_memory_desc_t` is 696
 * bytes and `dnnl_convolution_desc_t` 5,976 in 2.6; twice that covers every 2.x release.
 */
export const MEMORY_DESC_BYTES = 2048, OP_DESC_BYTES = 12288;

/** A loaded oneDNN: its functions, its CPU engine and stream, and what to call it. */
export interface OneDnn {
  symbols: Symbols;
  engine: Deno.PointerValue;
  stream: Deno.PointerValue;
  /** E.g. `"oneDNN 2.6.3"`. */
  name: string;
}

/**
 * Where oneDNN 2.x is looked for, the first that loads being used: `COURSE_ONEDNN` if set, else the
 * system's library by its name (Debian and Ubuntu's `libdnnl2`), and on macOS Homebrew's folders.
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

/** Throws the library's status as an error naming the call. */
export function check(status: number, call: string): void {
  if (status !== 0) throw new Error(`oneDNN's ${call} failed with status ${status}`);
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
    setThreads(threads);
    const symbols = Deno.dlopen(path, SYMBOLS).symbols;
    const out = new BigUint64Array(1);
    check(symbols.dnnl_engine_create(out, 1, 0n), "engine_create");
    const engine = handle(out);
    check(symbols.dnnl_stream_create(out, engine, 1), "stream_create");
    return { symbols, engine, stream: handle(out), name: `oneDNN ${version.join(".")}` };
  }
  const install = Deno.build.os === "linux" ? ": sudo apt-get install libdnnl2" : "";
  throw new Error(`oneDNN 2.x not found (${why[0]})${install}`);
}

/** Sets the OpenMP runtime's thread count for the calling (main) thread's parallel regions. */
function setThreads(threads: number): void {
  const names = Deno.build.os === "darwin" ? ["libomp.dylib"] : ["libgomp.so.1", "libomp.so"];
  for (const name of names) {
    try {
      Deno.dlopen(name, OPENMP).symbols.omp_set_num_threads(threads);
      return;
    } catch {
      // try the next runtime
    }
  }
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

/** A memory object for a descriptor: on the caller's memory (set per call), or oneDNN's own. */
export function memory(dnnl: OneDnn, desc: Deno.PointerValue | Uint8Array, own: boolean) {
  const out = new BigUint64Array(1);
  const pointer = desc instanceof Uint8Array ? Deno.UnsafePointer.of(desc) : desc;
  check(
    dnnl.symbols.dnnl_memory_create(out, pointer, dnnl.engine, own ? ALLOCATE : null),
    "memory_create",
  );
  return handle(out);
}

/** A primitive and the memory objects it runs on, by argument index. */
export interface Primitive {
  primitive: Deno.PointerValue;
  args: Map<number, Deno.PointerValue>;
}

export function makePrimitive(
  dnnl: OneDnn,
  pd: Deno.PointerValue,
  args: Map<number, Deno.PointerValue>,
): Primitive {
  const out = new BigUint64Array(1);
  check(dnnl.symbols.dnnl_primitive_create(out, pd), "primitive_create");
  return { primitive: handle(out), args };
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

/** A primitive descriptor from an operation descriptor. */
export function primitiveDesc(dnnl: OneDnn, op: Uint8Array, hint: Deno.PointerValue = null) {
  const out = new BigUint64Array(1);
  check(
    dnnl.symbols.dnnl_primitive_desc_create(out, op, null, dnnl.engine, hint),
    "primitive_desc_create",
  );
  return handle(out);
}

/**
 * A reorder between the caller's plain layout and the layout a primitive chose (e.g. blocked
 * weights), or `undefined` where they are the same.
 */
export function reorder(
  dnnl: OneDnn,
  plain: Uint8Array,
  chosen: Deno.PointerValue,
  toChosen: boolean,
): { run: Primitive; inner: Deno.PointerValue; outer: Deno.PointerValue } | undefined {
  if (dnnl.symbols.dnnl_memory_desc_equal(plain, chosen)) return undefined;
  const plainPtr = Deno.UnsafePointer.of(plain);
  const [from, to] = toChosen ? [plainPtr, chosen] : [chosen, plainPtr];
  const out = new BigUint64Array(1);
  check(
    dnnl.symbols.dnnl_reorder_primitive_desc_create(out, from, dnnl.engine, to, dnnl.engine, null),
    "reorder_primitive_desc_create",
  );
  const pd = handle(out);
  const inner = memory(dnnl, chosen, true), outer = memory(dnnl, plain, false);
  const args = new Map([[ARG.from, toChosen ? outer : inner], [ARG.to, toChosen ? inner : outer]]);
  const run = makePrimitive(dnnl, pd, args);
  dnnl.symbols.dnnl_primitive_desc_destroy(pd);
  return { run, inner, outer };
}

/** A primitive on the caller's memory: run it with one pointer per argument, inputs then output. */
export interface Operation {
  run(pointers: Deno.PointerValue[]): void;
}

/**
 * A primitive whose arguments all lie in plain layouts on the caller's memory, from its operation
 * descriptor and its arguments' indices and descriptors (inputs then output).
 */
export function operation(dnnl: OneDnn, op: Uint8Array, args: [number, Uint8Array][]): Operation {
  const pd = primitiveDesc(dnnl, op);
  const memories = args.map(([, desc]) => memory(dnnl, desc, false));
  const primitive = makePrimitive(dnnl, pd, new Map(args.map(([arg], i) => [arg, memories[i]])));
  dnnl.symbols.dnnl_primitive_desc_destroy(pd);
  return {
    run(pointers) {
      pointers.forEach((at, i) =>
        check(dnnl.symbols.dnnl_memory_set_data_handle(memories[i], at), "memory_set_data_handle")
      );
      execute(dnnl, primitive);
    },
  };
}

/**
 * C = A · B in row-major float32, A [m, k] (or [k, m] transposed), B [k, n] (or [n, k]), on oneDNN's
 * threads.
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
  g: { m: number; n: number; k: number; transposeA: boolean; transposeB: boolean; beta?: number },
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
      1,
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
