/**
 * A researcher's folder outside the checkout, made by `deno task new`: its starter notebook and a
 * copy of a lesson run there through a real Jupyter server (`deno task run` starts it in the
 * folder); then the checkout moves, and the first import names the command that mends it.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../contract/files.ts";
import { readNotebook } from "../../kernel/jupyter/notebook.ts";
import { task } from "../helpers.ts";

const LESSON = "09_unet_segmentation.ipynb";
let work: string;

beforeAll(async () => {
  work = await Deno.makeTempDir({ prefix: "dl-course-folder-" });
});

afterAll(async () => {
  await Deno.remove(work, { recursive: true });
});

/** A checkout of the course at `path`: its code and data copied, its packages linked. */
async function copyCheckout(path: string): Promise<void> {
  await Deno.mkdir(path);
  const parts = ["contract", "datasets", "kernel", "lib", "deno.json", "package.json"];
  const { success } = await new Deno.Command("cp", {
    args: ["-r", ...parts.map((part) => join(PROJECT_ROOT, part)), path],
  }).output();
  if (!success) throw new Error(`Cannot copy the checkout to ${path}`);
  await Deno.symlink(join(PROJECT_ROOT, "node_modules"), join(path, "node_modules"));
}

/** The text of a notebook's outputs, and their MIME types. */
async function outputsOf(path: string): Promise<{ text: string; types: string[] }> {
  const outputs = (await readNotebook(path)).cells.flatMap((cell) => cell.outputs ?? []);
  const data = outputs.map((o) => ("data" in o ? o.data : {}) as Record<string, unknown>);
  return {
    text: data.map((d) => [d["text/plain"] ?? ""].flat().join("")).join("\n"),
    types: data.flatMap((d) => Object.keys(d)),
  };
}

test(
  "deno task new: a folder outside the checkout runs its starter notebook and lesson 09 (quick)",
  async () => {
    const folder = join(work, "research");
    const made = await task(["new", folder]);
    expect(made.stderr).toBe("");
    expect(made.stdout).toContain(
      `${folder}: its notebooks import @course/lib and @course/datasets`,
    );
    expect(made.stdout).toContain("deno.json: written");
    expect(made.stdout).toContain("starter.ipynb: written");
    await Deno.copyFile(join(PROJECT_ROOT, "notebooks", LESSON), join(folder, LESSON));
    const out = join(work, "out");
    const starter = join(folder, "starter.ipynb");
    const { code, stdout } = await task(
      ["run", starter, join(folder, LESSON), "--out", out],
      { COURSE_SETTING: "quick" },
    );
    expect(stdout).toContain("2 passed, 0 failed");
    expect(code).toBe(0);
    // The kernel ran in the folder: the starter read its nuclei.tif by name, and showed it.
    const shown = await outputsOf(join(out, "starter.ipynb"));
    expect(shown.text).toMatch(/nuclei\.tif +256 +256 +9 +255/);
    expect(shown.text).toContain("nuclei.tif: image 256×256 grey");
    expect(shown.types).toContain("image/png");
    expect(shown.types).toContain("application/vnd.plotly.v1+json");
    // Running it again keeps the folder's own files.
    const again = await task(["new", folder]);
    expect(again.stdout).toContain("starter.ipynb: the folder's own kept");
    expect(again.stdout).toContain("deno.json: brought up to date");
  },
  300_000,
);

test(
  "after the checkout moves, the first cell names the command; after it, the notebook runs",
  async () => {
    const checkout = join(work, "checkout"), moved = join(work, "moved");
    const folder = join(work, "moving");
    await copyCheckout(checkout);
    expect((await task(["new", folder], {}, checkout)).code).toBe(0);
    await Deno.rename(checkout, moved);
    const starter = join(folder, "starter.ipynb"), out = join(work, "out-moved");
    const why = `Cannot import @course/lib as the course's checkout ${checkout} has moved or is ` +
      `gone: run 'npx deno task new ${folder}' in the checkout, where it is now`;
    const broken = await task(["run", starter, "--out", out]);
    expect(broken.stdout).toContain(`cell 2 of 6 failed: Error: ${why}`);
    expect(broken.code).toBe(1);
    const sick = await task(["doctor", folder], {}, moved);
    expect(sick.stdout).toContain(`✘ folder ${folder}: ${why} → npx deno task new '${folder}'`);

    const mended = await task(["new", folder], {}, moved);
    expect(mended.stdout).toContain(`from ${moved}`);
    // `npm ci` there replaces the packages' folder: the folder's link names it by its path.
    await Deno.remove(join(moved, "node_modules"));
    await Deno.symlink(join(PROJECT_ROOT, "node_modules"), join(moved, "node_modules"));
    const runs = await task(["run", starter, "--out", out]);
    expect(runs.stdout).toContain("1 passed, 0 failed");
    expect(runs.code).toBe(0);
    const well = await task(["doctor", folder], {}, moved);
    expect(well.stdout).toMatch(
      new RegExp(
        `✔ folder ${folder}: @course/lib \\(\\d+ names\\) and @course/datasets \\(\\d+ names\\) from ${moved}\n`,
      ),
    );
  },
  300_000,
);
