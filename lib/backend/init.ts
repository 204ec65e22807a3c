/**
 * Used by lessons 00 and 04–12; by the commands.
 *
 * Choosing the TensorFlow.js backend: WebGPU on a real GPU, else WebAssembly, else the plain CPU
 * backend.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { registerWasmTrainingKernels } from "./wasm_fast_paths.ts";
import { useNativeKernels } from "./native_kernels.ts";
import { startWasm } from "./wasm_threads.ts";
import {
  type BackendName,
  BACKENDS,
  courseVariable,
  nativeKernels,
  parseBackend,
  wasmThreads,
} from "../../contract/settings.ts";

/** What the library needs to know about a WebGPU adapter to decide whether to use it. */
export interface AdapterSummary {
  /** The adapter's description, e.g. `"NVIDIA H100"` or `"llvmpipe (LLVM 15.0.6, 256 bits)"`. */
  description: string;
  /** Whether the adapter says of itself that it is a software fallback. */
  isFallback: boolean;
}

/** The backend {@linkcode init} chose, and why. */
export interface BackendChoice {
  /** The backend that runs the course's tensors. */
  backend: BackendName;
  /** Why it was chosen, in words (shown after `backend:`). */
  reason: string;
  /** The threads the wasm backend's pool runs on (one beside oneDNN, else `COURSE_THREADS`). */
  threads?: number;
  /** The native library the wasm backend's heavy kernels run on, e.g. `"oneDNN 2.6.3"`. */
  native?: string;
  /** The threads the native library runs on (`COURSE_THREADS`, else one per core). */
  nativeThreads?: number;
  /** Why the wasm backend runs without native kernels. */
  withoutNative?: string;
}

/** Renderers that implement WebGPU on the CPU: usable, but slower than the wasm backend. */
const SOFTWARE_RENDERERS = /llvmpipe|lavapipe|softpipe|swiftshader|software|basic render/i;

/**
 * Whether a WebGPU adapter is a software renderer rather than a real GPU.
 *
 * @example
 * ```ts
 * import { isSoftwareAdapter } from "./init.ts";
 * isSoftwareAdapter({ description: "llvmpipe (LLVM 15.0.6, 256 bits)", isFallback: true }); // true
 * ```
 */
export function isSoftwareAdapter(adapter: AdapterSummary): boolean {
  return adapter.isFallback || SOFTWARE_RENDERERS.test(adapter.description);
}

/**
 * Decides the backend from a forced choice and the WebGPU adapter, without touching tfjs.
 *
 * @example
 * ```ts
 * import { chooseBackend } from "./init.ts";
 * chooseBackend(undefined, null); // { backend: "wasm", reason: "no WebGPU adapter" }
 * ```
 */
export function chooseBackend(
  forced: BackendName | undefined,
  adapter: AdapterSummary | null,
): BackendChoice {
  if (forced) return { backend: forced, reason: "forced by COURSE_BACKEND" };
  if (adapter === null) return { backend: "wasm", reason: "no WebGPU adapter" };
  if (isSoftwareAdapter(adapter)) {
    return {
      backend: "wasm",
      reason: `WebGPU adapter is a software fallback: ${adapter.description || "unnamed"}`,
    };
  }
  return { backend: "webgpu", reason: `GPU: ${adapter.description || "unnamed adapter"}` };
}

/**
 * Asks the runtime for a WebGPU adapter; `null` where there is none or asking fails.
 *
 * @example
 * ```ts
 * import { findAdapter, isSoftwareAdapter } from "./init.ts";
 * const adapter = await findAdapter();
 * if (adapter && !isSoftwareAdapter(adapter)) console.log(`a real GPU: ${adapter.description}`);
 * ```
 */
export async function findAdapter(): Promise<AdapterSummary | null> {
  const gpu = (globalThis.navigator as { gpu?: GPU } | undefined)?.gpu;
  if (!gpu) return null;
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
    if (!adapter) return null;
    const info = adapter.info;
    const description = info.description ||
      [info.vendor, info.architecture].filter((s) => s).join(" ");
    const isFallback = (info as { isFallbackAdapter?: boolean }).isFallbackAdapter ??
      (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false;
    return { description, isFallback };
  } catch {
    return null;
  }
}

/**
 * Starts tfjs's WebGPU backend, or throws why it could not: on real GPUs under Deno the device can
 * fail to start (an adapter "invalidated by a device creation", limits handed over as BigInt).
 * tfjs reports such a failure as two console warnings, a headline then the error, and returns
 * false; the error becomes this function's, and the warnings stay out of the notebook.
 */
async function startWebGpu(): Promise<void> {
  await import("@tensorflow/tfjs-backend-webgpu");
  const warnings: string[] = [], warn = console.warn;
  console.warn = (...args: unknown[]) => void warnings.push(args.map(String).join(" "));
  try {
    if (await tf.setBackend("webgpu")) return;
  } finally {
    console.warn = warn;
  }
  throw new Error(
    warnings.at(-1)?.split("\n")[0] ?? "tfjs could not initialise the webgpu backend",
  );
}

/** What starting a backend adds to the choice: the wasm backend's threads and native kernels. */
type Started = Pick<BackendChoice, "threads" | "native" | "nativeThreads" | "withoutNative">;

