/**
 * Used by `deno task grade` and `deno task run`.
 *
 * A Jupyter server for headless runs: Debian's (or any) `jupyter-server`, started on 127.0.0.1
 * with a free port, a random token and this checkout's kernelspec; or an already running one.
 *
 * @module
 */
import { ServerConnection } from "@jupyterlab/services";
import { join } from "node:path";
import { KERNEL_NAME, kernelsDir, kernelSpec, writeKernelSpec } from "./kernelspec.ts";
import { onPath } from "../../contract/files.ts";
import {
  handOver,
  SANDBOX_NOTEBOOKS,
  sandboxCommand,
  sandboxEnv,
  type SandboxLimits,
  spawnSandbox,
} from "./sandbox.ts";
import { type Relay, relayToSocket } from "./relay.ts";

/** How to reach a running server. */
export interface ServerAddress {
  url: string;
  token: string;
}

/** The Jupyter applications this module starts: the bare server, or the classic Notebook UI. */
const APPS = {
  server: { config: "ServerApp", root: "root_dir", file: "jupyter_server_config.json" },
  notebook: { config: "NotebookApp", root: "notebook_dir", file: "jupyter_notebook_config.json" },
};

function appCommand(app: keyof typeof APPS): string[] {
  const standalone = onPath(`jupyter-${app}`);
  if (standalone) return [standalone];
  const jupyter = onPath("jupyter");
  if (jupyter) return [jupyter, app];
  throw new Error(
    `Cannot start a Jupyter ${app} as neither 'jupyter-${app}' nor 'jupyter' is on PATH: ` +
      `install it (Debian/Ubuntu: 'sudo apt-get install jupyter-${app}'; elsewhere: ` +
      `'pip install jupyter-${app}')${
        app === "server" ? ", or pass --server URL --token TOKEN" : ""
      }`,
  );
}

/**
 * A TCP port on 127.0.0.1 that nothing listens on now, for a server about to start.
 *
 * @example
 * ```ts
 * import { freePort } from "./server.ts";
 * freePort(); // e.g. 41327
 * ```
 */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** The most of a server's output its log keeps: a kernel that prints for ever fills no disk. */
const LOG_BYTES = 16 * 2 ** 20;

/** Appends a started process's stdout and stderr to the file `log`, up to {@linkcode LOG_BYTES}. */
async function logOutput(child: Deno.ChildProcess, log: string): Promise<void> {
  const file = await Deno.open(log, { write: true, create: true, append: true });
  const writer = file.writable.getWriter();
  let written = 0;
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) {
      if (written > LOG_BYTES) continue; // read on, so the process never blocks on a full pipe
      written += chunk.length;
      await writer.write(
        written > LOG_BYTES
          ? new TextEncoder().encode("\n[the rest of the log left out]\n")
          : chunk,
      );
    }
  };
  Promise.all([drain(child.stdout), drain(child.stderr)]).finally(() => writer.close()).catch(
    () => {},
  );
}

/**
 * Starts a server process whose output, stdout and stderr together, goes to the file `log`
 * (appended, at most 16 MiB), to be read when it fails.
 *
 * @example
 * ```ts
 * import { spawnLogged } from "./server.ts";
 * const child = await spawnLogged("sleep", { args: ["1"] }, "/tmp/sleep.log");
 * await child.status;
 * ```
 */
