/**
 * `deno task run`: executes notebooks headless through a real Jupyter server.
 *
 * ```
 * deno task run <notebook or folder…> [--out DIR] [--timeout S] [--server URL --token T --root DIR]
 * ```
 *
 * Prints one line per code cell, writes each executed notebook under `--out` (default `out/`),
 * stops a notebook at its first failing cell and exits non-zero if any notebook failed.
 *
 * @module
 */
import { basename, dirname, join, relative, sep } from "node:path";
import { commandLine, jupyterCommand } from "../contract/command_line.ts";
import { KERNEL_NAME } from "./jupyter/kernelspec.ts";
import { PROJECT_ROOT } from "../contract/files.ts";
import { notebookFiles, readNotebook } from "./jupyter/notebook.ts";
import { type CellReport, runNotebook } from "./jupyter/runner.ts";
import { JupyterServer } from "./jupyter/server.ts";
import { trustNotebooks } from "./jupyter/trust.ts";

function firstLines(source: string, n = 3): string {
  const lines = source.trimEnd().split("\n");
  const shown = lines.slice(0, n).map((l) => `    | ${l}`);
  if (lines.length > n) shown.push(`    | … (${lines.length - n} more lines)`);
  return shown.join("\n");
}

function progressLine(r: CellReport): string {
  const where = `[${String(r.cell).padStart(String(r.of).length)}/${r.of}]`;
  const first = r.source.trim().split("\n")[0].slice(0, 60);
  return `  ${where} ${r.status.padEnd(7)} ${r.seconds.toFixed(2).padStart(7)} s  ${first}`;
}

function commonFolder(paths: string[]): string {
  const parts = paths.map((p) => dirname(p).split(sep));
  const common = parts[0].filter((part, i) => parts.every((p) => p[i] === part));
  return common.join(sep) || sep;
}

function outPath(outDir: string, notebook: string): string {
  const inProject = relative(PROJECT_ROOT, notebook);
  return join(outDir, inProject.startsWith("..") ? basename(notebook) : inProject);
}

async function main(args: string[]): Promise<number> {
  const cli = commandLine({
    name: "run",
    verb: "run",
    usage: "<notebook.ipynb or folder…> [--out DIR] [--timeout SECONDS] [--kernel NAME] " +
      "[--server URL --token TOKEN [--root DIR]]",
    what: "a notebook or a folder of notebooks",
    positionals: [1, Infinity],
    options: {
      out: join(PROJECT_ROOT, "out"),
      timeout: "600",
      kernel: KERNEL_NAME,
      server: undefined,
      token: "",
      root: undefined,
    },
  }, args);
  const timeoutS = cli.seconds("timeout");
  const notebooks = await notebookFiles(cli.args, "run");
  // Every notebook is checked before a server starts: a bad one stops the run in one line.
  const contents = await Promise.all(notebooks.map((path) => readNotebook(path)));
  const values = {
    out: cli.outputFolder(cli.text("out")!),
    kernel: cli.text("kernel")!,
    server: cli.text("server"),
    token: cli.text("token")!,
    root: cli.text("root"),
  };
  const server = values.server
    ? JupyterServer.connect(
      { url: values.server, token: values.token },
      cli.folder(values.root ?? "."),
    )
    : await JupyterServer.start(commonFolder(notebooks));
  const stop = () => {
    console.error("\ninterrupted: shutting down the Jupyter server and kernels");
    server.stop().finally(() => Deno.exit(130));
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  let failed = 0;
  const written: string[] = [];
  try {
    for (const [i, path] of notebooks.entries()) {
      const shown = relative(Deno.cwd(), path);
      console.log(`▶ ${shown}`);
      const out = outPath(values.out, path);
      const result = await runNotebook(server, path, {
        notebook: contents[i],
        kernelName: values.kernel,
        timeoutS,
        out,
        onCell: (r) => console.log(progressLine(r)),
      }).catch((error: Error) => error);
      if (result instanceof Error) {
        failed++;
        console.log(`✘ ${shown}: ${result.message}`);
        continue;
      }
      const f = result.failure;
      if (f) {
        failed++;
        const what = f.status === "timeout" ? "timed out" : "failed";
        console.log(`✘ ${shown}: cell ${f.cell} of ${f.of} ${what}: ${f.error}`);
        console.log(firstLines(f.source));
      } else {
        console.log(
          `✔ ${shown}: ${result.cells.length} code cells in ${result.seconds.toFixed(1)} s`,
        );
      }
      console.log(`  executed notebook: ${relative(Deno.cwd(), out)}`);
      written.push(out);
    }
  } finally {
    Deno.removeSignalListener("SIGINT", stop);
    Deno.removeSignalListener("SIGTERM", stop);
    await server.stop();
  }
  console.log(`${notebooks.length - failed} passed, ${failed} failed`);
  if (written.length) {
    console.log(
      await trustNotebooks(written)
        ? "executed notebooks signed: Jupyter on this machine trusts them and shows their plots"
        : "executed notebooks not signed (no Jupyter with nbformat): to see their plots, open " +
          "them and choose Trust Notebook",
    );
  }
  return failed ? 1 : 0;
}

if (import.meta.main) await jupyterCommand(main);
