import { afterAll, beforeAll, expect, test } from "vitest";
import { join } from "node:path";
import { ANSWERS_MIME, CHECK_MIME } from "../../contract/exercises.ts";
import { PROJECT_ROOT } from "../../contract/files.ts";
import { allInputs } from "../../lib/scratch/truth_table.ts";
import type { Bit } from "../../lib/scratch/mcculloch_pitts.ts";
import { exerciseOf } from "../../kernel/exercises/format.ts";
import { answersIn } from "../../kernel/exercises/scoring.ts";
import { releaseNotebook } from "../../kernel/exercises/student.ts";
import {
  type Cell,
  type Notebook,
  readNotebook,
  writeNotebook,
} from "../../kernel/jupyter/notebook.ts";
import { task } from "../helpers.ts";

const LESSON = join(PROJECT_ROOT, "notebooks", "01_mcculloch_pitts.ipynb");

let root: string;

const cell = (source: string): Cell => ({
  cell_type: "code",
  id: `forgery-${Math.abs(hash(source))}`,
  source,
  metadata: {},
  outputs: [],
  execution_count: null,
});
function hash(text: string): number {
  return [...text].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619), 2166136261);
}

/** Lesson 01 as released, every exercise answered wrong: each function returns 0. */
function wrong(released: Notebook): Notebook {
  const nb = structuredClone(released);
  for (const c of nb.cells) {
    if (exerciseOf(c)?.type === "solution") {
      c.source = (c.source as string).replace("throw new NotDoneError();", "return 0;");
    }
  }
  return nb;
}

/**
 * Lesson 01 as released, each function answering from a table of the practice checks' expected
 * values (what their messages reveal) and 0 elsewhere.
 */
function remembers(released: Notebook): Notebook {
  const nb = structuredClone(released);
  const table = (rows: Bit[][], f: (bits: Bit[]) => number) =>
    JSON.stringify(Object.fromEntries(rows.map((bits) => [bits.join(""), f(bits)])));
  const ones = (bits: Bit[]) => bits.filter((b) => b === 1).length;
  const lookup = (name: string, rows: Bit[][], f: (bits: Bit[]) => number) =>
    `function ${name}(bits: Bit[]): Bit {\n  return ((${table(rows, f)}) as Record<string, Bit>)` +
    `[bits.join("")] ?? 0;\n}`;
  const sources: Record<string, string> = {
    "ex-majority": lookup(
      "majority",
      [...allInputs(3), ...allInputs(4)],
      (b) => 2 * ones(b) > b.length ? 1 : 0,
    ),
    "ex-nand": lookup(
      "nand",
      [...allInputs(2), ...allInputs(3)],
      (b) => ones(b) === b.length ? 0 : 1,
    ),
    "ex-xor": "function xorFromNand(x1: Bit, x2: Bit): Bit {\n  return x1 === x2 ? 0 : 1;\n}\n" +
      lookup("parity", allInputs(3), (b) => ones(b) % 2),
  };
  for (const c of nb.cells) if (c.id && sources[c.id]) c.source = sources[c.id];
  return nb;
}

/** `nb` with `cells` inserted right after its imports. */
function afterImports(nb: Notebook, ...cells: string[]): Notebook {
  const out = structuredClone(nb);
  const at = out.cells.findIndex((c) => c.id === "imports") + 1;
  out.cells.splice(at, 0, ...cells.map(cell));
  return out;
}

/** A display the forger's code shows as if a check had: passed, with answers of its choosing. */
const FAKE_DISPLAY = `const fake = (name: string, n: number) => ({
  "${CHECK_MIME}": { name, passed: true, outcome: "passed", message: "correct" },
  "${ANSWERS_MIME}": {
    name,
    cases: Array.from({ length: n }, (_, i) => ({ what: "x", answer: i % 2 })),
  },
  "text/plain": "✔ " + name + ": correct",
});`;

