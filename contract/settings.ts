/**
 * Used by every lesson (through `settings()` and `init()`), and by `deno task grade`, which hands
 * the variables to attendees' kernels.
 *
 * The course's environment variables in one list, with their parsing and defaults.
 *
 * @module
 */

/** A lesson's setting: the least work that runs every cell, a quick lesson, or as taught. */
export type SettingName = "smoke" | "quick" | "full";

/** The lesson settings, from the least work to the lesson as taught. */
export const SETTINGS: readonly SettingName[] = ["smoke", "quick", "full"];

/** A tfjs backend the course can run on. */
export type BackendName = "webgpu" | "wasm" | "cpu";

/** The tfjs backends the course can run on, fastest first. */
export const BACKENDS: readonly BackendName[] = ["webgpu", "wasm", "cpu"];

/**
 * Every variable the course reads; the grader hands those that are set on to attendees' kernels.
 *
 * - `COURSE_SETTING`: the lessons' setting, `smoke`, `quick` or `full` (default);
 * - `COURSE_BACKEND`: force a tfjs backend, `webgpu`, `wasm` or `cpu` (default: the fastest that
 *   starts);
 * - `COURSE_THREADS`: the wasm backend's threads (default: one per core);
 * - `COURSE_NATIVE`: `0` keeps the wasm backend's heavy kernels off the native library (oneDNN);
 * - `COURSE_ONEDNN`: the oneDNN 2.x library to load (default: the system's `libdnnl.so.2`);
 * - `COURSE_CACHE`: where downloaded data is kept (default: `~/.cache/dl-course`);
 * - `FASHION_MNIST_DIR`: a folder holding Fashion-MNIST's four `.gz` files.
 */
export const COURSE_VARIABLES = [
  "COURSE_SETTING",
  "COURSE_BACKEND",
  "COURSE_THREADS",
  "COURSE_NATIVE",
  "COURSE_ONEDNN",
  "COURSE_CACHE",
  "FASHION_MNIST_DIR",
] as const;

/** The name of one of {@linkcode COURSE_VARIABLES}. */
export type CourseVariableName = typeof COURSE_VARIABLES[number];

/**
 * A course variable's value, or `undefined` when it is unset or blank.
 *
 * @example
 * ```ts
 * import { courseVariable } from "./settings.ts";
 * courseVariable("COURSE_SETTING"); // undefined, unless it is set
 * ```
 */
export function courseVariable(name: CourseVariableName): string | undefined {
  const value = Deno.env.get(name);
  return value === undefined || value.trim() === "" ? undefined : value;
}

/**
 * The setting chosen by `COURSE_SETTING` (default `full`).
 *
 * @example
 * ```ts
 * import { settingName } from "./settings.ts";
 * settingName(); // "full", unless COURSE_SETTING=quick or smoke
 * ```
 */
export function settingName(): SettingName {
  const value = (Deno.env.get("COURSE_SETTING") ?? "full").trim().toLowerCase();
  if (!(SETTINGS as readonly string[]).includes(value)) {
    throw new Error(
      `Cannot choose the lesson's setting as COURSE_SETTING must be one of ${
        SETTINGS.join(", ")
      }: current value is "${value}"`,
    );
  }
  return value as SettingName;
}

/**
 * Reads a forced backend from `COURSE_BACKEND` (or the given value), or `undefined` for automatic.
 *
 * @example
 * ```ts
 * import { parseBackend } from "./settings.ts";
 * parseBackend("cpu"); // "cpu"
 * parseBackend(""); // undefined: choose automatically
 * ```
 */
export function parseBackend(value: string | undefined): BackendName | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const name = value.trim().toLowerCase();
  if ((BACKENDS as readonly string[]).includes(name)) return name as BackendName;
  throw new Error(
    `Cannot choose a backend as COURSE_BACKEND must be one of ${BACKENDS.join(", ")} ` +
      `(or unset for automatic): current value is "${value}"`,
  );
}

/**
 * Whether the wasm backend's heavy kernels may run on a native library: `COURSE_NATIVE` unset or
 * `1` (the default) lets them, `0` keeps today's wasm kernels.
 *
 * @example
 * ```ts
 * import { nativeKernels } from "./settings.ts";
 * nativeKernels("0"); // false
 * nativeKernels(undefined); // true
 * ```
 */
export function nativeKernels(value = courseVariable("COURSE_NATIVE")): boolean {
  if (value === undefined || value.trim() === "1") return true;
  if (value.trim() === "0") return false;
  throw new Error(
    `Cannot choose the native kernels as COURSE_NATIVE must be 0 or 1 (or unset for 1): ` +
      `current value is "${value}"`,
  );
}

/**
 * The thread count for the wasm backend: `COURSE_THREADS`, else one per logical core.
 *
 * @example
 * ```ts
 * import { wasmThreads } from "./settings.ts";
 * wasmThreads("3"); // 3
 * wasmThreads(undefined); // navigator.hardwareConcurrency, e.g. 2
 * ```
 */
export function wasmThreads(value = courseVariable("COURSE_THREADS")): number {
  if (value === undefined || value.trim() === "") return navigator.hardwareConcurrency || 1;
  const threads = Number(value);
  if (!Number.isInteger(threads) || threads < 1) {
    throw new Error(
      `Cannot start the wasm backend as COURSE_THREADS must be a whole number ≥ 1 (or unset for ` +
        `one thread per core): current value is "${value}"`,
    );
  }
  return threads;
}

/**
 * The course variables set in this process, for a kernel's environment.
 *
 * @example
 * ```ts
 * import { kernelVariables } from "./settings.ts";
 * kernelVariables(); // e.g. { COURSE_SETTING: "quick" }
 * ```
 */
export function kernelVariables(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of COURSE_VARIABLES) {
    const value = courseVariable(name);
    if (value !== undefined) env[name] = value;
  }
  return env;
}