export async function spawnLogged(
  command: string,
  options: Omit<Deno.CommandOptions, "stdin" | "stdout" | "stderr">,
  log: string,
): Promise<Deno.ChildProcess> {
  const child = new Deno.Command(command, {
    ...options,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  await logOutput(child, log);
  return child;
}

/**
 * Waits `ms` milliseconds: between polls of a server or a kernel.
 *
 * @example
 * ```ts
 * import { sleep } from "./server.ts";
 * await sleep(10);
 * ```
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Options of {@linkcode JupyterServer.start}. */
export interface StartOptions {
  /** Name under which this checkout's kernel is offered (default `dl-course`). */
  kernelName?: string;
  /** Extra environment for the server and so for its kernels, e.g. `{ COURSE_BACKEND: "cpu" }`. */
  env?: Record<string, string>;
  /**
   * Runs the server and its kernels in a sandbox with these limits and read-only data folders
   * (see `sandbox.ts`): `root` is then the attendee's scratch folder, which the kernels see as the
   * project's `notebooks/`.
   */
  sandbox?: { limits: SandboxLimits; data?: string[] };
  /** `notebook` starts the classic Notebook, a UI for a browser, instead of the bare server. */
  app?: keyof typeof APPS;
}

/** How a server is started, and where this process reaches it. */
interface Launch {
  argv: string[];
  port: number;
  relay?: Relay;
  /** A sandbox's arguments, for its stdin. */
  stdin?: Uint8Array;
}

/** A server on a free port of 127.0.0.1, as the user who runs this. */
function onLoopback(argv: string[]): Launch {
  const port = freePort();
  const where = ["--ip=127.0.0.1", `--port=${port}`, "--port-retries=0"];
  return { argv: [...argv, ...where, ...(Deno.uid() === 0 ? ["--allow-root"] : [])], port };
}

/**
 * A server in a sandbox: no network, so it listens on a Unix socket in its own folder, which a
 * relay forwards to a local port of this process.
 */
async function inSandbox(
  argv: string[],
  work: string,
  home: string,
  sandbox: { limits: SandboxLimits; data?: string[]; env: Record<string, string> },
): Promise<Launch> {
  const socket = join(home, "jupyter.sock");
  const { argv: command, stdin } = sandboxCommand([...argv, `--sock=${socket}`], {
    ...sandbox,
    work,
    home,
    env: { ...sandboxEnv(home), ...sandbox.env },
  });
  await handOver(home);
  await handOver(work);
  const relay = relayToSocket(home, "jupyter.sock");
  return { argv: command, port: relay.port, relay, stdin };
}

/** A Jupyter server: one this process started (and will stop), or one it was given. */
export class JupyterServer {
  readonly settings: ServerConnection.ISettings;

  private constructor(
    readonly address: ServerAddress,
    /** The server's root folder on this machine: notebook paths are relative to it. */
    readonly root: string,
    private readonly child?: Deno.ChildProcess,
    private readonly home?: string,
    private readonly relay?: Relay,
  ) {
    const url = address.url.replace(/\/$/, "");
    this.settings = ServerConnection.makeSettings({
      baseUrl: url,
      wsUrl: url.replace(/^http/, "ws"),
      token: address.token,
      appendToken: true,
    });
  }

  /**
   * Uses a server that is already running; `root` is its root folder on this machine.
   *
   * @example
   * ```ts
   * import { JupyterServer } from "./server.ts";
   * const server = JupyterServer.connect({ url: "http://127.0.0.1:8888", token: "abc" }, Deno.cwd());
   * ```
   */
  static connect(address: ServerAddress, root: string): JupyterServer {
    return new JupyterServer(address, root);
  }

  /**
   * Starts a server on 127.0.0.1 serving `root`, with the course kernel of this checkout
   * available under `kernelName` whatever is installed for the user.
   *
   * @example
   * ```ts
   * import { JupyterServer } from "./server.ts";
   * const server = await JupyterServer.start(Deno.cwd());
   * try { // ...run notebooks...
   * } finally { await server.stop(); }
   * ```
   */
  static async start(root: string, options: StartOptions = {}): Promise<JupyterServer> {
    const kernelName = options.kernelName ?? KERNEL_NAME;
    const app = APPS[options.app ?? "server"];
    const command = appCommand(options.app ?? "server");
    const home = await Deno.makeTempDir({ prefix: "dl-course-jupyter-" });
    const sandbox = options.sandbox;
    // tfjs keeps tensors outside the V8 heap: leave them half the sandbox's memory.
    const heapMb = sandbox && Math.max(256, Math.floor(sandbox.limits.memoryMb / 2));
    await writeKernelSpec(kernelsDir({ prefix: home }), kernelName, kernelSpec({ heapMb }));
    const token = crypto.randomUUID().replaceAll("-", "");
    const env = {
      JUPYTER_PATH: join(home, "share", "jupyter"),
      JUPYTER_RUNTIME_DIR: join(home, "runtime"),
      JUPYTER_CONFIG_DIR: join(home, "config"),
      ...options.env,
    };
    // In a file of the server's own (0600, its folder 0700), not on its command line, which `ps`
    // shows every user of the machine: whoever has the token may read and run what the server can.
    await Deno.mkdir(env.JUPYTER_CONFIG_DIR, { recursive: true, mode: 0o700 });
    const config = join(env.JUPYTER_CONFIG_DIR, app.file);
    await Deno.writeTextFile(config, JSON.stringify({ [app.config]: { token } }), { mode: 0o600 });
    const args = [
      ...command,
      "--no-browser",
      `--MappingKernelManager.default_kernel_name=${kernelName}`,
    ];
    const rootOption = `--${app.config}.${app.root}=`;
    const { argv, port, relay, stdin } = sandbox
      ? await inSandbox([...args, rootOption + SANDBOX_NOTEBOOKS], root, home, { ...sandbox, env })
      : onLoopback([...args, rootOption + root]);
    const log = join(home, "server.log");
    const child = stdin
      ? spawnSandbox({ argv, stdin }, { env, stdout: "piped", stderr: "piped" })
      : await spawnLogged(argv[0], { args: argv.slice(1), env }, log);
    if (stdin) await logOutput(child, log);
    const server = new JupyterServer(
      { url: `http://127.0.0.1:${port}`, token },
      root,
      child,
      home,
      relay,
    );
    await server.waitReady();
    return server;
  }

  private async waitReady(timeoutMs = 60_000): Promise<void> {
    const exited = this.child!.status.then((s) => s);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const done = await Promise.race([exited, sleep(200).then(() => undefined)]);
      if (done) {
        await sleep(100);
        throw new Error(
          `Cannot start the Jupyter server as it exited with code ${done.code}:\n${await this
            .logTail()}`,
        );
      }
      try {
        const response = await this.request("GET", "/api/status");
        if (response.ok) return;
      } catch { /* not listening yet */ }
    }
    await this.stop();
    throw new Error(
      `Cannot start the Jupyter server as it did not answer within ${timeoutMs / 1000} s`,
    );
  }

  /** The last lines the server printed (for error messages). */
  async logTail(lines = 20): Promise<string> {
    if (!this.home) return "";
    const text = await Deno.readTextFile(join(this.home, "server.log")).catch(() => "");
    return text.trimEnd().split("\n").slice(-lines).join("\n");
  }

  private request(method: string, path: string): Promise<Response> {
    return fetch(`${this.address.url}${path}`, {
      method,
      headers: { Authorization: `token ${this.address.token}` },
      signal: AbortSignal.timeout(10_000), // a sandboxed server may never answer
    });
  }

  /** Stops a server this process started, and every kernel in it; waits until it has exited. */
  async stop(): Promise<void> {
    if (!this.child) return;
    try {
      await (await this.request("POST", "/api/shutdown")).body?.cancel();
    } catch { /* already gone */ }
    const exited = await Promise.race([this.child.status, sleep(15_000).then(() => undefined)]);
    if (!exited) {
      try {
        this.child.kill("SIGKILL");
      } catch { /* exited meanwhile */ }
      await this.child.status;
    }
    this.relay?.close();
    await Deno.remove(this.home!, { recursive: true }).catch(() => {});
  }
}
