import { afterAll, beforeAll, expect, test } from "vitest";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../contract/files.ts";
import { freePort } from "../../kernel/jupyter/server.ts";
import { type Notebook, readNotebook, writeNotebook } from "../../kernel/jupyter/notebook.ts";
import { run, startHubProcess, task } from "../helpers.ts";

/**
 * The hub with system accounts, as a class runs it: each attendee's server runs as that attendee,
 * who logs in with their password through PAM. The test makes three accounts and removes them.
 */
const LESSON = "01_mcculloch_pitts.ipynb";
const SOURCE = join(PROJECT_ROOT, "notebooks", LESSON);
const PASSWORD = "Try-the-course-1";
const [ADA, BOB, CYD] = ["dlc-test-ada", "dlc-test-bob", "dlc-test-cyd"];

let base: string, state: string, url: string, hub: Deno.ChildProcess;
let printed: () => string;
const modes = new Map<string, number>();

const home = (user: string) => join(base, "home", user);
const lessons = (user: string) => join(home(user), "deep-learning");

function api(path: string, init: RequestInit & { token?: string } = {}): Promise<Response> {
  const headers = init.token ? { Authorization: `token ${init.token}` } : undefined;
  return fetch(`${url}hub/api/${path}`, { ...init, headers });
}

beforeAll(async () => {
  if (Deno.uid() !== 0) {
    throw new Error("Cannot test the hub with system accounts as it must run as root: run as root");
  }
  for await (const entry of Deno.readDir(PROJECT_ROOT)) {
    modes.set(entry.name, (await Deno.lstat(join(PROJECT_ROOT, entry.name))).mode! & 0o7777);
  }
  base = await Deno.makeTempDir({ prefix: "dl-course-hub-accounts-" });
  await Deno.chmod(base, 0o711); // attendees pass through to the state folder and their homes
  await Deno.mkdir(join(base, "home"), { mode: 0o755 });
  await Deno.chmod(join(base, "home"), 0o755);
  for (const user of [ADA, BOB, CYD]) {
    await run("userdel", ["-r", user]).catch(() => {}); // left by a run that was killed
    await run("useradd", ["--create-home", "--home-dir", home(user), "--shell", "/bin/sh", user]);
    await Deno.chmod(home(user), 0o700);
    const chpasswd = new Deno.Command("chpasswd", { stdin: "piped" }).spawn();
    const writer = chpasswd.stdin.getWriter();
    await writer.write(new TextEncoder().encode(`${user}:${PASSWORD}\n`));
    await writer.close();
    expect((await chpasswd.status).success).toBe(true);
  }
  // bob's lessons folder is a link to ada's; cyd's, to the course's source notebooks.
  await Deno.symlink(lessons(ADA), lessons(BOB));
  await Deno.symlink(join(PROJECT_ROOT, "notebooks"), lessons(CYD));
  state = join(base, "state");
  const started = await startHubProcess(
    ["--state", state, "--port"]
      .concat([String(freePort()), "--lessons", SOURCE, "--users", [ADA, BOB, CYD].join(",")]),
  );
  ({ child: hub, url } = started);
  printed = started.printed;
}, 180_000);

afterAll(async () => {
  try {
    hub?.kill("SIGTERM");
    await hub?.status;
  } catch { /* not started */ }
  for (const user of [ADA, BOB, CYD]) await run("userdel", ["-r", user]).catch(() => {});
  for (const [name, mode] of modes) {
    await Deno.chmod(join(PROJECT_ROOT, name), mode).catch(() => {});
  }
  await Deno.remove(base, { recursive: true }).catch(() => {});
}, 120_000);

test("the hub makes the checkout's source notebooks and history the instructor's only", async () => {
  expect(printed()).toMatch(
    /^made yours only, so that attendees cannot read the solutions: .*\.git\/.*notebooks\//m,
  );
  for (const part of ["notebooks", ".git", "tests"]) {
    expect((await Deno.stat(join(PROJECT_ROOT, part))).mode! & 0o077).toBe(0);
  }
  for (const part of ["lib", "node_modules", "kernel", "deno.json"]) {
    expect((await Deno.stat(join(PROJECT_ROOT, part))).mode! & 0o004).toBe(0o004);
  }
});

test(
  "an attendee's kernel, run as the attendee, imports the library and reads their lessons, " +
    "never the source notebooks",
  async () => {
    const login = await api(`users/${ADA}/tokens`, {
      method: "POST",
      body: JSON.stringify({ auth: { username: ADA, password: PASSWORD } }),
    });
    expect(login.status).toBe(201);
    const token = (await login.json()).token as string;
    await (await api(`users/${ADA}/server`, { method: "POST", token })).body?.cancel();
    for (let i = 0; i < 360; i++) {
      const model = await (await api(`users/${ADA}`, { token })).json();
      if (model.servers?.[""]?.ready) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const paths = [SOURCE, join(PROJECT_ROOT, ".git", "HEAD"), join(PROJECT_ROOT, "tests")];
    const probe: Notebook = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [
        'import { McCullochPitts } from "@course/lib";\n' +
        'console.log("library:", new McCullochPitts(1).fire([1]));',
        `for (const path of ${JSON.stringify(paths)}) {
  try {
    Deno.statSync(path).isDirectory ? Deno.readDirSync(path).next() : Deno.readTextFileSync(path);
    console.log("read", path);
  } catch (error) {
    console.log("refused", path, (error as Error).name);
  }
}`,
        `console.log("own lesson:", Deno.readTextFileSync(${JSON.stringify(LESSON)}).length > 0);`,
      ].map((source, i) => ({
        cell_type: "code",
        id: `probe-${i}`,
        source,
        metadata: {},
        outputs: [],
        execution_count: null,
      })),
    };
    const path = join(lessons(ADA), "probe.ipynb");
    await writeNotebook(path, probe);
    const { uid, gid } = await Deno.stat(home(ADA));
    await Deno.chown(path, uid, gid);
    const out = join(base, "executed");
    const ran = await task(
      ["run", path, "--server", `${url}user/${ADA}/`, "--token", token, "--root", home(ADA)]
        .concat(["--out", out, "--timeout", "240"]),
    );
    expect(ran.code, ran.stdout + ran.stderr).toBe(0);
    const executed = await readNotebook(join(out, "probe.ipynb"));
    const text = executed.cells.flatMap((c) => c.outputs ?? [])
      .map((o) => o.output_type === "stream" ? o.text : "").join("");
    expect(text).toBe(
      "library: 1\n" + paths.map((p) => `refused ${p} PermissionDenied\n`).join("") +
        "own lesson: true\n",
    );
  },
  600_000,
);

test("collect takes no classmate's work and no solutions through a link, and names it", async () => {
  const submissions = join(base, "submissions");
  const collect = await task(["collect", "--state", state, "--out", submissions]);
  expect(collect.code, collect.stderr).toBe(0);
  const refused = (user: string) =>
    `${user}: nothing to collect (left out: Cannot read '${lessons(user)}' as it is a symbolic ` +
    "link, which is never followed)";
  expect(collect.stdout).toBe(
    `${ADA}: 1 notebook\n${refused(BOB)}\n${refused(CYD)}\n` +
      `1 notebook of 1 attendees collected into ${submissions}; nothing from ${BOB}, ${CYD}\n`,
  );
  expect([...Deno.readDirSync(submissions)].map((e) => e.name)).toEqual([ADA]);
});
