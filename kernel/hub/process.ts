/**
 * Used by `deno task hub`.
 *
 * Starting and stopping a class's JupyterHub: the lessons released into its state folder, the
 * course kernel offered to every attendee's server, Debian's `jupyterhub` started with the config
 * `config.ts` writes, and, when it stops, nothing of it left running.
 *
 * @module
 */
import { dirname, join, relative, resolve } from "node:path";
import { shellWord } from "../../contract/command_line.ts";
import { LIBRARY_PARTS, onPath, PROJECT_ROOT } from "../../contract/files.ts";
import { kernelVariables } from "../../contract/settings.ts";
import { releaseFiles } from "../exercises/student.ts";
import { KERNEL_NAME, kernelSpec, pinnedDeno, writeKernelSpec } from "../jupyter/kernelspec.ts";
import { freePort, sleep, spawnLogged } from "../jupyter/server.ts";
import { type Accounts, hubConfig, type HubLayout, hubLayout, type HubSettings } from "./config.ts";
import { LESSONS_FOLDER } from "./homes.ts";

/** What {@linkcode startHub} starts. */
export interface HubOptions {
  state: string;
  ip: string;
  port: number;
  accounts: Accounts;
  /** The source notebooks: attendees receive their released versions. */
  lessons: string[];
}

/** A running hub. */
export interface Hub {
  /** Where attendees log in, e.g. `http://127.0.0.1:8000/`. */
  url: string;
  layout: HubLayout;
  /** Stops the hub, its proxy and every attendee's server; resolves once all have exited. */
  stop(): Promise<void>;
  /** Resolves with JupyterHub's exit code if it ends by itself. */
  exited: Promise<number>;
  /** What of the checkout was made the instructor's only, as `notebooks/`, `README.md`. */
  madePrivate: string[];
}

/** Debian's JupyterHub commands, or one line that says how to install them. */
function hubCommands(): { hub: string; singleUser: string } {
  const [hub, singleUser, proxy] = [
    "jupyterhub",
    "jupyterhub-singleuser",
    "configurable-http-proxy",
  ]
    .map(onPath);
  if (!hub || !singleUser || !proxy) {
    throw new Error(
      "Cannot start a hub as JupyterHub is not installed ('jupyterhub', " +
        "'jupyterhub-singleuser' and 'configurable-http-proxy' must be on PATH): " +
        "sudo apt-get install jupyterhub",
    );
  }
  return { hub, singleUser };
}

/**
 * The processes a hub started, found by the `COURSE_HUB` variable it gives them all (the proxy
 * inherits it, attendees' servers and kernels receive it): Linux only.
 *
 * @example
 * ```ts
 * import { hubProcesses } from "./process.ts";
 * await hubProcesses("/srv/course-hub"); // [] once the hub has stopped
 * ```
 */
export async function hubProcesses(state: string): Promise<number[]> {
  const mark = `\0COURSE_HUB=${state}\0`;
  const found: number[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name) || Number(entry.name) === Deno.pid) continue;
    const environ = await Deno.readTextFile(`/proc/${entry.name}/environ`).catch(() => "");
    if (`\0${environ}`.includes(mark)) found.push(Number(entry.name));
  }
  return found;
}

/** What starts each attendee's server: their lessons first, as them, then the hub's server. */
function startCommand(layout: HubLayout, singleUser: string): string[] {
  const firstStart = [
    pinnedDeno(),
    "run",
    "-A",
    join(PROJECT_ROOT, "kernel", "hub", "first_start.ts"),
  ]
    .map(shellWord).join(" ");
  const script = `${firstStart} ${shellWord(layout.release)} "$HOME/${LESSONS_FOLDER}" && ` +
    `exec ${shellWord(singleUser)} "$@"`;
  return ["/bin/sh", "-c", script, "course-start"];
}

/**
 * The state folder: private to the instructor, but for what attendees' servers read. A new one is
 * made so that attendees may pass through it, not list it; an existing one keeps its mode, and must
 * let them pass where they are system accounts.
 */
async function prepare(layout: HubLayout, options: HubOptions): Promise<void> {
  const existing = await Deno.stat(layout.state).catch(() => undefined);
  if (!existing) await Deno.mkdir(layout.state, { recursive: true, mode: 0o711 });
  else if (options.accounts.kind === "system" && ((existing.mode ?? 0) & 0o001) === 0) {
    throw new Error(
      `Cannot start the hub in '${layout.state}' as attendees' servers may not pass through it ` +
        `(mode ${(existing.mode! & 0o777).toString(8)}): give a new folder, or 'chmod o+x' it`,
    );
  }
  await Deno.mkdir(layout.private, { recursive: true, mode: 0o700 });
  await Deno.chmod(layout.private, 0o700);
  await Deno.remove(layout.release, { recursive: true }).catch(() => {});
  await releaseFiles(options.lessons, layout.release);
  await writeKernelSpec(join(layout.jupyterPath, "kernels"), KERNEL_NAME, kernelSpec());
  for (const dir of [join(layout.state, "course"), layout.homes]) {
    await Deno.mkdir(dir, { recursive: true });
    await Deno.chmod(dir, 0o755);
  }
}

/** What of the checkout attendees' servers run: the library, and the kernel's code they start. */
const PUBLIC_PARTS = [...LIBRARY_PARTS, "kernel", "package-lock.json"];

/**
 * Whether users other than the owner (a group, the others) may read the file at `path`, by the
 * path that it really is (links resolved).
 */
async function readableByOthers(path: string): Promise<boolean> {
  const real = await Deno.realPath(path);
  const file = await Deno.stat(real);
  if (((file.mode ?? 0) & 0o044) === 0) return false;
  for (let dir = dirname(real);; dir = dirname(dir)) {
    if ((((await Deno.stat(dir)).mode ?? 0) & 0o011) === 0) return false;
    if (dir === "/") return true;
  }
}