/** The attacks, each beside the same wrong answers; the issue's own attack first. */
function forgers(released: Notebook): Record<string, Notebook> {
  const base = wrong(released);
  return {
    // The attack, verbatim, and the same patch rewriting the recorded answers too.
    "patches-broadcast": afterImports(
      base,
      `const realBroadcast = (Deno as any).jupyter.broadcast;
(Deno as any).jupyter.broadcast = (type: string, content: any) => {
  const r = content?.data?.["${CHECK_MIME}"];
  if (r) { r.passed = true; r.outcome = "passed"; r.message = "correct"; }
  const a = content?.data?.["${ANSWERS_MIME}"];
  if (a) for (const c of a.cases) { c.answer = 1; delete c.error; delete c.notDone; }
  return realBroadcast(type, content);
};`,
    ),
    // The library's check replaced by one that always shows a pass.
    "replaces-check": (() => {
      const nb = afterImports(
        base,
        `${FAKE_DISPLAY}
const check = async (name: string, ..._: unknown[]) =>
  await (Deno as any).jupyter.broadcast("display_data", {
    data: fake(name, 8), metadata: {}, transient: {},
  });`,
      );
      const imports = nb.cells.find((c) => c.id === "imports")!;
      imports.source = (imports.source as string).replace("  check,\n", "");
      return nb;
    })(),
    "patches-console": afterImports(
      base,
      `const log = console.log;
console.log = (...args: unknown[]) => log(...args.map((a) => String(a).replace("✘", "✔")));
console.error = () => {};`,
    ),
    "patches-deno-jupyter": afterImports(
      base,
      `${FAKE_DISPLAY}
const real = (Deno as any).jupyter;
(Deno as any).jupyter = {
  ...real,
  broadcast: (type: string, content: any) =>
    real.broadcast(type, content?.data?.["${ANSWERS_MIME}"] || content?.data?.["${CHECK_MIME}"]
      ? { ...content, data: fake(content.data["${ANSWERS_MIME}"]?.name ?? "check", 8) }
      : content),
};`,
    ),
    "patches-prototypes": afterImports(
      base,
      `Object.defineProperty(Object.prototype, "passed", {
  get: () => true, set() {}, configurable: true,
});
Object.defineProperty(Object.prototype, "notDone", {
  get: () => false, set() {}, configurable: true,
});
const realStringify = JSON.stringify;
JSON.stringify = (value: unknown, ...rest: any[]) =>
  realStringify(value, ...rest).replaceAll('"answer":0', '"answer":1');
Array.prototype.find = function () { return undefined; };`,
    ),
    "prints-from-timers": afterImports(
      base,
      `${FAKE_DISPLAY}
setInterval(() => {
  (Deno as any).jupyter.broadcast("display_data", {
    data: fake("Exercise", 8), metadata: {}, transient: {},
  });
}, 1);`,
    ),
    "deletes-checks": (() => {
      const nb = structuredClone(base);
      nb.cells = nb.cells.filter((c) => exerciseOf(c)?.type !== "check");
      return nb;
    })(),
    "edits-checks": (() => {
      const nb = structuredClone(base);
      for (const c of nb.cells) {
        if (exerciseOf(c)?.type === "check") {
          const name = (c.source as string).match(/check\("([^"]+)"/)![1];
          c.source = `await check(${JSON.stringify(name)}, () => {});`;
        }
      }
      return nb;
    })(),
  };
}

let gradebook: string;
let stdout: string;

beforeAll(async () => {
  root = await Deno.makeTempDir({ prefix: "dl-course-forgery-" });
  const source = join(root, "source");
  await Deno.mkdir(source);
  await Deno.copyFile(LESSON, join(source, "01_mcculloch_pitts.ipynb"));
  const solutions = await readNotebook(LESSON);
  const attendees = {
    honest: solutions,
    "remembers-practice": remembers(releaseNotebook(solutions)),
    ...forgers(releaseNotebook(solutions)),
  };
  for (const [name, nb] of Object.entries(attendees)) {
    await writeNotebook(join(root, "submissions", name, "01_mcculloch_pitts.ipynb"), nb);
  }
  const out = join(root, "grades");
  const result = await task([
    "grade",
    "--source",
    source,
    "--submissions",
    join(root, "submissions"),
    "--out",
    out,
    "--jobs",
    "2",
    "--timeout",
    "60",
  ]);
  expect(result.code, result.stderr).toBe(0);
  stdout = result.stdout;
  gradebook = await Deno.readTextFile(join(out, "gradebook.csv"));
}, 600_000);

