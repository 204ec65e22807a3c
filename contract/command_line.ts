/**
 * Used by every command.
 *
 * The course's commands (`deno task run`, `grade`, `denoise`, …) as a user meets them: options
 * parsed with one-line errors, paths taken from the folder the command was typed in and checked
 * before any work starts, and every error reported as one line with exit status 1, never a stack
 * trace.
 *
 * @module
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";

/** What a command takes. */
export interface CommandSpec {
  /** The task's name, as in `deno task <name>`. */
  name: string;
  /** What the command does, as in "Cannot <verb> as …". */
  verb: string;
  /** The arguments after the task's name, on one line: `<image> <mask> [--out prefix]`. */
  usage: string;
  /** What the positional arguments are, for the message when they are missing ("an image"). */
  what?: string;
  /** How many positional arguments: at least, at most (default none). */
  positionals?: [min: number, max: number];
  /** String options with their defaults (`undefined`: none), and flags (`true`). */
  options: Record<string, string | undefined | true>;
}

/** A parsed command line whose values are checked as they are read. */
export interface CommandLine {
  /** The positional arguments, as typed. */
  args: string[];
  /** A string option's value, or its default. */
  text(name: string): string | undefined;
  /** Whether a flag was given. */
  flag(name: string): boolean;
  /** A whole-number option, at least `min`. */
  count(name: string, min?: number): number;
  /** A number of seconds, more than 0. */
  seconds(name: string): number;
  /** An error in this command's words: "Cannot <verb> as <why>". */
  fail(why: string): never;
  /** An existing file, as an absolute path: not a folder, not empty, with one of `extensions`. */
  file(path: string, extensions?: string[]): string;
  /** An existing folder, as an absolute path. */
  folder(path: string): string;
  /** A file to write, as an absolute path: it may exist, but not as a folder. */
  output(path: string): string;
  /** A folder to write into, as an absolute path: it may exist, but not as a file. */
  outputFolder(path: string): string;
}

/**
 * A path as the user meant it: `deno task` runs in the project's folder, not in theirs, and says
 * where theirs is in `INIT_CWD`.
 *
 * @example
 * ```ts
 * import { userPath } from "./command_line.ts";
 * userPath("image.tif"); // "/home/ada/images/image.tif" when typed in /home/ada/images
 * ```
 */
export function userPath(path: string): string {
  return resolve(Deno.env.get("INIT_CWD") ?? Deno.cwd(), path);
}

/**
 * A word for a POSIX shell, quoted so that nothing in it is special: for commands that another
 * program runs through `sh -c` (Slurm's `--wrap`, JupyterHub's spawner).
 *
 * @example
 * ```ts
 * import { shellWord } from "./command_line.ts";
 * shellWord("it's here"); // `'it'"'"'s here'`
 * ```
 */
export function shellWord(text: string): string {
  return `'${text.replaceAll("'", `'"'"'`)}'`;
}

/** `node:util`'s parse errors, in the command's words. */
function parseError(spec: CommandSpec, error: Error & { code?: string }): Error {
  const help = `see 'deno task ${spec.name} --help'`;
  const quoted = error.message.match(/'([^']+)'/)?.[1] ?? "";
  const why = {
    ERR_PARSE_ARGS_UNKNOWN_OPTION: `'${quoted}' is not one of its options: ${help}`,
    ERR_PARSE_ARGS_INVALID_OPTION_VALUE: `'${quoted.split(" ")[0]}' needs a value: ${help}`,
  }[error.code ?? ""];
  return new Error(`Cannot ${spec.verb} as ${why ?? error.message}`);
}

/** What is at `path`, if anything. */
function existing(path: string): Deno.FileInfo | undefined {
  try {
    return Deno.statSync(path);
  } catch {
    return undefined;
  }
}

/** One `stat`, with a one-line error when there is nothing at `path`. */
function statOf(fail: (why: string) => never, path: string): Deno.FileInfo {
  try {
    return Deno.statSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) fail(`'${path}' does not exist`);
    if (error instanceof Deno.errors.PermissionDenied) fail(`'${path}' may not be read`);
    throw error;
  }
}

/**
 * Parses a command's arguments: `--help` prints the usage and exits with 0; anything it cannot use
 * throws one line in the command's words.
 *
 * @example
 * ```ts
 * import { commandLine } from "./command_line.ts";
 * const cli = commandLine({
 *   name: "denoise",
 *   verb: "denoise",
 *   usage: "<noisy.tif|png> [--epochs N]",
 *   what: "an image",
 *   positionals: [1, 1],
 *   options: { epochs: "3" },
 * }, ["noisy.tif", "--epochs", "5"]);
 * cli.count("epochs"); // 5
 * ```
 */
