/**
 * Executes a notebook top to bottom through a Jupyter server, as a front end would, and keeps
 * every output, including those the Deno kernel publishes after a cell reports `idle`.
 *
 * @module
 */
import { KernelManager, type KernelMessage, SessionManager } from "@jupyterlab/services";
import { basename, relative } from "node:path";
import { KERNEL_NAME } from "./kernelspec.ts";
import { type Notebook, OutputArea, readNotebook, sourceOf, writeNotebook } from "./notebook.ts";
import type { JupyterServer } from "./server.ts";

/** What happened to one code cell. */
export interface CellReport {
  /** 1-based position among all the notebook's cells. */
  cell: number;
  /** Number of cells in the notebook. */
  of: number;
  status: "ok" | "error" | "timeout";
  seconds: number;
  source: string;
  /** For errors: `Name: message`; for timeouts: what the limit was. */
  error?: string;
}

/** Options of {@linkcode runNotebook}. */
export interface RunOptions {
  /** Kernelspec to start (default: the course kernel). */
  kernelName?: string;
  /** Seconds a cell may run before it is stopped and the kernel restarted (default 600). */
  timeoutS?: number;
  /** Where to write the executed notebook; not written if absent. */
  out?: string;
  /** Milliseconds without kernel messages after the last cell before outputs count as complete. */
  quietMs?: number;
  /** Go on after a cell fails (not after a timeout: the kernel was restarted). Default false. */
  allowErrors?: boolean;
  /** Called after each code cell, e.g. to print progress. */
  onCell?: (report: CellReport) => void;
}

/** The outcome of {@linkcode runNotebook}. */
export interface RunResult {
  path: string;
  ok: boolean;
  /** The executed notebook, outputs included. */
  notebook: Notebook;
  /** The first cell that failed or timed out, if one did. */
  failure?: CellReport;
  cells: CellReport[];
  seconds: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function errorText(outputs: OutputArea): string {
  const error = outputs.outputs.find((o) => o.output_type === "error");
  return error?.output_type === "error" ? `${error.ename}: ${error.evalue}` : "the cell failed";
}

/**
 * Runs a notebook in a fresh kernel started *with the notebook's path*, so the kernel works in the
 * notebook's folder and finds the project's `deno.json`. Stops at the first failing cell unless
 * `allowErrors` is set.
 *
 * @example
 * ```ts
 * import { JupyterServer } from "./server.ts";
 * import { runNotebook } from "./runner.ts";
 * const server = await JupyterServer.start(Deno.cwd());
 * const result = await runNotebook(server, "notebooks/00_setup.ipynb", { timeoutS: 60 });
 * await server.stop();
 * ```
 */
export async function runNotebook(
  server: JupyterServer,
  path: string,
  options: RunOptions = {},
): Promise<RunResult> {
  const started = performance.now();
  const notebook = structuredClone(await readNotebook(path));
  const serverPath = relative(server.root, path);
  if (serverPath.startsWith("..")) {
    throw new Error(
      `Cannot run ${path} as it lies outside the Jupyter server's root folder ${server.root}`,
    );
  }
  const kernelManager = new KernelManager({ serverSettings: server.settings });
  const sessions = new SessionManager({ kernelManager, serverSettings: server.settings });
  const session = await sessions.startNew({
    path: serverPath,
    name: basename(path),
    type: "notebook",
    kernel: { name: options.kernelName ?? KERNEL_NAME },
  });
  const kernel = session.kernel!;
  const areas = new Map<string, OutputArea>();
  const displays = new Map();
  let lastMessage = Date.now();
  const onIopub = (_: unknown, msg: KernelMessage.IIOPubMessage) => {
    lastMessage = Date.now();
    areas.get((msg.parent_header as { msg_id?: string }).msg_id ?? "")?.add(msg);
  };
  kernel.iopubMessage.connect(onIopub);
  const cells: CellReport[] = [];
  let failure: CellReport | undefined;
  try {
    const info = await kernel.info;
    notebook.metadata.kernelspec = {
      name: options.kernelName ?? KERNEL_NAME,
      display_name: (await kernel.spec)?.display_name ?? KERNEL_NAME,
      language: "typescript",
    };
    notebook.metadata.language_info = info.language_info;
    for (const cell of notebook.cells.filter((c) => c.cell_type === "code")) {
      cell.outputs = [];
      cell.execution_count = null;
    }
    for (const [index, cell] of notebook.cells.entries()) {
      if (cell.cell_type !== "code") continue;
      const report = await runCell(kernel, cell, areas, displays, options.timeoutS ?? 600);
      Object.assign(report, { cell: index + 1, of: notebook.cells.length });
      cells.push(report);
      options.onCell?.(report);
      if (report.status === "ok") continue;
      failure ??= report;
      if (report.status === "timeout" || !options.allowErrors) break;
    }
    const quietMs = options.quietMs ?? 500;
    while (Date.now() - lastMessage < quietMs) await sleep(quietMs - (Date.now() - lastMessage));
  } finally {
    kernel.iopubMessage.disconnect(onIopub);
    await session.shutdown().catch(() => {});
    sessions.dispose();
    kernelManager.dispose();
  }
  if (options.out) await writeNotebook(options.out, notebook);
  return {
    path,
    ok: !failure,
    notebook,
    failure,
    cells,
    seconds: (performance.now() - started) / 1000,
  };
}

type Kernel = NonNullable<Awaited<ReturnType<SessionManager["startNew"]>>["kernel"]>;

async function runCell(
  kernel: Kernel,
  cell: Notebook["cells"][number],
  areas: Map<string, OutputArea>,
  displays: ConstructorParameters<typeof OutputArea>[0],
  timeoutS: number,
): Promise<CellReport> {
  const source = sourceOf(cell);
  const started = performance.now();
  const area = new OutputArea(displays);
  // The future stays alive after its reply: the Deno kernel may still publish outputs for it.
  const future = kernel.requestExecute(
    { code: source, allow_stdin: false, stop_on_error: true },
    false,
  );
  areas.set(future.msg.header.msg_id, area);
  cell.outputs = area.outputs;
  const report: CellReport = { cell: 0, of: 0, status: "ok", seconds: 0, source };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutS * 1000);
  });
  try {
    const reply = await Promise.race([future.done, timeout]);
    if (reply === "timeout") {
      report.status = "timeout";
      report.error = `timed out after ${timeoutS} s; the kernel was restarted`;
      await kernel.restart();
    } else {
      cell.execution_count = (reply.content as { execution_count?: number }).execution_count ??
        area.executionCount;
      if (reply.content.status !== "ok") {
        report.status = "error";
        report.error = errorText(area);
      }
    }
  } catch {
    // The server cancels the request when the kernel process dies and restarts it.
    report.status = "error";
    report.error = "the kernel died while running this cell (out of memory, a crash, or Deno.exit)";
  } finally {
    clearTimeout(timer);
  }
  report.seconds = (performance.now() - started) / 1000;
  return report;
}
