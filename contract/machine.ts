/**
 * Used by `deno task course`, `deno task doctor`, `deno task setup` and `deno task test`.
 *
 * What the library reports about this machine to the tools that check it: `kernel/probe.ts` runs
 * the library in a process of its own and prints a {@linkcode Probe} as JSON, so that the doctor
 * and the set-up never load TensorFlow.js.
 *
 * @module
 */

/** One thing the probe looked at: whether it works, and a line for people saying what it found. */
export interface ProbeFinding {
  /** Whether it works here. */
  ok: boolean;
  /** What was found, or the error that stopped it. */
  detail: string;
}

/** What the library finds on this machine. */
export interface Probe {
  /** The backend `init()` chooses, and why. */
  backend: ProbeFinding;
  /** The WebGPU adapter, if any. */
  adapter: ProbeFinding;
  /** The native library the wasm backend's heavy kernels run on (oneDNN), if any. */
  native: ProbeFinding;
  /** Whether Fashion-MNIST loads (from Debian's package, the cache, or a download). */
  fashionMnist: ProbeFinding;
}
