/**
 * Used by `deno task run`.
 *
 * Notebook trust: Jupyter shows HTML outputs that carry scripts (the course's plotly figures) only
 * in notebooks it trusts, that is, whose signature, made with this user's Jupyter secret, it
 * recorded. Outputs made in the UI are trusted as they appear; a notebook executed elsewhere, as
 * by `deno task run`, must be signed to show its plots when opened.
 *
 * @module
 */
import { onPath } from "../../contract/files.ts";

/**
 * The Python that runs Jupyter, from the first line of the `jupyter` command: the one whose
 * `nbformat` package signs and validates notebooks. `undefined` without Jupyter.
 *
 * @example
 * ```ts
 * import { jupyterPython } from "./trust.ts";
 * await jupyterPython(); // "/usr/bin/python3" on Debian
 * ```
 */
export async function jupyterPython(): Promise<string | undefined> {
  const jupyter = onPath("jupyter");
  if (!jupyter) return undefined;
  const first = (await Deno.readTextFile(jupyter)).split("\n")[0];
  if (!first.startsWith("#!")) return undefined;
  const [command, ...args] = first.slice(2).trim().split(/\s+/);
  return command.endsWith("/env") ? args[0] : command;
}

/**
 * Signs notebooks with this user's Jupyter secret (as `jupyter trust` does), so that JupyterLab
 * and the Notebook show their plots when they are opened. Only for notebooks whose outputs come
 * from code one trusts: a signed output's scripts run in the browser of whoever opens it.
 * Returns whether they were signed: not when Jupyter's Python or its `nbformat` is missing.
 *
 * @example
 * ```ts
 * import { trustNotebooks } from "./trust.ts";
 * await trustNotebooks(["out/notebooks/00_setup.ipynb"]); // true
 * ```
 */
export async function trustNotebooks(paths: string[]): Promise<boolean> {
  const python = await jupyterPython();
  if (!python || paths.length === 0) return false;
  const { code } = await new Deno.Command(python, {
    args: ["-m", "nbformat.sign", ...paths],
    stdout: "null",
    stderr: "null",
  }).output().catch(() => ({ code: 1 }));
  return code === 0;
}