afterAll(async () => {
  await Deno.remove(root, { recursive: true }).catch(() => {});
});

/** Points per attendee and exercise, from the gradebook. */
function points(): Record<string, Record<string, number>> {
  const table: Record<string, Record<string, number>> = {};
  for (const line of gradebook.trim().split("\n").slice(1)) {
    const [attendee, , exercise, earned] = line.split(",");
    (table[attendee] ??= {})[exercise] = Number(earned);
  }
  return table;
}

test("every forger gets 0 on the exercises they got wrong; the honest attendee full points", () => {
  const zero = { "mp-majority": 0, "mp-nand": 0, "mp-xor-nand": 0 };
  expect(points()).toEqual({
    honest: { "mp-majority": 1, "mp-nand": 1, "mp-xor-nand": 2 },
    "deletes-checks": zero,
    "edits-checks": zero,
    "patches-broadcast": zero,
    "patches-console": zero,
    "patches-deno-jupyter": zero,
    "patches-prototypes": zero,
    "prints-from-timers": zero,
    "remembers-practice": zero,
    "replaces-check": zero,
  });
  expect(stdout).toMatch(/inputs drawn from seed \d+ \('--seed \d+' draws them again\)/);
  expect(stdout).toMatch(/01_mcculloch_pitts\.ipynb: the course's answers in \d+\.\d s\n/);
});

test("the issue's forger is told, in plain words, the first answer that differed", async () => {
  const feedback = await Deno.readTextFile(
    join(root, "grades", "feedback", "patches-broadcast.md"),
  );
  expect(feedback).toMatch(
    /### mp-majority: 0 \/ 1, failed: your majority neuron's output for \(([01], ){4,10}[01]\) is 1; expected 0, on an input drawn for grading \(the notebook's own examples passed\)/,
  );
  for await (const entry of Deno.readDir(join(root, "grades", "feedback"))) {
    const text = await Deno.readTextFile(join(root, "grades", "feedback", entry.name));
    expect(text, entry.name).not.toMatch(/vnd\.course|answers\+json|seed|\bkey\b/i);
  }
});

test("the honest attendee's kernel recorded their answers to every graded case", async () => {
  const executed = await readNotebook(
    join(root, "grades", "executed", "honest", "01_mcculloch_pitts.ipynb"),
  );
  const recorded = executed.cells.flatMap(answersIn);
  expect(recorded.map((r) => [r.name, r.cases.length])).toEqual([
    ["Exercise 1.1: majority of n", 12],
    ["Exercise 1.2: NAND of n", 9],
    ["Exercise 1.3: XOR and parity from NAND", 9],
  ]);
  // Graded on 5 to 11 inputs, never the practice's 3 and 4: the answers are the definitions'.
  const bitsOf = (what: string) => what.match(/\(([01, ]+)\)$/)![1].split(", ").map(Number);
  const majority = recorded[0].cases.map((c) => bitsOf(c.what));
  expect(majority.every((bits) => bits.length >= 5 && bits.length <= 11)).toBe(true);
  expect(recorded[0].cases.map((c) => c.answer)).toEqual(
    majority.map((bits) => 2 * bits.filter((b) => b === 1).length > bits.length ? 1 : 0),
  );
  expect(recorded[2].cases.map((c) => c.answer)).toEqual(
    recorded[2].cases.map((c) => bitsOf(c.what).filter((b) => b === 1).length % 2),
  );
});
