/**
 * The examples' command line: file arguments, `--name value` options, and paths taken from the
 * folder the user typed the command in.
 *
 * @module
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";

/** A path as the user meant it: `deno task` runs in the project's folder, not theirs. */
const fromUser = (path: string) => resolve(Deno.env.get("INIT_CWD") ?? Deno.cwd(), path);

/**
 * Parses `Deno.args`: exactly `files` file arguments (else prints `usage` and exits with 2), and
 * string options with their defaults (`undefined`: no default).
 *
 * @example
 * ```ts
 * import { commandLine } from "./command_line.ts";
 * const args = commandLine("denoise <noisy.tif>", 1, { out: undefined, epochs: "3" });
 * args.files[0]; // an absolute path
 * args.count("epochs"); // 3
 * ```
 */
export function commandLine(
  usage: string,
  files: number,
  defaults: Record<string, string | undefined>,
) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: Object.fromEntries(
      Object.entries(defaults).map((
        [name, value],
      ) => [name, value === undefined ? { type: "string" } : { type: "string", default: value }]),
    ) as Record<string, { type: "string"; default?: string }>,
  });
  if (positionals.length !== files) {
    console.error(`usage: deno task ${usage}`);
    Deno.exit(2);
  }
  const text = (name: string) => values[name] as string | undefined;
  return {
    files: positionals.map(fromUser),
    /** An option naming a file, as an absolute path. */
    path: (name: string) => (text(name) === undefined ? undefined : fromUser(text(name)!)),
    /** An option that must be a whole number ≥ 0. */
    count: (name: string) => {
      const value = Number(text(name));
      if (!Number.isInteger(value) || value < 0) {
        throw new Error(
          `Cannot run as '--${name}' must be a whole number: current value is ${text(name)}`,
        );
      }
      return value;
    },
  };
}
