import { afterAll, beforeAll, expect, test } from "vitest";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../contract/files.ts";
import { hubProcesses } from "../../kernel/hub/process.ts";
import { pinnedDeno } from "../../kernel/jupyter/kernelspec.ts";
import { freePort } from "../../kernel/jupyter/server.ts";
import { readNotebook, writeNotebook } from "../../kernel/jupyter/notebook.ts";
import { releaseNotebook } from "../../kernel/exercises/student.ts";
import { startHubProcess, task } from "../helpers.ts";

const LESSON = "01_mcculloch_pitts.ipynb";
const SOURCE = join(PROJECT_ROOT, "notebooks", LESSON);
const PASSWORD = "try-the-course";
const USERS = ["alice", "bob"];

let state: string, hub: Deno.ChildProcess, url: string;
let printed: () => string;
const tokens = new Map<string, string>();

const home = (user: string) => join(state, "homes", user);
const lessonOf = (user: string) => join(home(user), "deep-learning", LESSON);

/** The hub's REST API, as an attendee's token (or none) reaches it. */
function api(path: string, init: RequestInit & { token?: string } = {}): Promise<Response> {
  const headers = init.token ? { Authorization: `token ${init.token}` } : undefined;
  return fetch(`${url}hub/api/${path}`, { ...init, headers });
}

/** Starts a user's server through the API and waits until the hub says it is ready. */
async function startServer(user: string): Promise<void> {
  const token = tokens.get(user)!;
  const started = await api(`users/${user}/server`, { method: "POST", token });
  await started.body?.cancel();
  expect([201, 202]).toContain(started.status);
  for (let i = 0; i < 240; i++) {
    const model = await (await api(`users/${user}`, { token })).json();
    if (model.servers?.[""]?.ready) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${user}'s server did not become ready within 120 s`);
}

async function stopServer(user: string): Promise<void> {
  const token = tokens.get(user)!;
  await (await api(`users/${user}/server`, { method: "DELETE", token })).body?.cancel();
  for (let i = 0; i < 120; i++) {
    const model = await (await api(`users/${user}`, { token })).json();
    if (!model.servers?.[""]) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${user}'s server did not stop within 60 s`);
}

beforeAll(async () => {
  state = await Deno.makeTempDir({ prefix: "dl-course-hub-" });
  const port = freePort();
  const started = await startHubProcess(
    ["--state", state, "--port"]
      .concat([String(port), "--lessons", SOURCE, "--test-users", USERS.join(",")])
      .concat(["--password", PASSWORD]),
  );
  ({ child: hub, url } = started);
  printed = started.printed;
}, 120_000);

afterAll(async () => {
  try {
    hub?.kill("SIGTERM");
    await hub?.status;
  } catch { /* stopped by the last test */ }
  await Deno.remove(state, { recursive: true }).catch(() => {});
});

test("test users log in through the hub's REST API with the shared password only", async () => {
  expect(printed()).toContain(
    `JupyterHub at ${url}: the test users alice, bob, with the password given, may log in`,
  );
  const wrong = await api("users/alice/tokens", {
    method: "POST",
    body: JSON.stringify({ auth: { username: "alice", password: "guess" } }),
  });
  await wrong.body?.cancel();
  expect(wrong.status).toBe(403);
  for (const user of USERS) {
    const response = await api(`users/${user}/tokens`, {
      method: "POST",
      body: JSON.stringify({ auth: { username: user, password: PASSWORD } }),
    });
    expect(response.status).toBe(201);
    tokens.set(user, (await response.json()).token);
  }
});

test("each user's server offers the course kernel and their released lessons", async () => {
  const released = releaseNotebook(await readNotebook(SOURCE));
  for (const user of USERS) {
    await startServer(user);
    const specs = await (await fetch(`${url}user/${user}/api/kernelspecs`, {
      headers: { Authorization: `token ${tokens.get(user)}` },
    })).json();
    expect(specs.kernelspecs["dl-course"].spec.argv[0]).toBe(pinnedDeno());
    const theirs = await readNotebook(lessonOf(user));
    expect(theirs.cells.map((c) => c.source)).toEqual(released.cells.map((c) => c.source));
  }
  // One user cannot reach another's server.
  const other = await fetch(`${url}user/bob/api/contents`, {
    headers: { Authorization: `token ${tokens.get("alice")}` },
    redirect: "manual",
  });
  await other.body?.cancel();
  expect(other.status).toBeGreaterThanOrEqual(300);
}, 300_000);

test("lesson 01 runs in each user's server through deno task run --server", async () => {
  // alice does the exercises; bob leaves them as released.
  await writeNotebook(lessonOf("alice"), await readNotebook(SOURCE));
  for (const user of USERS) {
    const run = await task([
      "run",
      lessonOf(user),
      "--server",
      `${url}user/${user}/`,
      "--token",
      tokens.get(user)!,
      "--root",
      home(user),
      "--out",
      join(state, "executed", user),
    ]);
    expect(run.stdout, run.stderr).toMatch(/✔ .*01_mcculloch_pitts\.ipynb: 14 code cells in/);
    expect(run.code).toBe(0);
  }
}, 300_000);

test("an attendee's edit survives a second start of their server", async () => {
  const edited = await Deno.readTextFile(lessonOf("alice"));
  await stopServer("alice");
  await startServer("alice");
  expect(await Deno.readTextFile(lessonOf("alice"))).toBe(edited);
}, 300_000);

test(
  "collect gathers both attendees' lessons, and grading gives alice full points, bob 0",
  async () => {
    const submissions = join(state, "..", `${state.split("/").at(-1)}-submissions`);
    try {
      const collect = await task(["collect", "--state", state, "--out", submissions]);
      expect(collect.stdout, collect.stderr).toBe(
        `alice: 1 notebook\nbob: 1 notebook\n2 notebooks of 2 attendees collected into ` +
          `${submissions}\n`,
      );
      expect(await Deno.readTextFile(join(submissions, "alice", LESSON)))
        .toBe(await Deno.readTextFile(lessonOf("alice")));
      const grades = join(submissions, "..", `${state.split("/").at(-1)}-grades`);
      const grade = await task(["grade", "--source", SOURCE, "--submissions", submissions, "--out"]
        .concat([grades]));
      expect(grade.code, grade.stderr).toBe(0);
      const rows = (await Deno.readTextFile(join(grades, "gradebook.csv"))).trim().split("\n");
      const byAttendee = (name: string) => rows.filter((r) => r.startsWith(`${name},`));
      expect(byAttendee("alice").length).toBe(3);
      expect(byAttendee("alice").every((r) => /,(\d+),\1,passed$/.test(r))).toBe(true);
      expect(byAttendee("bob").every((r) => /,0,\d+,not done yet$/.test(r))).toBe(true);
      await Deno.remove(grades, { recursive: true });
    } finally {
      await Deno.remove(submissions, { recursive: true }).catch(() => {});
    }
  },
  300_000,
);

test("stopping the hub stops its proxy and every user's server: nothing remains", async () => {
  expect((await hubProcesses(state)).length).toBeGreaterThanOrEqual(4); // hub, proxy, 2 servers
  hub.kill("SIGINT");
  expect((await hub.status).code).toBe(0);
  expect(printed()).toContain("stopped");
  expect(await hubProcesses(state)).toEqual([]);
  const gone = await fetch(url).then((r) => r.body?.cancel().then(() => "answers"), () => "gone");
  expect(gone).toBe("gone");
}, 120_000);
