/**
 * Used by lessons 00 and 04–12; by the commands.
 *
 * oneDNN 2.x's C interface as the course calls it through `Deno.dlopen`: the functions, and the
 * constants of `dnnl_types.h` they take.
 *
 * @module
 */

/** The C functions the course calls. Pointers to oneDNN's objects are opaque here. */
export const SYMBOLS = {
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

/** OpenMP's thread setter and getter, from the OpenMP runtime oneDNN 2.x is built on (Debian: libgomp). */
export const OPENMP = {
  omp_set_num_threads: { parameters: ["i32"], result: "void" },
  omp_get_max_threads: { parameters: [], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

export type Symbols = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

/** oneDNN's constants (`dnnl_types.h`, 2.x). */
export const F32 = 3;
/** Memory layouts: `a`…`abcdef` are row-major of rank 1–6. */
export const TAG = {
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
export const ALLOCATE = Deno.UnsafePointer.create(0xffffffffffffffffn);

/**
 * Bytes kept for oneDNN 2.x's descriptors, which the library fills in: `dnnl_memory_desc_t` is 696
 * bytes and `dnnl_convolution_desc_t` 5,976 in 2.6; twice that covers every 2.x release.
 */
export const MEMORY_DESC_BYTES = 2048, OP_DESC_BYTES = 12288;
