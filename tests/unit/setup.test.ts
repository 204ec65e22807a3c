/**
 * The newcomer's commands: `deno task doctor` checks the machine, the set-up plans what to install,
 * and `npm start`'s command installs the kernel and serves the course.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { join } from "node:path";
import { fixOf } from "../../kernel/doctor.ts";
import { pinnedDeno } from "../../kernel/jupyter/kernelspec.ts";
import { PROJECT_ROOT } from "../../contract/files.ts";
import { type Requirement, requirements } from "../../kernel/machine/requirements.ts";
import { debianLike, plan } from "../../kernel/machine/packages.ts";
import { DENO } from "../helpers.ts";

let work: string;

beforeAll(async () => {
  work = await Deno.makeTempDir({ prefix: "dl-course-setup-" });
});

afterAll(async () => {
  await Deno.remove(work, { recursive: true });
});

async function doctor(env: Record<string, string> = {}) {
  const { code, stdout } = await new Deno.Command(DENO, {
    args: ["task", "-q", "doctor"],
    cwd: PROJECT_ROOT,
    env,
    stdin: "null",
  }).output();
  return { code, lines: new TextDecoder().decode(stdout).trim().split("\n") };
}

/** A PATH with every command of this one but `without`: links in one folder. */
async function pathWithout(without: string): Promise<string> {
  const bin = join(work, "bin");
  await Deno.mkdir(bin, { recursive: true });
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    const entries = (() => {
      try {
        return [...Deno.readDirSync(dir)];
      } catch {
        return []; // a folder on PATH that does not exist
      }
    })();
    for (const { name } of entries.filter((e) => e.name !== without)) {
      await Deno.symlink(join(dir, name), join(bin, name)).catch(() => {}); // the first on PATH wins
    }
  }
  return bin;
}

test(
  "the doctor: with everything here, only ✔ lines, one per requirement, and exit 0",
  async () => {
    const { code, lines } = await doctor();
    expect(lines.filter((l) => !l.startsWith("✔ "))).toEqual([]);
    expect(lines.length).toBe(requirements().length);
    expect(lines).toContainEqual(expect.stringMatching(/^✔ course kernel: .+kernel\.json$/));
    expect(lines).toContainEqual(expect.stringMatching(/^✔ backend: (wasm|webgpu)/));
    expect(code).toBe(0);
  },
  60_000,
);

test(
  "the doctor: without bubblewrap, a ✘ line naming 'sudo apt-get install bubblewrap', and exit 1",
  async () => {
    const { code, lines } = await doctor({ PATH: await pathWithout("bwrap") });
    expect(lines).toContain(
      "✘ bubblewrap (grading): 'bwrap' is not on PATH → sudo apt-get install bubblewrap",
    );
    expect(lines).toContainEqual(expect.stringMatching(/^✘ user namespaces \(grading\): needs/));
    expect(lines.filter((l) => l.startsWith("✘ "))).toHaveLength(2);
    expect(lines.at(-1)).toBe("2 missing: run the commands after → above");
    expect(code).toBe(1);
  },
  60_000,
);

const needed = (name: string, packages?: string[], provide?: () => Promise<void>): Requirement => ({
  name,
  need: "course",
  packages,
  fix: `install ${name}`,
  check: () => Promise.resolve({ ok: false, detail: "" }),
  provide,
});

test("the set-up installs missing packages with apt-get; elsewhere it says what to install", () => {
  const jupyter = needed("Jupyter", ["jupyter-server", "jupyter-client"]);
  const notebook = needed("Notebook", ["jupyter-notebook", "jupyter-client"]);
  const data = needed("data", ["dataset-x"], () => Promise.resolve());
  const node = needed("Node.js");
  expect(plan([jupyter, notebook, data], { apt: true, asRoot: [] })).toEqual({
    packages: ["jupyter-server", "jupyter-client", "jupyter-notebook", "dataset-x"],
  });
  // No apt-get: one message for everything to install by hand; what the set-up downloads is not in it.
  expect(plan([jupyter, data], { apt: false })).toEqual({
    packages: [],
    message: "Cannot set up the course as Jupyter is missing: install Jupyter; then run this again",
  });
  expect(plan([jupyter, node], { apt: true, asRoot: ["sudo"] }).message).toBe(
    "Cannot set up the course as Node.js is missing: install Node.js; then run this again",
  );
  expect(plan([data], { apt: false })).toEqual({ packages: [] });
  // Optional (a speed-up): installed where apt-get can, never a reason to stop where it cannot.
  const fast = { ...needed("oneDNN", ["libdnnl2"]), optional: true };
  expect(plan([fast], { apt: true, asRoot: [] })).toEqual({ packages: ["libdnnl2"] });
  expect(plan([fast, data], { apt: false })).toEqual({ packages: [] });
  expect(fixOf(jupyter, { apt: true })).toBe("sudo apt-get install jupyter-server jupyter-client");
  expect(fixOf(jupyter, { apt: false })).toBe("install Jupyter");
});

test("Debian and the systems built on it are told apart from others by /etc/os-release", () => {
  expect(debianLike('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n')).toBe(true);
  expect(debianLike('NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\n')).toBe(true);
  expect(debianLike('ID=linuxmint\nID_LIKE="ubuntu debian"\n')).toBe(true);
  expect(debianLike('ID="fedora"\nPRETTY_NAME="Fedora Linux 41"\n')).toBe(false);
  expect(debianLike('ID=arch\nPRETTY_NAME="not debian"\n')).toBe(false);
  expect(debianLike("")).toBe(false);
});

test(
  "npm start's command installs the course kernel and serves the course; SIGTERM stops it",
  async () => {
    const jupyterData = join(work, "jupyter");
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    const child = new Deno.Command(DENO, {
      args: ["task", "-q", "course", "--no-browser", "--ip=127.0.0.1", `--port=${port}`],
      cwd: PROJECT_ROOT,
      env: { JUPYTER_DATA_DIR: jupyterData, NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    child.stdout.pipeTo(new WritableStream());
    try {
      let url = "";
      for await (const text of child.stderr.pipeThrough(new TextDecoderStream())) {
        url = text.match(new RegExp(`http://127\\.0\\.0\\.1:${port}/\\S*token=\\w+`))?.[0] ?? "";
        if (url) break;
      }
      const token = new URL(url).searchParams.get("token");
      const { kernelspecs } = await fetch(`http://127.0.0.1:${port}/api/kernelspecs?token=${token}`)
        .then((r) => r.json());
      expect(kernelspecs["dl-course"].spec.display_name).toBe("Deep Learning (TypeScript)");
      expect(kernelspecs["dl-course"].spec.argv[0]).toBe(pinnedDeno());
      const installed = join(jupyterData, "kernels", "dl-course", "kernel.json");
      expect(JSON.parse(await Deno.readTextFile(installed)).argv[0]).toBe(pinnedDeno());
    } finally {
      child.kill("SIGTERM");
      await child.status;
    }
    await expect(fetch(`http://127.0.0.1:${port}/api`)).rejects.toThrow();
  },
  120_000,
);
