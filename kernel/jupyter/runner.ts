/**
 * Used by `deno task grade` and `deno task run`.
 *
 * Executes a notebook top to bottom through a Jupyter server, as a front end would, and keeps
 * every output, including those the Deno kernel publishes after a cell reports `idle`.
 *
 * @module
 */
import { KernelManager, type KernelMessage, SessionManager } from "@jupyterlab/services";
import { basename, relative } from "node:path";
import { surviveErrors } from "../../contract/command_line.ts";
import { KERNEL_NAME } from "./kernelspec.ts";
import { type Cell, type Notebook, readNotebook, sourceOf, writeNotebook } from "./notebook.ts";
import { type DisplayIndex, OutputArea, OutputBudget } from "./outputs.ts";
import { type JupyterServer, sleep } from "./server.ts";

/** What happened to one code cell. */
export interface CellReport {
  /** 1-based position among all the notebook's cells. */
  cell: number;
  /** Number of cells in the notebook. */
  of: number;
  /** `died`: the kernel process ended (out of memory, a crash, `Deno.exit`) and was restarted. */
  status: "ok" | "error" | "timeout" | "died";
  seconds: number;
  source: string;
  /** For errors: `Name: message`; for timeouts: what the limit was. */
  error?: string;
  /** For errors: the error's name, e.g. `NotDoneError` for an exercise's stub. */
  errorName?: string;
}