export function commandLine(spec: CommandSpec, args: string[]): CommandLine {
  const fail = (why: string): never => {
    throw new Error(`Cannot ${spec.verb} as ${why}`);
  };
  const options = Object.fromEntries(
    Object.entries({ ...spec.options, help: true }).map(([name, value]) => [
      name,
      value === true ? { type: "boolean" } : { type: "string", default: value },
    ]),
  ) as Record<string, { type: "string" | "boolean"; default?: string }>;
  // `--epochs -1` is a value, not an option: node:util would take it for one.
  const joined = args.flatMap((arg, i) =>
    options[arg.slice(2)]?.type === "string" && /^-[\d.]/.test(args[i + 1] ?? "")
      ? [`${arg}=${args[i + 1]}`]
      : /^-[\d.]/.test(arg) && options[args[i - 1]?.slice(2)]?.type === "string"
      ? []
      : [arg]
  );
  let parsed;
  try {
    parsed = parseArgs({ args: joined, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw parseError(spec, error as Error);
  }
  const { values, positionals } = parsed;
  const usage = `usage: deno task ${spec.name} ${spec.usage}`;
  if (values.help) {
    console.log(usage);
    Deno.exit(0);
  }
  const [min, max] = spec.positionals ?? [0, 0];
  if (positionals.length < min) fail(`it needs ${spec.what}: ${usage}`);
  if (positionals.length > max) {
    fail(`'${positionals[max]}' is one argument too many: ${usage}`);
  }
  const text = (name: string) => values[name] as string | undefined;
  const number = (name: string, ok: (n: number) => boolean, what: string) => {
    const value = text(name), n = Number(value);
    if (value === undefined || value.trim() === "" || !ok(n)) {
      fail(`'--${name}' must be ${what}: current value is ${value}`);
    }
    return n;
  };
  return {
    args: positionals,
    text,
    flag: (name) => values[name] === true,
    count: (name, min = 0) =>
      number(name, (n) => Number.isInteger(n) && n >= min, `a whole number ≥ ${min}`),
    seconds: (name) => number(name, (n) => n > 0 && n < Infinity, "a number of seconds > 0"),
    fail,
    file: (path, extensions) => {
      const absolute = userPath(path), info = statOf(fail, absolute);
      if (info.isDirectory) fail(`'${path}' is a folder: give a file`);
      if (info.size === 0) fail(`'${path}' is empty`);
      if (extensions && !extensions.some((e) => absolute.toLowerCase().endsWith(e))) {
        fail(
          `'${path}' must be a ${extensions.slice(0, -1).join(", ")} or ${extensions.at(-1)} file`,
        );
      }
      return absolute;
    },
    folder: (path) => {
      const absolute = userPath(path);
      if (!statOf(fail, absolute).isDirectory) fail(`'${path}' is not a folder`);
      return absolute;
    },
    output: (path) => {
      const absolute = userPath(path);
      if (existing(absolute)?.isDirectory) fail(`'${path}' is a folder: give a file name`);
      return absolute;
    },
    outputFolder: (path) => {
      const absolute = userPath(path), info = existing(absolute);
      if (info && !info.isDirectory) fail(`'${path}' is a file: give a folder`);
      return absolute;
    },
  };
}

/**
 * Attendee text (a folder's name, an error message, a check's words) made inert for a terminal, a
 * CSV file or Markdown: every control character (escape sequences, line breaks that would forge a
 * line of their own, C1 codes) and every bidirectional override becomes a space.
 *
 * @example
 * ```ts
 * import { inert } from "./command_line.ts";
 * inert("ok\x1b[2K\rada: 4 / 4 points"); // "ok [2K ada: 4 / 4 points"
 * ```
 */
export function inert(text: string): string {
  // deno-lint-ignore no-control-regex -- control characters are what this removes
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, " ");
}

/** An error's message on one line, inert: it may quote an attendee's file name. */
function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return inert(message.split("\n").map((line) => line.trim()).filter(Boolean).join(" "));
}

/**
 * Makes every error this process does not catch, thrown at the top of a script or by work left
 * running, print as one line (`error: …`) and exit with 1, instead of Deno's stack trace.
 *
 * @example
 * ```ts
 * import { reportErrors } from "./command_line.ts";
 * reportErrors();
 * ```
 */
export function reportErrors(): void {
  const report = (event: Event, error: unknown) => {
    event.preventDefault();
    if ([...survivable].some((claims) => claims(error))) return; // its owner handles it
    console.error(`error: ${oneLine(error)}`);
    Deno.exit(1);
  };
  globalThis.addEventListener("unhandledrejection", (e) => report(e, e.reason));
  globalThis.addEventListener("error", (e) => report(e, e.error));
}

/** Errors that a part of the program handles itself, although they reach the top. */
const survivable = new Set<(error: unknown) => boolean>();

/**
 * Lets the uncaught errors that `claims` recognises pass {@linkcode reportErrors} instead of
 * ending the process, while the returned function has not been called: for an error a library
 * throws from an event handler, which its caller handles in its own listener.
 *
 * @example
 * ```ts
 * import { surviveErrors } from "./command_line.ts";
 * const stop = surviveErrors((error) => (error as Error)?.message === "ignorable");
 * stop();
 * ```
 */
export function surviveErrors(claims: (error: unknown) => boolean): () => void {
  survivable.add(claims);
  return () => survivable.delete(claims);
}

/**
 * Runs a command's `main` with the process's arguments and exits with its status; any error is
 * printed as one line with exit status 1 ({@linkcode reportErrors}).
 *
 * @example
 * ```ts
 * import { runCommand } from "./command_line.ts";
 * if (import.meta.main) await runCommand(async (args) => args.length ? 0 : 1);
 * ```
 */
export async function runCommand(
  main: (args: string[]) => Promise<number | void>,
): Promise<never> {
  reportErrors();
  Deno.exit((await main(Deno.args)) ?? 0);
}

/**
 * Runs a command-line tool that talks to Jupyter: silences what @jupyterlab/services logs for a
 * browser's console (every websocket it opens, the reconnection after a restart the runner asked
 * for), then runs it as every command runs ({@linkcode runCommand}), which exits with `main`'s
 * code: @jupyterlab/services leaves timers behind that would keep Deno alive.
 *
 * @example
 * ```ts
 * import { jupyterCommand } from "./command_line.ts";
 * if (import.meta.main) await jupyterCommand(async (args) => args.length ? 0 : 1);
 * ```
 */
export function jupyterCommand(main: (args: string[]) => Promise<number>): Promise<never> {
  console.debug = () => {};
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).startsWith("Connection lost, reconnecting")) warn(...args);
  };
  return runCommand(main);
}
