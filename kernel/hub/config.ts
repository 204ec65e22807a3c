/**
 * Used by `deno task hub` and `deno task collect`.
 *
 * A JupyterHub for a class, as Debian's `jupyterhub` package runs it: where its state lives and
 * the `jupyterhub_config.py` that `deno task hub` writes. The state folder holds the hub's private
 * files (database, cookie secret, log: `hub/`, the instructor's only), what every attendee's
 * server reads (the released lessons and the course kernel: `course/`), and, in test mode, the
 * test users' homes (`homes/`).
 *
 * @module
 */
import { join } from "node:path";

/** Where a hub keeps everything, under its state folder. */
export interface HubLayout {
  state: string;
  /** The hub's own files: `jupyterhub_config.py`, the database, the cookie secret, the log. */
  private: string;
  /** The released lessons every attendee receives. */
  release: string;
  /** `JUPYTER_PATH` of every attendee's server: the course kernel. */
  jupyterPath: string;
  /** The test users' homes (test mode only). */
  homes: string;
  /** The settings `deno task collect` reads. */
  settings: string;
  database: string;
}

/**
 * The paths of a hub whose state folder is `state`.
 *
 * @example
 * ```ts
 * import { hubLayout } from "./config.ts";
 * hubLayout("/srv/course-hub").database; // "/srv/course-hub/hub/jupyterhub.sqlite"
 * ```
 */
export function hubLayout(state: string): HubLayout {
  const hub = join(state, "hub");
  return {
    state,
    private: hub,
    release: join(state, "course", "release"),
    jupyterPath: join(state, "course", "share", "jupyter"),
    homes: join(state, "homes"),
    settings: join(state, "course", "hub.json"),
    database: join(hub, "jupyterhub.sqlite"),
  };
}

/** How attendees log in: the system's accounts, or named test users with one password. */
export type Accounts =
  | { kind: "system"; allowed: string[] }
  | { kind: "test"; users: string[]; password: string };

/** What `deno task collect` needs to know of a hub, kept in its state folder. */
export interface HubSettings {
  accounts: Accounts["kind"];
}

/** Everything the config file says. */
export interface HubConfig {
  layout: HubLayout;
  /** Where attendees reach the hub. */
  ip: string;
  port: number;
  /** The hub's and the proxy's own ports, on 127.0.0.1. */
  hubPort: number;
  proxyApiPort: number;
  accounts: Accounts;
  /** Every attendee server's environment (the course's settings, `JUPYTER_PATH`). */
  environment: Record<string, string>;
  /** What starts an attendee's server: `jupyterhub-singleuser`'s arguments follow it. */
  startCommand: string[];
  /** Seconds an attendee's server may take to start. */
  startTimeoutS: number;
}

/** A Python literal for a string, a list or a dict of strings (JSON's are Python's too). */
const py = (value: unknown) => JSON.stringify(value);

/**
 * The `jupyterhub_config.py` for a class.
 *
 * @example
 * ```ts
 * import { hubConfig, hubLayout } from "./config.ts";
 * const text = hubConfig({
 *   layout: hubLayout("/srv/hub"), ip: "127.0.0.1", port: 8000, hubPort: 8081,
 *   proxyApiPort: 8001, accounts: { kind: "system", allowed: [] }, environment: {},
 *   startCommand: ["jupyterhub-singleuser"], startTimeoutS: 120,
 * });
 * text.includes("c.JupyterHub.port = 8000"); // true
 * ```
 */
export function hubConfig(config: HubConfig): string {
  const { layout, accounts } = config;
  const lines = [
    "# Written by `deno task hub`: change its options, not this file (it is written anew).",
    "c = get_config()  # noqa",
    `c.JupyterHub.ip = ${py(config.ip)}`,
    `c.JupyterHub.port = ${config.port}`,
    `c.JupyterHub.hub_ip = "127.0.0.1"`,
    `c.JupyterHub.hub_port = ${config.hubPort}`,
    `c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:${config.proxyApiPort}"`,
    `c.JupyterHub.db_url = ${py(`sqlite:///${layout.database}`)}`,
    `c.JupyterHub.cookie_secret_file = ${py(join(layout.private, "jupyterhub_cookie_secret"))}`,
    `c.JupyterHub.pid_file = ${py(join(layout.private, "jupyterhub.pid"))}`,
    // Stopping the hub stops the proxy and every attendee's server.
    "c.JupyterHub.cleanup_servers = True",
    "c.JupyterHub.cleanup_proxy = True",
    `c.Spawner.cmd = ${py(config.startCommand)}`,
    `c.Spawner.environment = ${py(config.environment)}`,
    'c.Spawner.notebook_dir = "~"',
    `c.Spawner.start_timeout = ${config.startTimeoutS}`,
    `c.Spawner.http_timeout = ${config.startTimeoutS}`,
  ];
  if (accounts.kind === "test") {
    lines.push(
      "# Test mode: named users, one password, servers as the hub's own user. Not for a class.",
      'c.JupyterHub.authenticator_class = "dummy"',
      `c.DummyAuthenticator.password = ${py(accounts.password)}`,
      `c.Authenticator.allowed_users = set(${py(accounts.users)})`,
      'c.JupyterHub.spawner_class = "simple"',
      `c.SimpleLocalProcessSpawner.home_dir_template = ${py(join(layout.homes, "{username}"))}`,
      ...(Deno.uid() === 0 ? ['c.Spawner.args = ["--allow-root"]'] : []),
    );
  } else if (accounts.allowed.length) {
    lines.push(`c.Authenticator.allowed_users = set(${py(accounts.allowed)})`);
  }
  return lines.join("\n") + "\n";
}
