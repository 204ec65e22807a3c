/**
 * Every command given what a newcomer gives it by mistake: exit status 1, one line on stderr that
 * names the bad value, no "Uncaught" and no stack trace, and nothing written.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../contract/files.ts";
import { DENO } from "../helpers.ts";

let work: string;
/** Where the kernel commands would write: nothing may appear there. */
let jupyterData: string;

/** Every file and folder under `dir`, with its size and modification time. */
async function snapshot(dir: string): Promise<string[]> {
  const entries: string[] = [];
  const walk = async (path: string) => {
    for await (const entry of Deno.readDir(path)) {
      const full = join(path, entry.name), info = await Deno.lstat(full);
      entries.push(`${full} ${info.size} ${info.mtime?.getTime()}`);
      if (entry.isDirectory) await walk(full);
    }
  };
  await walk(dir).catch(() => {});
  return entries.sort();
}

beforeAll(async () => {
  work = await Deno.makeTempDir({ prefix: "dl-course-bad-input-" });
  jupyterData = join(work, "jupyter");
  await Deno.mkdir(jupyterData);
  const nuclei = join(PROJECT_ROOT, "datasets", "data");
  await Deno.copyFile(join(nuclei, "dsb2018_nuclei_img2d.tif"), join(work, "image.tif"));
  await Deno.copyFile(join(nuclei, "dsb2018_test_image.tif"), join(work, "other.tif"));
  await Deno.copyFile(join(PROJECT_ROOT, "README.md"), join(work, "README.md"));
  await Deno.copyFile(
    join(PROJECT_ROOT, "tests", "fixtures", "failing.ipynb"),
    join(work, "ok.ipynb"),
  );
  await Deno.writeTextFile(join(work, "notes.txt"), "not an image\n");
  await Deno.writeTextFile(join(work, "x.png"), "not a PNG either\n");
  await Deno.writeTextFile(join(work, "fake.tif"), "II*\0 but no image\n");
  await Deno.writeTextFile(join(work, "empty.tif"), "");
  await Deno.writeTextFile(join(work, "empty.ipynb"), "");
  await Deno.writeTextFile(
    join(work, "old.ipynb"),
    JSON.stringify({ nbformat: 3, nbformat_minor: 0, metadata: {}, worksheets: [] }),
  );
  await Deno.mkdir(join(work, "folder.tif"));
  await Deno.mkdir(join(work, "no-notebooks"));
  await Deno.mkdir(join(work, "submissions", "ada"), { recursive: true });
  // Folders whose own configuration stands in the way of `deno task new`.
  const own = (name: string, config: string) =>
    Deno.mkdir(join(work, name)).then(() =>
      Deno.writeTextFile(join(work, name, "deno.json"), config)
    );
  await own("pinned", '{ "imports": { "@tensorflow/tfjs": "npm:@tensorflow/tfjs@4.10.0" } }');
  await own("commented", '{ // mine\n  "tasks": {} }');
  await own("auto", '{ "nodeModulesDir": "auto" }');
  await Deno.mkdir(join(work, "jsonc"));
  await Deno.writeTextFile(join(work, "jsonc", "deno.jsonc"), "{ // mine\n}");
  await Deno.mkdir(join(work, "packaged", "node_modules"), { recursive: true });
});

afterAll(async () => {
  await Deno.remove(work, { recursive: true });
});

/** `deno task <args>` typed in the folder `work`. */
async function typed(args: string[]): Promise<{ code: number; stderr: string }> {
  const { code, stderr } = await new Deno.Command(DENO, {
    args: args[0].endsWith(".ts")
      ? ["run", "-A", join(PROJECT_ROOT, args[0]), ...args.slice(1)]
      : ["task", "-q", "--config", join(PROJECT_ROOT, "deno.json"), ...args],
    cwd: work,
    // As `deno task` sets it when typed in `work`: `npm test` sets it to the project's folder.
    // No Slurm cluster, even on a machine that belongs to one.
    env: {
      NO_COLOR: "1",
      JUPYTER_DATA_DIR: jupyterData,
      INIT_CWD: work,
      SLURM_CONF: join(work, "no-slurm.conf"),
    },
    stdin: "null",
    stdout: "null",
  }).output();
  return { code, stderr: new TextDecoder().decode(stderr) };
}

