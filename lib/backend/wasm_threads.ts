/**
 * Used by lessons 00 and 04–12; by the commands.
 *
 * Multithreading for tfjs's WebAssembly backend under Deno.
 *
 * tfjs 4.22 never uses its threaded build here, for three reasons, each worked around below:
 *
 * - Deno defines `process`, so tfjs takes Deno for Node, where it turns threads off, and Emscripten
 *   takes its Node path, whose `worker_threads` cannot start a worker from the blob URL tfjs gives
 *   it (`ERR_WORKER_PATH`). The thread flag is set here, and `process.versions.node` hidden while
 *   the backend starts, so Emscripten takes its web path.
 * - That path starts classic web workers that call `importScripts`; Deno has neither. Emscripten
 *   gets a `Worker` class that starts a module worker (a `node:worker_threads` worker, because it
 *   can be unref'd, so a script still ends when its work does) whose prelude supplies `self`,
 *   `postMessage`, `importScripts` and the Emscripten module it would have imported.
 * - The backend caps its threads at `navigator.hardwareConcurrency / 2` (1 on a 2-core laptop); it
 *   is shown twice the wanted count while the backend starts.
 *
 * Only XNNPACK's kernels (convolutions, matrix multiplies) use the threads.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { createRequire } from "node:module";
import process from "node:process";
import { Worker as NodeWorker } from "node:worker_threads";
import threadedModule from "@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js";
import threadedWorker from "@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js";

/** The worker script: a prelude that makes Deno look like a web worker, then Emscripten's. */
function workerSource(): string {
  // tfjs escapes the newlines inside the script's strings the same way before making its blob.
  const emscriptenWorker = (threadedWorker as { wasmWorkerContents: string }).wasmWorkerContents
    .replace(/\n/g, "\\n");
  return `import { parentPort as port } from "node:worker_threads";
delete globalThis.process;
globalThis.self = globalThis;
globalThis.postMessage = (message) => port.postMessage(message);
port.on("message", (data) => self.onmessage({ data }));
globalThis.importScripts = () => {}; // the module it would import is here:
globalThis.WasmBackendModuleThreadedSimd = ${
    (threadedModule as unknown as () => unknown).toString()
  };
${emscriptenWorker}`;
}

/** Emscripten's pthread workers, as web workers it can drive with `onmessage`. */
function workerClass(): typeof Worker {
  const url = new URL(`data:text/javascript,${encodeURIComponent(workerSource())}`);
  return class extends NodeWorker {
    constructor() {
      super(url);
      this.unref();
    }
    set onmessage(handler: (event: { data: unknown }) => void) {
      this.on("message", (data) => handler({ data }));
    }
    set onerror(handler: (error: Error) => void) {
      this.on("error", handler);
    }
    override postMessage(message: { cmd?: string }, ...transfer: never[]): void {
      // The main script is already in the prelude; a Blob cannot be posted to a worker here.
      const sent = message?.cmd === "load" ? { ...message, urlOrBlob: "inline" } : message;
      super.postMessage(sent, ...transfer);
    }
  } as unknown as typeof Worker;
}

/**
 * Runs `start` with `process.versions.node` hidden, `Worker` replaced and the core count doubled;
 * restores all. (Hiding `process` itself would break code that runs meanwhile, e.g. a test runner's
 * `process.nextTick`.)
 */
async function inWebDisguise<T>(threads: number, start: () => Promise<T>): Promise<T> {
  const global = globalThis as Record<string, unknown>;
  const worker = global.Worker;
  const versions = Object.getOwnPropertyDescriptor(process, "versions")!;
  const navigatorPrototype = Object.getPrototypeOf(navigator);
  const cores = Object.getOwnPropertyDescriptor(navigatorPrototype, "hardwareConcurrency")!;
  Object.defineProperty(process, "versions", {
    ...versions,
    value: { ...process.versions, node: undefined },
  });
  global.Worker = workerClass();
  Object.defineProperty(navigatorPrototype, "hardwareConcurrency", {
    get: () => 2 * threads,
    configurable: true,
  });
  try {
    return await start();
  } finally {
    Object.defineProperty(process, "versions", versions);
    global.Worker = worker;
    Object.defineProperty(navigatorPrototype, "hardwareConcurrency", cores);
  }
}

/**
 * Starts the wasm backend with `threads` threads (its threaded SIMD build), or single-threaded when
 * `threads` is 1 or the threaded build fails to start. Returns the thread count it runs with. Once
 * started, the backend keeps its threads: later calls only select it.
 *
 * @example
 * ```ts
 * import { startWasm } from "./wasm_threads.ts";
 * const threads = await startWasm(2); // 2: XNNPACK's convolutions and matmuls use both cores
 * ```
 */
export async function startWasm(threads: number): Promise<number> {
  // Imported here, not above: importing registers the backend, and an unstarted wasm backend would
  // become tfjs's default before init() runs.
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  if (threads > 1 && !tf.findBackend("wasm")) {
    // Emscripten's web path cannot find the binaries by itself: tfjs fetches them from here.
    const main = createRequire(import.meta.url).resolve("@tensorflow/tfjs-backend-wasm");
    wasm.setWasmPaths(new URL("./", `file://${main}`).href, true);
    wasm.setThreadsCount(threads);
    tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", true);
    if (await inWebDisguise(threads, () => tf.setBackend("wasm"))) return wasm.getThreadsCount();
    tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  }
  if (!(await tf.setBackend("wasm"))) throw new Error("tfjs could not initialise the wasm backend");
  return wasm.getThreadsCount();
}
