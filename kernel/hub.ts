/**
 * `deno task hub`: JupyterHub for a class, from Debian's `jupyterhub` package. Every attendee's
 * server offers the course kernel, and each attendee finds the released lessons in
 * `~/deep-learning` at their server's first start (never over their own work).
 *
 * ```
 * deno task hub --state DIR [--ip ADDRESS] [--port N] [--lessons <notebook or folder>]
 *               [--users NAME,…] | [--test-users NAME,… --password WORD]
 * ```
 *
 * Attendees log in with their system accounts (the hub runs as root and starts each server as its
 * attendee; `--users` limits who may), or, to try it out, as named test users with one password,
 * whose homes are `DIR/homes/<name>`. The hub's database, cookie secret and log stay in `DIR/hub/`.
 * Ctrl-C (or SIGTERM) stops the hub, its proxy and every attendee's server.
 *
 * @module
 */
import { join } from "node:path";
import { type CommandLine, commandLine, runCommand } from "../contract/command_line.ts";
import { PROJECT_ROOT } from "../contract/files.ts";
import type { Accounts } from "./hub/config.ts";
import { startHub } from "./hub/process.ts";
import { notebookFiles } from "./jupyter/notebook.ts";

/** A comma-separated list of user names, each as JupyterHub and Unix accept them. */
function names(cli: CommandLine, option: string): string[] {
  const list = (cli.text(option) ?? "").split(",").map((n) => n.trim()).filter((n) => n);
  const bad = list.find((n) => !/^[a-z_][a-z0-9_-]*$/.test(n));
  if (bad !== undefined) {
    cli.fail(
      `'--${option}' must list user names (lower-case letters, digits, '_' and '-', ` +
        `comma-separated): current value has '${bad}'`,
    );
  }
  return list;
}

async function main(args: string[]): Promise<number> {
  const cli = commandLine({
    name: "hub",
    verb: "start the hub",
    usage: "--state DIR [--ip ADDRESS] [--port N] [--lessons <notebook or folder>] " +
      "[--users NAME,…] [--test-users NAME,… --password WORD]",
    options: {
      state: undefined,
      ip: "127.0.0.1",
      port: "8000",
      lessons: join(PROJECT_ROOT, "notebooks"),
      users: undefined,
      "test-users": undefined,
      password: undefined,
    },
  }, args);
  const state = cli.outputFolder(cli.text("state") ?? cli.fail("it needs '--state DIR'"));
  const testUsers = names(cli, "test-users");
  const password = cli.text("password");
  if (testUsers.length && !password) cli.fail("'--test-users' needs '--password WORD'");
  if (password && !testUsers.length) cli.fail("'--password' is for '--test-users' only");
  const accounts: Accounts = testUsers.length
    ? { kind: "test", users: testUsers, password: password! }
    : { kind: "system", allowed: names(cli, "users") };
  const port = cli.count("port", 1);
  if (port > 65535) cli.fail(`'--port' must be a port number ≤ 65535: current value is ${port}`);
  const hub = await startHub({
    state,
    ip: cli.text("ip")!,
    port,
    accounts,
    lessons: await notebookFiles([cli.text("lessons")!], "release"),
  });
  const who = accounts.kind === "test"
    ? `the test user${accounts.users.length > 1 ? "s" : ""} ${accounts.users.join(", ")}, ` +
      "with the password given,"
    : accounts.allowed.length
    ? `the system accounts ${accounts.allowed.join(", ")}`
    : "every system account";
  if (hub.madePrivate.length) {
    console.log(
      `made yours only, so that attendees cannot read the solutions: ${
        hub.madePrivate.join(", ")
      } (in ${PROJECT_ROOT})`,
    );
  }
  console.log(`JupyterHub at ${hub.url}: ${who} may log in; state in ${state}`);
  console.log("Ctrl-C stops the hub, its proxy and every attendee's server");
  const stopped = Promise.withResolvers<void>();
  const stop = () => stopped.resolve();
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  const crashed = await Promise.race([stopped.promise.then(() => undefined), hub.exited]);
  if (crashed !== undefined) {
    await hub.stop();
    throw new Error(
      `JupyterHub exited by itself with code ${crashed}: see ${
        join(hub.layout.private, "jupyterhub.log")
      }`,
    );
  }
  console.log("stopping the hub, its proxy and every attendee's server");
  await hub.stop();
  console.log("stopped");
  return 0;
}

if (import.meta.main) await runCommand(main);
