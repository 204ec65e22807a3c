/**
 * What the course's library finds on this machine, asked in a process of its own so that the
 * doctor and the set-up never load TensorFlow.js: the backend `init()` chooses and why, the WebGPU
 * adapter, and Fashion-MNIST (downloaded into the cache with `--download`). Prints one JSON object.
 *
 * ```
 * ./node_modules/.bin/deno run -A kernel/probe.ts [--download]
 * ```
 *
 * @module
 */
import { init } from "@course/lib";
import { backendLine, findAdapter } from "../lib/backend/init.ts";
import { loadOneDnn } from "../lib/backend/onednn.ts";
import { loadFashionMnist } from "@course/datasets";
import type { Probe, ProbeFinding } from "../contract/machine.ts";

async function attempt(work: () => Promise<string>): Promise<ProbeFinding> {
  try {
    return { ok: true, detail: await work() };
  } catch (error) {
    return { ok: false, detail: (error as Error).message };
  }
}

/**
 * Asks the library what it finds here.
 *
 * @example
 * ```ts
 * import { probe } from "./probe.ts";
 * (await probe(false)).backend.detail; // "backend: wasm, 2 threads (no WebGPU adapter)"
 * ```
 */
export async function probe(download: boolean): Promise<Probe> {
  return {
    backend: await attempt(async () => backendLine(await init({ quiet: true }))),
    adapter: await attempt(async () => {
      const adapter = await findAdapter();
      if (!adapter) throw new Error("Deno finds no WebGPU adapter");
      return `${adapter.description || "unnamed adapter"}${
        adapter.isFallback ? " (software)" : ""
      }`;
    }),
    native: await attempt(() => Promise.resolve(loadOneDnn(1).name)),
    fashionMnist: await attempt(async () => {
      const { train, test } = await loadFashionMnist({ download });
      return `${train.labels.length} training and ${test.labels.length} test images`;
    }),
  };
}

if (import.meta.main) {
  console.log(JSON.stringify(await probe(Deno.args.includes("--download"))));
  Deno.exit(0); // the wasm backend's threads would keep the process alive
}