/** Options of {@linkcode runNotebook}. */
export interface RunOptions {
  /** Kernelspec to start (default: the course kernel). */
  kernelName?: string;
  /** Seconds a cell may run before it is stopped and the kernel restarted (default 600). */
  timeoutS?: number;
  /**
   * Seconds the kernel may take to start and answer its first request (default 120); one that
   * does not is restarted once.
   */
  startTimeoutS?: number;
  /** Seconds the notebook's cells may run in all, once the kernel is ready. */
  totalTimeoutS?: number;
  /** The notebook to run, if not the file at `path` (which then only names the session). */
  notebook?: Notebook;
  /** Where to write the executed notebook; not written if absent. */
  out?: string;
  /** Milliseconds without kernel messages after the last cell before outputs count as complete. */
  quietMs?: number;
  /** Go on after a cell fails (not after a timeout or a death: the kernel restarted). */
  allowErrors?: boolean;
  /** Called after each code cell, e.g. to print progress. */
  onCell?: (report: CellReport) => void;
  /** How much of the outputs is kept (default: 8 MiB a cell, 32 MiB the notebook). */
  outputs?: OutputBudget;
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

class Timeout extends Error {}

/** How long a kernel may take to start (and answer its first request), in seconds. */
const START_S = 120;

/** How @jupyterlab/services' error about a kernel message it cannot read begins. */
const UNREADABLE = "Kernel message validation error";

/** `promise`, or a {@linkcode Timeout} saying `why` after `seconds`. */
async function within<T>(promise: Promise<T>, seconds: number, why: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Timeout(why)), seconds * 1000);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function errorOf(outputs: OutputArea): Pick<CellReport, "error" | "errorName"> {
  const error = outputs.outputs.find((o) => o.output_type === "error");
  return error?.output_type === "error"
    ? { error: `${error.ename}: ${error.evalue}`, errorName: error.ename }
    : { error: "the cell failed" };
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
  const notebook = structuredClone(options.notebook ?? await readNotebook(path));
  const serverPath = relative(server.root, path);
  if (serverPath.startsWith("..")) {
    throw new Error(
      `Cannot run ${path} as it lies outside the Jupyter server's root folder ${server.root}`,
    );
  }
  const kernelManager = new KernelManager({ serverSettings: server.settings });
  const sessions = new SessionManager({ kernelManager, serverSettings: server.settings });
  const startSession = () =>
    within(
      sessions.startNew({
        path: serverPath,
        name: basename(path),
        type: "notebook",
        kernel: { name: options.kernelName ?? KERNEL_NAME },
      }),
      START_S,
      `the kernel's session did not start within ${START_S} s`,
    );
  let session = await startSession();
  let kernel = session.kernel!;
  const areas = new Map<string, OutputArea>();
  const displays: DisplayIndex = new Map();
  const budget = options.outputs ?? new OutputBudget();
  let lastMessage = Date.now();
  const onIopub = (_: unknown, msg: KernelMessage.IIOPubMessage) => {
    lastMessage = Date.now();
    areas.get((msg.parent_header as { msg_id?: string }).msg_id ?? "")?.add(msg);
  };
  kernel.iopubMessage.connect(onIopub);
  // @jupyterlab/services throws, from its socket's message handler, on a message it cannot read
  // (under a flood of 24 MiB displays, a few arrive garbled): that message is lost, not the run.
  let unreadable = 0;
  const isUnreadable = (error: unknown) => String((error as Error)?.message).startsWith(UNREADABLE);
  const onUnreadable = (event: ErrorEvent) => {
    if (!isUnreadable(event.error)) return;
    event.preventDefault();
    unreadable++;
  };
  globalThis.addEventListener("error", onUnreadable);
  const survived = surviveErrors(isUnreadable);
  const cells: CellReport[] = [];
  let failure: CellReport | undefined;
  try {
    const startS = options.startTimeoutS ?? START_S,
      late = `the kernel did not start within ${startS} s`;
    let info;
    try {
      info = await within(kernel.info, startS, late);
    } catch (error) {
      // On a loaded machine a kernel has been seen to start and never answer its first request: it
      // is replaced once, so one stuck start does not cost an attendee their grade.
      if (!(error instanceof Timeout)) throw error;
      kernel.iopubMessage.disconnect(onIopub);
      await stopSession(session, kernel);
      session = await startSession();
      kernel = session.kernel!;
      kernel.iopubMessage.connect(onIopub);
      info = await within(kernel.info, startS, `${late}, twice (restarted once)`);
    }
    notebook.metadata.kernelspec = {
      name: options.kernelName ?? KERNEL_NAME,
      display_name: (await within(kernel.spec, 60, "no kernelspec within 60 s"))?.display_name ??
        KERNEL_NAME,
      language: "typescript",
    };
    notebook.metadata.language_info = info.language_info;
    const ready = performance.now();
    for (const cell of notebook.cells.filter((c) => c.cell_type === "code")) {
      cell.outputs = [];
      cell.execution_count = null;
    }
    for (const [index, cell] of notebook.cells.entries()) {
      if (cell.cell_type !== "code") continue;
      const position = { cell: index + 1, of: notebook.cells.length };
      const left = (options.totalTimeoutS ?? Infinity) - (performance.now() - ready) / 1000;
      const limit = Math.min(options.timeoutS ?? 600, Math.max(0, left));
      const area = new OutputArea(displays, budget);
      const before = unreadable;
      const report = await runCell(kernel, cell, position, areas, area, {
        seconds: limit,
        why: limit < (options.timeoutS ?? 600)
          ? `the notebook's time limit of ${options.totalTimeoutS} s ran out`
          : `timed out after ${limit} s`,
      });
      if (unreadable > before) {
        area.note(`${unreadable - before} kernel messages could not be read`);
      }
      cells.push(report);
      options.onCell?.(report);
      if (report.status === "ok") continue;
      failure ??= report;
      if (report.status !== "error" || !options.allowErrors) break;
    }
    // Outputs published after the last reply are kept, for a while: a timer that prints for ever
    // (an attendee's, say) must not hold the run for ever.
    const quietMs = options.quietMs ?? 500, giveUp = Date.now() + 10 * quietMs;
    while (Date.now() - lastMessage < quietMs && Date.now() < giveUp) {
      await sleep(quietMs - (Date.now() - lastMessage));
    }
  } finally {
    globalThis.removeEventListener("error", onUnreadable);
    survived();
    kernel.iopubMessage.disconnect(onIopub);
    await stopSession(session, kernel);
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

type Session = Awaited<ReturnType<SessionManager["startNew"]>>;
type Kernel = NonNullable<Session["kernel"]>;

/**
 * Shuts a session and its kernel down. The connection is disposed first: a request still waiting
 * for its reply is then dropped quietly, where `kernel.restart()` rejects @jupyterlab/services' own
 * first kernel_info request with nobody to catch it (seen once, in CI's lessons test: "Canceled
 * future for kernel_info_request message before replies were done").
 */
async function stopSession(session: Session, kernel: Kernel): Promise<void> {
  kernel.dispose();
  await within(session.shutdown(), 30, "the kernel did not stop").catch(() => {});
}

async function runCell(
  kernel: Kernel,
  cell: Cell,
  position: { cell: number; of: number },
  areas: Map<string, OutputArea>,
  area: OutputArea,
  limit: { seconds: number; why: string },
): Promise<CellReport> {
  const source = sourceOf(cell);
  cell.outputs = area.outputs;
  const report: CellReport = { ...position, status: "ok", seconds: 0, source };
  const started = performance.now();
  const future = kernel.requestExecute({ code: source, allow_stdin: false, stop_on_error: true });
  // Outputs reach `area` through the kernel's IOPub stream, routed by this request's id, not
  // through the future: so those the kernel publishes after its reply are kept too.
  areas.set(future.msg.header.msg_id, area);
  try {
    const reply = await within(future.done, limit.seconds, limit.why);
    const count = (reply.content as { execution_count?: number }).execution_count;
    cell.execution_count = count ?? area.executionCount;
    if (reply.content.status !== "ok") {
      Object.assign(report, { status: "error", ...errorOf(area) });
    }
  } catch (error) {
    if (error instanceof Timeout) {
      report.status = "timeout";
      report.error = `${error.message}; the kernel was restarted`;
      await within(kernel.restart(), START_S, "the kernel did not restart").catch(() => {});
    } else {
      // The server cancels the request when the kernel process dies and restarts it.
      report.status = "died";
      report.error =
        "the kernel died while running this cell (out of memory, a crash, or Deno.exit)";
    }
  }
  report.seconds = (performance.now() - started) / 1000;
  return report;
}