/** [command line, what its one line must name] */
const CASES: [string[], string][] = [
  // the cases
  [["release", "/nonexistent", "--out", "rel"], "'/nonexistent' as it does not exist"],
  [["denoise", "/nonexistent.tif"], "'/nonexistent.tif' does not exist"],
  [["denoise", "notes.txt"], "'notes.txt' must be a .tif, .tiff or .png file"],
  [["segment", "README.md", "README.md"], "'README.md' must be a .tif, .tiff or .png file"],
  [["denoise", "x.png"], "x.png as it is not a PNG file"],
  // a folder where a file is expected
  [["denoise", "folder.tif"], "'folder.tif' is a folder"],
  [["segment", "image.tif", "folder.tif"], "'folder.tif' is a folder"],
  [["run", "no-notebooks"], "'no-notebooks' as the folder holds no .ipynb notebooks"],
  [["release", "ok.ipynb", "--out", "notes.txt"], "'notes.txt' is a file"],
  [
    ["grade", "--source", "ok.ipynb", "--submissions", "notes.txt", "--out", "g"],
    "'notes.txt' is not a folder",
  ],
  [["kernel:install", "--prefix", "notes.txt"], "'notes.txt' is a file"],
  // an empty file
  [["denoise", "empty.tif"], "'empty.tif' is empty"],
  [["run", "empty.ipynb"], "empty.ipynb as it is empty"],
  // a TIFF that is not one
  [["denoise", "fake.tif"], "fake.tif as it is not a TIFF file"],
  [["segment", "image.tif", "fake.tif"], "fake.tif as it is not a TIFF file"],
  // images that do not go together
  [["segment", "image.tif", "other.tif"], "the mask must have the image's size: 'other.tif' is"],
  // a notebook of nbformat 3
  [["run", "old.ipynb"], "'nbformat' must be 4: current value is 3"],
  [["release", "old.ipynb", "--out", "rel"], "'nbformat' must be 4: current value is 3"],
  [
    ["grade", "--source", "old.ipynb", "--submissions", "submissions", "--out", "g"],
    "current value is 3",
  ],
  // an unknown option
  [["run", "ok.ipynb", "--bogus"], "'--bogus' is not one of its options"],
  [["release", "ok.ipynb", "--out", "rel", "--force"], "'--force' is not one of its options"],
  [["grade", "--sources", "ok.ipynb"], "'--sources' is not one of its options"],
  [["denoise", "image.tif", "--output", "d.tif"], "'--output' is not one of its options"],
  [["segment", "image.tif", "image.tif", "--epoch", "2"], "'--epoch' is not one of its options"],
  [["kernel:install", "--system"], "'--system' is not one of its options"],
  [["kernel:uninstall", "--all"], "'--all' is not one of its options"],
  [["train:base", "--fast"], "'--fast' is not one of its options"],
  [["doctor", "--fix"], "'--fix' is not one of its options"],
  [["setup", "--yes"], "'--yes' is not one of its options"],
  [["bench/training.ts", "--thread", "2"], "'--thread' is not one of its options"],
  [["bench/backends.ts", "512"], "'512' is one argument too many"],
  // a negative or non-numeric count
  [
    ["denoise", "image.tif", "--epochs", "-1"],
    "'--epochs' must be a whole number ≥ 1: current value is -1",
  ],
  [
    ["denoise", "image.tif", "--patches", "many"],
    "'--patches' must be a whole number ≥ 1: current value is many",
  ],
  [
    ["segment", "image.tif", "image.tif", "--seed", "1.5"],
    "'--seed' must be a whole number ≥ 0: current value is 1.5",
  ],
  [
    ["run", "ok.ipynb", "--timeout", "-5"],
    "'--timeout' must be a number of seconds > 0: current value is -5",
  ],
  [["run", "ok.ipynb", "--timeout", "soon"], "current value is soon"],
  [
    ["grade", "--source", "ok.ipynb", "--submissions", "submissions", "--out", "g", "--jobs", "-2"],
    "'--jobs' must be a whole number ≥ 1: current value is -2",
  ],
  [[
    "grade",
    "--source",
    "ok.ipynb",
    "--submissions",
    "submissions",
    "--out",
    "g",
    "--memory",
    "lots",
  ], "'--memory' must be a whole number ≥ 1: current value is lots"],
  [
    ["grade", "--source", "ok.ipynb", "--submissions", "submissions", "--out", "g", "--seed", "x"],
    "'--seed' must be a whole number ≥ 0: current value is x",
  ],
  [
    ["kernel:install", "--heap-mb", "-5"],
    "'--heap-mb' must be a whole number ≥ 256: current value is -5",
  ],
  [
    ["train:base", "--epochs", "two"],
    "'--epochs' must be a whole number ≥ 1: current value is two",
  ],
  [
    ["bench/training.ts", "--threads", "0"],
    "'--threads' must list whole numbers ≥ 1: current value is 0",
  ],
  [
    ["bench/backends.ts", "--size", "big"],
    "'--size' must be a whole number ≥ 1: current value is big",
  ],
  [["check", "old.ipynb"], "'nbformat' must be 4: current value is 3"],
  [["new", "notes.txt"], "'notes.txt' is a file: give a folder"],
  [
    ["new", "pinned"],
    'maps "@tensorflow/tfjs" to npm:@tensorflow/tfjs@4.10.0, not the course\'s npm:@tensorflow/tfjs@4.22.0',
  ],
  [["new", "commented"], "commented to the course as its deno.json is not plain JSON"],
  [["new", "auto"], 'its deno.json sets "nodeModulesDir": "auto"'],
  [["new", "packaged"], "as it has a node_modules folder of its own"],
  [["new", "jsonc"], "as it has a deno.jsonc of its own"],
  [["new", join(PROJECT_ROOT, "notebooks")], "as it is inside the checkout"],
  [["doctor", "notes.txt"], "'notes.txt' is not a folder"],
  [["hub", "--state", "hub", "--test-users", "ada,Bob!"], "current value has 'Bob!'"],
  [["hub", "--state", "hub", "--test-users", "ada"], "'--test-users' needs '--password WORD'"],
  [["hub", "--state", "hub", "--password", "pw"], "'--password' is for '--test-users' only"],
  [
    ["hub", "--state", "hub", "--port", "70000"],
    "'--port' must be a port number ≤ 65535: current value is 70000",
  ],
  [["hub", "--state", "notes.txt"], "'notes.txt' is a file"],
  [
    ["collect", "--state", "no-notebooks", "--out", "subs"],
    "no-notebooks' as it is not a hub's state folder",
  ],
  [
    ["grade", "--source", "ok.ipynb", "--submissions", "submissions", "--out", "g", "--slurm"]
      .concat(["--cpus", "0"]),
    "'--cpus' must be a whole number ≥ 1: current value is 0",
  ],
  [
    ["grade", "--source", "ok.ipynb", "--submissions", "submissions", "--out", "g", "--slurm"],
    "Cannot grade on Slurm as SLURM_CONF names '",
  ],
  // missing arguments
  [["run"], "it needs a notebook or a folder of notebooks"],
  [["check"], "it needs a notebook or a folder of notebooks"],
  [["hub"], "it needs '--state DIR'"],
  [["collect", "--state", "no-notebooks"], "it needs '--out'"],
  [["release", "ok.ipynb"], "it needs '--out DIR'"],
  [["grade", "--source", "ok.ipynb", "--submissions", "submissions"], "it needs '--out'"],
  [["segment", "image.tif"], "it needs an image and its mask"],
  [["denoise", "image.tif", "other.tif"], "'other.tif' is one argument too many"],
  [["kernel:install", "--user", "--prefix", "p"], "'--user' and '--prefix' exclude each other"],
];

test(
  "every command refuses bad input in one line that names it: exit 1, no stack, nothing written",
  async () => {
    const before = [...await snapshot(work), ...await snapshot(join(PROJECT_ROOT, "out"))];
    const failures: string[] = [];
    // Two at a time: each is a Deno process that loads its modules.
    const queue = [...CASES];
    await Promise.all([0, 1].map(async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const [args, names] = next;
        const { code, stderr } = await typed(args);
        const lines = stderr.trim().split("\n");
        const wrong = [
          code !== 1 && `exit status ${code}`,
          lines.length !== 1 && `${lines.length} lines on stderr`,
          !stderr.includes(names) && `no "${names}"`,
          /Uncaught|^\s+at /m.test(stderr) && "a stack trace",
        ].filter(Boolean);
        if (wrong.length) failures.push(`${args.join(" ")}: ${wrong.join(", ")}\n${stderr}`);
      }
    }));
    expect(failures).toEqual([]);
    const after = [...await snapshot(work), ...await snapshot(join(PROJECT_ROOT, "out"))];
    expect(after).toEqual(before);
  },
  300_000,
);