/** Starts a backend. */
async function activate(backend: BackendName, native: boolean): Promise<Started> {
  let started: Started = {};
  if (backend === "webgpu") {
    await startWebGpu();
  } else if (backend === "wasm") {
    await import("@tensorflow/tfjs-backend-wasm"); // registers the backend's own kernels first
    registerWasmTrainingKernels();
    const threads = wasmThreads();
    started = startNative(native ? threads : 0);
    // With the heavy kernels native, oneDNN's threads do the parallel work; a wasm thread pool
    // beside them would fight them for the same cores (a U-Net step takes 1.6× as long).
    started.threads = await startWasm(started.native ? 1 : threads);
  } else if (!(await tf.setBackend(backend))) {
    throw new Error(`tfjs could not initialise the ${backend} backend`);
  }
  await tf.ready();
  return started;
}

/** Turns the native kernels on (`threads` > 0) or off, and says which and why. */
function startNative(threads: number): Started {
  if (threads === 0) {
    useNativeKernels(0);
    return { withoutNative: "native kernels off (COURSE_NATIVE=0)" };
  }
  try {
    const native = useNativeKernels(threads)!;
    return { native: native.name, nativeThreads: native.threads };
  } catch (error) {
    return { withoutNative: `no native kernels: ${(error as Error).message}` };
  }
}

/**
 * tfjs's CPU backend prints an advert for tfjs-node on its first write whenever `process` exists,
 * which Deno provides. It is noise in a notebook. tfjs makes new CPU backend instances as it
 * pleases, so the flag is silenced on their prototype.
 */
function silenceNodeBanner(): void {
  const cpu = tf.findBackend("cpu");
  if (!cpu) return;
  Object.defineProperty(Object.getPrototypeOf(cpu), "firstUse", {
    get: () => false,
    set: () => {},
    configurable: true,
  });
  delete (cpu as { firstUse?: boolean }).firstUse; // this instance set its own before the patch
}
silenceNodeBanner();

/** Options of {@linkcode init}. */
export interface InitOptions {
  /** Force a backend; default: `COURSE_BACKEND`, else automatic. */
  backend?: BackendName;
  /** Do not print the `backend: ...` line. */
  quiet?: boolean;
  /** Run the wasm backend's heavy kernels on oneDNN where it is installed; default: `COURSE_NATIVE`. */
  native?: boolean;
}

/**
 * Chooses and activates the tfjs backend, prints one line saying which and why, and returns it.
 *
 * Automatic choice: WebGPU when the adapter is a real GPU, else WebAssembly, else CPU (each falls
 * back to the next if it cannot start). `COURSE_BACKEND=webgpu|wasm|cpu` forces one. On wasm, the
 * convolutions and matrix products run on oneDNN (PyTorch's CPU library) where it is installed,
 * unless `COURSE_NATIVE=0`.
 *
 * @example
 * ```ts
 * import { init } from "@course/lib";
 * const { backend } = await init();
 * // prints e.g. "backend: wasm + oneDNN 2.6.3, 2 threads (no WebGPU adapter)"
 * ```
 */
export async function init(options: InitOptions = {}): Promise<BackendChoice> {
  const forced = options.backend ?? parseBackend(courseVariable("COURSE_BACKEND"));
  const native = options.native ?? nativeKernels();
  let choice = chooseBackend(forced, forced && forced !== "webgpu" ? null : await findAdapter());
  const order = BACKENDS.slice(BACKENDS.indexOf(choice.backend));
  for (const [i, backend] of order.entries()) {
    try {
      const started = await activate(backend, native);
      if (i > 0) choice = { backend, reason: `${choice.backend} failed: ${choice.reason}` };
      choice = { ...choice, ...started };
      break;
    } catch (error) {
      if (forced) {
        throw new Error(
          `Cannot use the backend forced by COURSE_BACKEND as "${forced}" failed to start: ` +
            `${(error as Error).message}; unset COURSE_BACKEND to choose automatically`,
        );
      }
      choice = { backend, reason: (error as Error).message };
    }
  }
  if (!options.quiet) console.log(backendLine(choice));
  return choice;
}

/**
 * The line {@linkcode init} prints: the backend and its threads, the native library and its threads,
 * and why.
 *
 * @example
 * ```ts
 * import { backendLine } from "./init.ts";
 * backendLine({
 *   backend: "wasm",
 *   threads: 1,
 *   native: "oneDNN 2.6.3",
 *   nativeThreads: 2,
 *   reason: "no WebGPU adapter",
 * });
 * // "backend: wasm, 1 thread + oneDNN 2.6.3, 2 threads (no WebGPU adapter)"
 * ```
 */
export function backendLine(choice: BackendChoice): string {
  const threads = (n: number | undefined) => n ? `, ${n} thread${n > 1 ? "s" : ""}` : "";
  const native = choice.native ? ` + ${choice.native}${threads(choice.nativeThreads)}` : "";
  const why = [choice.reason, choice.withoutNative].filter((r) => r).join("; ");
  return `backend: ${choice.backend}${threads(choice.threads)}${native} (${why})`;
}
