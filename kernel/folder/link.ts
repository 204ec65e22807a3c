/**
 * Used by `deno task new`, `deno task doctor` and `deno task hub` (each attendee's lessons folder).
 *
 * A course folder: any folder whose notebooks import the course library and data sets
 * (`@course/lib`, `@course/datasets`) as the lessons do inside the checkout. Its `deno.json` maps
 * the checkout's npm packages to the checkout's pinned versions and the two course modules to two
 * small modules in its `.course/`, which import the checkout's by their absolute paths; its
 * `node_modules` links to the checkout's, so the folder keeps working after `npm ci` there.
 *
 * Why modules of the folder's own rather than the checkout's paths in the import map: when the
 * checkout moves, Deno's "Module not found" would come first; `.course/load.ts` looks first and
 * names the command that links the folder again.
 *
 * @module
 */
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { PROJECT_ROOT, writeFileAtomic } from "../../contract/files.ts";
import { pinnedDeno } from "../jupyter/kernelspec.ts";
import type { Finding } from "../machine/requirements.ts";

/** The course's modules a folder imports: import-map name → path in the checkout. */
const MODULES: Record<string, string> = {
  "@course/lib": "lib/mod.ts",
  "@course/datasets": "datasets/mod.ts",
};

/** The folder's own folder for the modules that import the checkout's. */
const LINKS = ".course";

/** The module in `.course/` that stands for `name`: `@course/lib` → `./.course/lib.js`. */
function linkPath(name: string): string {
  return `./${LINKS}/${name.split("/")[1]}.js`;
}

/** The checkout's `deno.json` imports. */
async function checkoutImports(): Promise<Record<string, string>> {
  return JSON.parse(await Deno.readTextFile(join(PROJECT_ROOT, "deno.json"))).imports;
}

/** Runs this checkout's Deno with `args` in `cwd`; its stdout, or throws its stderr's first line. */
async function deno(args: string[], cwd: string): Promise<string> {
  const { success, stdout, stderr } = await new Deno.Command(pinnedDeno(), {
    args,
    cwd,
    env: { NO_COLOR: "1" },
    stdin: "null",
  }).output();
  const text = new TextDecoder();
  if (!success) {
    const lines = text.decode(stderr).split("\n")
      .map((l) => l.replace(/^error: (Uncaught (\(in promise\) )?)?(Error: )?/, "").trim());
    throw new Error(lines.find((l) => l && !l.startsWith("at ")) ?? "it failed");
  }
  return text.decode(stdout);
}

/** The names the checkout's course modules export, in {@linkcode MODULES}' order. */
async function exportNames(): Promise<string[][]> {
  const script = join(PROJECT_ROOT, "kernel", "folder", "exports.ts");
  return JSON.parse(await deno(["run", "-A", script, ...Object.values(MODULES)], PROJECT_ROOT));
}

/**
 * The imports of a course folder's `deno.json`: the checkout's, with the course modules replaced
 * by the folder's `.course/` modules and the checkout's other paths made absolute.
 *
 * @example
 * ```ts
 * import { courseImports } from "./link.ts";
 * (await courseImports())["@course/lib"]; // "./.course/lib.js"
 * ```
 */
export async function courseImports(): Promise<Record<string, string>> {
  return Object.fromEntries(
    Object.entries(await checkoutImports()).map(([name, target]) => [
      name,
      name in MODULES ? linkPath(name) : target.startsWith(".")
        ? join(PROJECT_ROOT, target) // keeps the "/" of a prefix such as "@course/lib/"
        : target,
    ]),
  );
}

/** Whether a `deno.json`'s imports are the course's making (this command's, or the hub's before). */
function madeByCourse(imports: Record<string, string> | undefined): boolean {
  const lib = imports?.["@course/lib"] ?? "";
  return lib === linkPath("@course/lib") || /^\/.*\/lib\/mod\.ts$/.test(lib);
}

/**
 * A folder's `deno.json` with the course's imports added: its other entries are kept; the course's
 * own entries are replaced where the course wrote them, and refused where the folder's own
 * configuration says otherwise.
 *
 * @example
 * ```ts
 * import { withCourse } from "./link.ts";
 * const { config } = withCourse('{ "tasks": { "go": "deno run go.ts" } }', { "@course/lib": "./.course/lib.js" }, "~/work");
 * // config: { tasks: {…}, nodeModulesDir: "manual", imports: { "@course/lib": "./.course/lib.js" } }
 * ```
 */
export function withCourse(
  existing: string | undefined,
  imports: Record<string, string>,
  folder: string,
): { config: Record<string, unknown>; own: boolean } {
  const refuse = (why: string): never => {
    throw new Error(`Cannot link ${folder} to the course as ${why}`);
  };
  let config: Record<string, unknown> = {};
  try {
    config = existing === undefined ? {} : JSON.parse(existing);
  } catch (error) {
    refuse(
      `its deno.json is not plain JSON (${(error as Error).message}): fix it, or move it away`,
    );
  }
  const theirs = (config.imports ?? {}) as Record<string, string>;
  const own = existing !== undefined && !madeByCourse(theirs);
  if (own) {
    if (config.nodeModulesDir !== undefined && config.nodeModulesDir !== "manual") {
      refuse(
        `its deno.json sets "nodeModulesDir": ${JSON.stringify(config.nodeModulesDir)}, and the ` +
          `course's packages need "manual": change it, or use another folder`,
      );
    }
    const clash = Object.keys(imports).find((name) =>
      name in theirs && theirs[name] !== imports[name]
    );
    if (clash) {
      refuse(
        `its deno.json maps "${clash}" to ${theirs[clash]}, not the course's ${imports[clash]}: ` +
          `remove that entry, or use another folder`,
      );
    }
  }
  return {
    config: { ...config, nodeModulesDir: "manual", imports: { ...theirs, ...imports } },
    own,
  };
}

