/**
 * A researcher's folder linked to the course (`deno task new`): what its `deno.json` becomes, kept
 * entries and refusals; the notebooks that run there are `tests/notebooks/course_folder.test.ts`.
 */
import { expect, test } from "vitest";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../contract/files.ts";
import { courseImports, linkFolder, withCourse } from "../../kernel/folder/link.ts";
import { DENO } from "../helpers.ts";

const COURSE = {
  "@course/lib": "./.course/lib.js",
  "@tensorflow/tfjs": "npm:@tensorflow/tfjs@4.22.0",
};

test("the course's imports: its modules through .course/, its other paths absolute, npm pinned", async () => {
  const imports = await courseImports();
  expect(imports["@course/lib"]).toBe("./.course/lib.js");
  expect(imports["@course/datasets"]).toBe("./.course/datasets.js");
  expect(imports["@course/lib/"]).toBe(`${PROJECT_ROOT}/lib/`);
  expect(imports["@tensorflow/tfjs"]).toBe("npm:@tensorflow/tfjs@4.22.0");
});

test("a folder's own deno.json keeps its entries and gains the course's", () => {
  const existing = JSON.stringify({
    tasks: { go: "deno run go.ts" },
    imports: {
      "@std/path": "npm:@jsr/std__path@1.0.8",
      "@tensorflow/tfjs": COURSE["@tensorflow/tfjs"],
    },
  });
  const { config, own } = withCourse(existing, COURSE, "/r");
  expect(own).toBe(true);
  expect(config).toEqual({
    tasks: { go: "deno run go.ts" },
    nodeModulesDir: "manual",
    imports: { "@std/path": "npm:@jsr/std__path@1.0.8", ...COURSE },
  });
});

test("a deno.json the course wrote (the hub's older form too) is brought up to date", () => {
  const older = JSON.stringify({
    nodeModulesDir: "manual",
    imports: {
      "@course/lib": "/old/checkout/lib/mod.ts",
      "@tensorflow/tfjs": "npm:@tensorflow/tfjs@4.10.0",
      "mine": "./mine.ts",
    },
  });
  const { config, own } = withCourse(older, COURSE, "/r");
  expect(own).toBe(false);
  expect(config.imports).toEqual({ ...COURSE, mine: "./mine.ts" });
});

test("a folder's own configuration that disagrees is refused in one line", () => {
  expect(() => withCourse('{ "imports": { "@course/lib": "./my_lib.ts" } }', COURSE, "/r"))
    .toThrow(
      'Cannot link /r to the course as its deno.json maps "@course/lib" to ./my_lib.ts, not the ' +
        "course's ./.course/lib.js: remove that entry, or use another folder",
    );
  expect(() => withCourse('{ "nodeModulesDir": "none" }', COURSE, "/r")).toThrow(
    'its deno.json sets "nodeModulesDir": "none"',
  );
  expect(() => withCourse("{ // mine\n}", COURSE, "/r")).toThrow("is not plain JSON");
});

test("linking a folder with a deno.json of its own says so, and keeps what it had", async () => {
  const folder = await Deno.makeTempDir({ prefix: "dl-course-own-" });
  try {
    await Deno.writeTextFile(join(folder, "deno.json"), '{ "tasks": { "go": "deno run go.ts" } }');
    const lines = await linkFolder(folder);
    expect(lines[0]).toBe(
      "deno.json: the course's imports added to the folder's own (its other entries kept)",
    );
    expect(lines[1]).toMatch(
      /^\.course\/: @course\/lib \(\d+ names\), @course\/datasets \(\d+ names\) from /,
    );
    const config = JSON.parse(await Deno.readTextFile(join(folder, "deno.json")));
    expect(config.tasks).toEqual({ go: "deno run go.ts" });
    expect(config.imports["@course/datasets"]).toBe("./.course/datasets.js");
    expect(await Deno.realPath(join(folder, "node_modules"))).toBe(
      await Deno.realPath(join(PROJECT_ROOT, "node_modules")),
    );
    const lib = await Deno.readTextFile(join(folder, ".course", "lib.js"));
    expect(lib).toContain("  init,\n");
    expect(lib).toContain(`/// <reference types="file://${PROJECT_ROOT}/lib/mod.ts" />`);
    // A name the library gained after the folder was linked is named where the library loads.
    await Deno.writeTextFile(join(folder, ".course", "lib.js"), lib.replace('"init",', ""));
    const { stderr } = await new Deno.Command(DENO, {
      args: ["eval", 'const { tf } = await import("@course/lib"); console.log(tf.version.tfjs)'],
      cwd: folder,
      env: { NO_COLOR: "1" },
    }).output();
    expect(new TextDecoder().decode(stderr)).toBe(
      `@course/lib has 1 name this folder does not know yet (init): run 'npx deno task new ${folder}' in the checkout\n`,
    );
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});
