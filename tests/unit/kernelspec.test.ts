import { afterEach, beforeEach, expect, test } from "vitest";
import { join } from "node:path";
import { kernelsDir, kernelSpec, pinnedDeno } from "../../kernel/jupyter/kernelspec.ts";
import { PROJECT_ROOT } from "../../contract/files.ts";
import { run, task } from "../helpers.ts";

let data: string;
beforeEach(async () => {
  data = await Deno.makeTempDir({ prefix: "dl-course-test-data-" });
});
afterEach(async () => {
  await Deno.remove(data, { recursive: true });
});

const specs = async (env: Record<string, string>) =>
  JSON.parse(await run("jupyter", ["kernelspec", "list", "--json"], env)).kernelspecs;

test("the kernelspec runs the pinned Deno as a Jupyter kernel with message interrupts", async () => {
  const spec = kernelSpec({ heapMb: 4096 });
  expect(spec.argv).toEqual([pinnedDeno(), "jupyter", "--kernel", "--conn", "{connection_file}"]);
  expect(spec.interrupt_mode).toBe("message");
  expect(spec.env).toEqual({ NO_COLOR: "1", DENO_V8_FLAGS: "--max-old-space-size=4096" });
  const pinned =
    JSON.parse(await Deno.readTextFile(join(PROJECT_ROOT, "package.json"))).dependencies.deno;
  expect(await run(pinnedDeno(), ["--version"])).toContain(`deno ${pinned} `);
  expect(() => kernelSpec({ heapMb: 10 })).toThrow("≥ 256: current value is 10");
});

test("kernel:install, twice, shows in `jupyter kernelspec list`; kernel:uninstall removes it", async () => {
  const env = { JUPYTER_DATA_DIR: data };
  // A name of its own, so that a course kernel the user installed does not count.
  const name = `dl-course-test-${crypto.randomUUID().slice(0, 8)}`;
  for (let i = 0; i < 2; i++) {
    const { code, stdout } = await task(["kernel:install", "--name", name], env);
    expect(code).toBe(0);
    expect(stdout).toContain(`Installed kernel '${name}' ("Deep Learning (TypeScript)")`);
  }
  const installed = (await specs(env))[name];
  expect(installed.resource_dir).toBe(join(data, "kernels", name));
  expect(installed.spec.argv[0]).toBe(pinnedDeno());
  expect(installed.spec.display_name).toBe("Deep Learning (TypeScript)");
  expect(installed.spec.interrupt_mode).toBe("message");
  expect([...Deno.readDirSync(join(data, "kernels", name))].map((e) => e.name)).toEqual([
    "kernel.json",
  ]);

  expect((await task(["kernel:uninstall", "--name", name], env)).code).toBe(0);
  expect((await specs(env))[name]).toBeUndefined();
  const again = await task(["kernel:uninstall", "--name", name], env);
  expect(again.code).toBe(0);
  expect(again.stdout).toContain("is not installed");
});

test("a prefix install goes to PREFIX/share/jupyter/kernels, with a name of one's choice", async () => {
  const { code } = await task([
    "kernel:install",
    "--prefix",
    data,
    "--name",
    "course-b",
    "--display-name",
    "B",
  ]);
  expect(code).toBe(0);
  expect(kernelsDir({ prefix: data })).toBe(join(data, "share", "jupyter", "kernels"));
  const found =
    (await specs({ JUPYTER_PATH: join(data, "share", "jupyter"), JUPYTER_DATA_DIR: data }))[
      "course-b"
    ];
  expect(found.spec.display_name).toBe("B");
});

test("a bad name is refused and nothing is written", async () => {
  const { code, stderr } = await task(["kernel:install", "--name", "../evil"], {
    JUPYTER_DATA_DIR: data,
  });
  expect(code).toBe(1);
  expect(stderr).toContain(
    `its name may only hold letters, digits, '.', '_' and '-': current value is "../evil"`,
  );
  expect([...Deno.readDirSync(data)]).toEqual([]);
});