/**
 * Keeps the source notebooks (solutions, hidden checks) out of attendees' reach where their servers
 * run as themselves: every part of the checkout but what their servers run is made the owner's
 * only (`chmod go-rwx`), and a lesson still readable elsewhere stops the hub. What it changed.
 */
async function keepPrivate(lessons: string[], state: string): Promise<string[]> {
  if (!relative(PROJECT_ROOT, resolve(state)).startsWith("..")) {
    throw new Error(
      `Cannot start the hub for system accounts with its state in '${state}' as that lies in the ` +
        `checkout, which is the instructor's only: give a --state outside ${PROJECT_ROOT}`,
    );
  }
  const made: string[] = [];
  for await (const entry of Deno.readDir(PROJECT_ROOT)) {
    if (PUBLIC_PARTS.includes(entry.name) || entry.isSymlink) continue;
    const path = join(PROJECT_ROOT, entry.name);
    const mode = (await Deno.lstat(path)).mode! & 0o7777;
    if ((mode & 0o077) === 0) continue;
    await Deno.chmod(path, mode & ~0o077);
    made.push(entry.name + (entry.isDirectory ? "/" : ""));
  }
  for (const lesson of lessons) {
    if (await readableByOthers(lesson)) {
      throw new Error(
        `Cannot start the hub as attendees could read the source notebook '${lesson}' (its ` +
          `solutions and hidden checks): make its folder yours only ('chmod go-rwx FOLDER')`,
      );
    }
  }
  return made.sort();
}

/** Waits until the hub answers through its proxy, or its process ends. */
async function waitReady(url: string, child: Deno.ChildProcess, log: string): Promise<void> {
  const exited = child.status.then(() => true);
  for (let i = 0; i < 300; i++) {
    if (await Promise.race([exited, sleep(200).then(() => false)])) {
      const tail = (await Deno.readTextFile(log).catch(() => "")).trim().split("\n").slice(-5);
      throw new Error(`Cannot start the hub as JupyterHub exited: ${tail.join(" | ")}`);
    }
    const answer = await fetch(`${url}hub/api/`).catch(() => undefined);
    await answer?.body?.cancel();
    if (answer?.ok) return;
  }
  throw new Error(`Cannot start the hub as it did not answer at ${url} within 60 s: see ${log}`);
}

/** Sends `signal` to each process, ignoring those already gone. */
function signal(pids: number[], name: Deno.Signal): void {
  for (const pid of pids) {
    try {
      Deno.kill(pid, name);
    } catch { /* exited meanwhile */ }
  }
}

/**
 * Starts a class's hub: releases the lessons, writes the config and starts JupyterHub.
 *
 * @example
 * ```ts
 * import { startHub } from "./process.ts";
 * const hub = await startHub({
 *   state: "/srv/course-hub", ip: "127.0.0.1", port: 8000, lessons: ["notebooks/01_mcculloch_pitts.ipynb"],
 *   accounts: { kind: "test", users: ["ada", "bob"], password: "try-it" },
 * });
 * await hub.stop();
 * ```
 */
export async function startHub(options: HubOptions): Promise<Hub> {
  const { hub, singleUser } = hubCommands();
  if (options.accounts.kind === "system" && Deno.uid() !== 0) {
    throw new Error(
      "Cannot start a hub for the system's accounts as it must run as root (it starts each " +
        "attendee's server as that attendee): run it as root, or try it with " +
        "'--test-users NAME,NAME --password WORD'",
    );
  }
  const layout = hubLayout(options.state);
  const madePrivate = options.accounts.kind === "system"
    ? await keepPrivate(options.lessons, options.state)
    : [];
  await prepare(layout, options);
  const settings: HubSettings = { accounts: options.accounts.kind };
  await Deno.writeTextFile(layout.settings, JSON.stringify(settings, null, 2) + "\n");
  const config = join(layout.private, "jupyterhub_config.py");
  await Deno.writeTextFile(
    config,
    hubConfig({
      layout,
      ip: options.ip,
      port: options.port,
      hubPort: freePort(),
      proxyApiPort: freePort(),
      accounts: options.accounts,
      environment: {
        ...kernelVariables(),
        JUPYTER_PATH: layout.jupyterPath,
        COURSE_HUB: layout.state,
      },
      startCommand: startCommand(layout, singleUser),
      startTimeoutS: 120,
    }),
  );
  const log = join(layout.private, "jupyterhub.log");
  // Debian's proxy finds its Node.js modules there when `node` is not Debian's own.
  const nodePath = ["/usr/share/nodejs", Deno.env.get("NODE_PATH")].filter((p) => p).join(":");
  const child = await spawnLogged(hub, {
    args: ["-f", config],
    cwd: layout.private,
    env: { NODE_PATH: nodePath, COURSE_HUB: layout.state },
  }, log);
  const host = ["0.0.0.0", "::", ""].includes(options.ip) ? "127.0.0.1" : options.ip;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${options.port}/`;
  const stop = async () => {
    signal([child.pid], "SIGTERM");
    const exited = await Promise.race([child.status, sleep(30_000).then(() => undefined)]);
    if (!exited) signal([child.pid], "SIGKILL");
    await child.status;
    // JupyterHub stops its servers and proxy as it exits; whatever a crash left goes now.
    for (const name of ["SIGTERM", "SIGKILL"] as const) {
      const left = await hubProcesses(layout.state);
      if (!left.length) break;
      signal(left, name);
      await sleep(2000);
    }
  };
  try {
    await waitReady(url, child, log);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, layout, stop, exited: child.status.then((s) => s.code), madePrivate };
}