/** The source of `.course/<module>.js`: the checkout's module's names, through `load.ts`. */
function linkModule(name: string, path: string, names: string[]): string {
  const checkout = pathToFileURL(PROJECT_ROOT + "/").href;
  return [
    `/// <reference types="${new URL(path, checkout).href}" />`,
    `// ${name} for this folder's notebooks, written by 'deno task new' (see load.ts).`,
    `import { load } from "./load.ts";`,
    `const names = ${JSON.stringify(names)};`,
    `export const {`,
    ...names.map((n) => `  ${n},`),
    `} = await load(${[checkout, path, name].map((s) => JSON.stringify(s)).join(", ")}, names);`,
    ``,
  ].join("\n");
}

/**
 * Makes `folder`'s notebooks import the course library and data sets from this checkout: its
 * `deno.json` (a folder's own keeps its entries), `.course/` and a `node_modules` link. Returns
 * what it did, one line each; throws, having written nothing, where the folder's own
 * configuration stands in the way.
 *
 * @example
 * ```ts
 * import { linkFolder } from "./link.ts";
 * await linkFolder(await Deno.makeTempDir()); // ["deno.json: written", …]
 * ```
 */
export async function linkFolder(folder: string): Promise<string[]> {
  if (!relative(PROJECT_ROOT, folder).startsWith("..")) {
    throw new Error(
      `Cannot link ${folder} to the course as it is inside the checkout, whose notebooks ` +
        `import the course already`,
    );
  }
  if (await Deno.lstat(join(folder, "deno.jsonc")).then(() => true, () => false)) {
    throw new Error(
      `Cannot link ${folder} to the course as it has a deno.jsonc of its own, which a deno.json ` +
        `beside it would silently replace: rename it deno.json (without comments), or use ` +
        `another folder`,
    );
  }
  const configPath = join(folder, "deno.json");
  const existing = await Deno.readTextFile(configPath).catch(() => undefined);
  const { config, own } = withCourse(existing, await courseImports(), folder);
  const modules = join(folder, "node_modules");
  const link = await Deno.lstat(modules).catch(() => undefined);
  if (link && !link.isSymlink) {
    throw new Error(
      `Cannot link ${folder} to the course as it has a node_modules folder of its own, where ` +
        `the course needs a link to its packages: move it away, or use another folder`,
    );
  }
  const names = await exportNames();
  await Deno.mkdir(join(folder, LINKS), { recursive: true });
  await Deno.copyFile(
    join(PROJECT_ROOT, "kernel", "folder", "load.ts"),
    join(folder, LINKS, "load.ts"),
  );
  const modulesOf = Object.entries(MODULES);
  for (const [i, [name, path]] of modulesOf.entries()) {
    await writeFileAtomic(join(folder, linkPath(name)), linkModule(name, path, names[i]));
  }
  await writeFileAtomic(configPath, JSON.stringify(config, null, 2) + "\n");
  if (link) await Deno.remove(modules);
  await Deno.symlink(join(PROJECT_ROOT, "node_modules"), modules);
  return [
    `deno.json: ${
      own
        ? "the course's imports added to the folder's own (its other entries kept)"
        : existing === undefined
        ? "written"
        : "brought up to date"
    }`,
    `${LINKS}/: ${modulesOf.map(([name], i) => `${name} (${names[i].length} names)`).join(", ")}` +
    ` from ${PROJECT_ROOT}`,
    `node_modules → ${join(PROJECT_ROOT, "node_modules")}`,
  ];
}

/**
 * Whether `folder`'s notebooks import the course from this checkout, found by importing
 * `@course/lib` and `@course/datasets` there with this checkout's Deno, as the kernel would.
 *
 * @example
 * ```ts
 * import { checkFolder } from "./link.ts";
 * const { ok, detail } = await checkFolder("/home/ada/research");
 * ```
 */
export async function checkFolder(folder: string): Promise<Finding> {
  const config = await Deno.readTextFile(join(folder, "deno.json")).catch(() => undefined);
  if (config === undefined) {
    return { ok: false, detail: `no deno.json: its notebooks cannot import @course/lib` };
  }
  const names = Object.keys(MODULES);
  const script = `console.log(JSON.stringify([${
    names.map((n) => `Object.keys(await import("${n}"))`).join(", ")
  }]))`;
  let found: string[][];
  try {
    found = JSON.parse(await deno(["eval", script], folder));
  } catch (error) {
    return { ok: false, detail: (error as Error).message };
  }
  const expected = await exportNames();
  const lacking = expected.flatMap((all, i) => all.filter((n) => !found[i].includes(n)));
  if (lacking.length) {
    return {
      ok: false,
      detail:
        `it lacks ${lacking.length} of the course's names (${lacking.slice(0, 3).join(", ")}…), ` +
        `added to the course after the folder was linked`,
    };
  }
  // The checkout the folder imports from, as its deno.json names it (one of the course's making).
  const from = config.match(/"@course\/lib\/": "(.+)\/lib\/"/)?.[1];
  return {
    ok: true,
    detail: `${names.map((n, i) => `${n} (${found[i].length} names)`).join(" and ")} from ${
      from ?? "its deno.json's imports"
    }`,
  };
}
