/**
 * The contract between the lessons and the tools, with no TensorFlow.js: what a lesson publishes
 * (check verdicts, reported results), the exercise markers, the course's environment variables,
 * the project's files, and the command line every command shares. The library, the tools and the
 * tests import it; it imports nothing of theirs.
 *
 * @example
 * ```ts
 * import { CHECK_MIME, settingName } from "./mod.ts";
 * console.log(CHECK_MIME, settingName());
 * ```
 *
 * @module
 */
export * from "./command_line.ts";
export * from "./exercises.ts";
export * from "./files.ts";
export * from "./machine.ts";
export * from "./settings.ts";
