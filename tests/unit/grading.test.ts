import { describe, expect, test } from "vitest";
import {
  ANSWERS_MIME,
  CHECK_MIME,
  type CheckOutcome,
  type CheckResult,
  compareCase,
  type RecordedAnswers,
  type RecordedCase,
} from "../../contract/exercises.ts";
import { checkCellIds } from "../../kernel/exercises/format.ts";
import { inert } from "../../contract/command_line.ts";
import { feedbackMarkdown, gradebookCsv } from "../../kernel/exercises/gradebook.ts";
import { defaultGradeOptions } from "../../kernel/exercises/autograde.ts";
import {
  type AnswerKey,
  rebuild,
  scoreExercises,
  ungraded,
} from "../../kernel/exercises/scoring.ts";
import type { Cell, Notebook } from "../../kernel/jupyter/notebook.ts";
import type { CellReport } from "../../kernel/jupyter/runner.ts";
import { controls } from "../helpers.ts";
import {
  defaultLimits,
  handOver,
  runSandboxed,
  sandboxCommand,
} from "../../kernel/jupyter/sandbox.ts";

const code = (id: string, source: string, course?: object): Cell => ({
  cell_type: "code",
  id,
  source,
  metadata: course ? { course } : {},
  outputs: [],
  execution_count: null,
});
const notebook = (cells: Cell[]): Notebook => ({
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {},
  cells,
});

const SOURCE = notebook([
  { cell_type: "markdown", id: "intro", source: "# Exercises", metadata: {} },
  code("setup", 'import { check } from "@course/lib";'),
  code("double-solution", "const double = (x: number) => 2 * x;", {
    id: "double",
    type: "solution",
  }),
  code("double-check", "await check('double', () => ...);", {
    id: "double",
    type: "check",
    points: 2,
  }),
  code("double-hidden", "await check('double, hidden', () => ...);", {
    id: "double",
    type: "hidden",
    points: 3,
  }),
  code("half-solution", "const half = (x: number) => x / 2;", { id: "half", type: "solution" }),
  code("half-check", "await check('half', () => ...);", { id: "half", type: "check" }),
]);

/** An attendee who edited one check, deleted another, added a cell and forged a check cell. */
const SUBMISSION = notebook([
  SOURCE.cells[0],
  SOURCE.cells[1],
  { ...SOURCE.cells[2], source: "const double = (x: number) => x + 3;" },
  { ...SOURCE.cells[3], source: "await check('double', () => {});" },
  code("mine", "console.log(double(1));"),
  { ...SOURCE.cells[5], source: "const half = (x: number) => { throw new NotDoneError(); };" },
  code("forged", "await check('half', () => {});", { id: "half", type: "check", points: 9 }),
]);

const ids = (nb: Notebook) => nb.cells.map((c) => c.id);

describe("rebuild", () => {
  test("keeps the attendee's cells, and puts every check back from the source at its place", () => {
    const rebuilt = rebuild(SOURCE, SUBMISSION);
    expect(ids(rebuilt.notebook)).toEqual([
      "intro",
      "setup",
      "double-solution",
      "double-check",
      "double-hidden",
      "mine",
      "half-solution",
      "half-check",
    ]);
    expect(rebuilt.notebook.cells[2].source).toBe("const double = (x: number) => x + 3;");
    expect(rebuilt.notebook.cells[3].source).toBe(SOURCE.cells[3].source);
    expect(rebuilt.checks.map((c) => [c.index, c.meta.type, c.meta.points])).toEqual([
      [3, "check", 2],
      [4, "hidden", 3],
      [7, "check", undefined],
    ]);
    expect(rebuilt.notes).toEqual([
      { exercise: "double", text: "a check cell was edited: the course's version was graded" },
      { exercise: "half", text: "a check cell was deleted: the course's version was graded" },
    ]);
  });

  test("an untouched solution notebook rebuilds to itself, with nothing noted", () => {
    const rebuilt = rebuild(SOURCE, SOURCE);
    expect(rebuilt.notebook.cells.map((c) => [c.id, c.source])).toEqual(
      SOURCE.cells.map((c) => [c.id, c.source]),
    );
    expect(rebuilt.notes).toEqual([]);
  });
});

/** The runner's report for cell `cell` (1-based) of the rebuilt notebook. */
const report = (
  cell: number,
  status: CellReport["status"] = "ok",
  error?: string,
  errorName?: string,
): CellReport => ({ cell, of: 8, status, seconds: 0.1, source: "", error, errorName });
const verdict = (name: string, outcome: CheckOutcome, message = "correct") => ({
  output_type: "display_data" as const,
  data: {
    [CHECK_MIME]: { name, passed: outcome === "passed", outcome, message } satisfies CheckResult,
    "text/plain": name,
  },
  metadata: {},
});

test("a solution that calls the library's answer to its exercise is noted; comments, strings and the course's own calls are not", () => {
  const meta = { id: "d", type: "solution", replacedBy: ["sigmoid.df", "leakyRelu"] };
  const source = notebook([
    code(
      "d-solution",
      "function d(x: number) {\n  // BEGIN SOLUTION\n  return 1;\n  // END SOLUTION\n}\nconsole.log(leakyRelu);",
      meta,
    ),
    code("d-check", "await check('d', () => {});", { id: "d", type: "check" }),
  ]);
  const note = (solution: string) =>
    rebuild(source, notebook([{ ...source.cells[0], source: solution }, source.cells[1]])).notes
      .map((n) => n.text);
  expect(note("function d(x: number) {\n  return sigmoid . df(x);\n}\nconsole.log(leakyRelu);"))
    .toEqual([
      "your solution calls the library's `sigmoid.df`, which computes what this exercise asks " +
      "you to write: write it yourself",
    ]);
  expect(
    note(
      'function d(x: number) {\n  // not sigmoid.df(x)\n  return "sigmoid.df".length + my.sigmoid.df + sigmoid.dfx;\n}',
    ),
  )
    .toEqual([]);
  expect(() =>
    rebuild(
      notebook([code("x", "", { id: "x", type: "solution", replacedBy: ["a b"] })]),
      notebook([]),
    )
  ).toThrow("metadata.course.replacedBy must list names such as");
});

describe("scoreExercises without graded cases (the verdict of the attendee's kernel)", () => {
  const rebuilt = rebuild(SOURCE, SUBMISSION);

  test("points for each check cell whose checks all passed; the status says what failed", () => {
    const executed = structuredClone(rebuilt.notebook);
    executed.cells[3].outputs = [verdict("double", "passed")];
    executed.cells[4].outputs = [
      verdict("double, hidden", "failed", "double(-7) is -4; expected -14"),
    ];
    executed.cells[7].outputs = [
      verdict("half", "not done", "half is not done yet: replace the stub with your code"),
    ];
    const cells = [2, 3, 4, 5, 6, 8].map((n) => report(n));
    cells.splice(4, 0, report(7, "error", "NotDoneError: half is not done yet", "NotDoneError"));
    const grades = scoreExercises(rebuilt, { cells, notebook: executed }, {});
    expect(grades.map((g) => [g.exercise, g.points, g.max, g.status])).toEqual([
      [
        "double",
        2,
        5,
        "failed: double(-7) is -4; expected -14; a check cell was edited: the course's version " +
        "was graded",
      ],
      ["half", 0, 1, "not done yet; a check cell was deleted: the course's version was graded"],
    ]);
    expect(grades[0].checks.map((c) => [c.name, c.passed, c.hidden, c.points])).toEqual([
      ["double", true, false, 2],
      ["double, hidden", false, true, 3],
    ]);
  });

  test("a cell that timed out scores its exercise 0 and says so; later checks did not run", () => {
    const why = "timed out after 10 s; the kernel was restarted";
    const cells = [report(2), report(3, "timeout", why)];
    const grades = scoreExercises(rebuilt, { cells, notebook: rebuilt.notebook }, {});
    expect(grades.map((g) => [g.points, g.status.split("; a check")[0]])).toEqual([
      [0, why],
      [0, `not run, as cell 3 stopped the notebook: ${why}`],
    ]);
  });

  test("a check cell that showed no verdict (its check was tampered with) scores 0", () => {
    const cells = [2, 3, 4, 5, 6, 7, 8].map((n) => report(n));
    const [double] = scoreExercises(rebuilt, { cells, notebook: rebuilt.notebook }, {});
    expect([double.points, double.status.split(";")[0]]).toEqual([0, "the check showed no result"]);
  });

  test("a submission that could not run: every exercise 0 of its points, one status", () => {
    expect(ungraded(SOURCE, "not submitted")).toEqual([
      { exercise: "double", points: 0, max: 5, status: "not submitted", checks: [] },
      { exercise: "half", points: 0, max: 1, status: "not submitted", checks: [] },
    ]);
  });
});

/** The answers a kernel showed for one check, as an output. */
const answers = (name: string, cases: RecordedCase[], error?: string) => ({
  output_type: "display_data" as const,
  data: {
    [ANSWERS_MIME]: { name, cases, ...(error ? { error } : {}) } satisfies RecordedAnswers,
    "text/plain": name,
  },
  metadata: {},
});

describe("scoreExercises with graded cases (the verdict reached outside the attendee's kernel)", () => {
  const rebuilt = rebuild(SOURCE, SOURCE);
  const key: AnswerKey = {
    "double-check": [{
      name: "double",
      cases: [{ what: "double(1.5)", answer: 3 }, { what: "double(-4)", answer: -8 }],
    }],
    "half-check": [{ name: "half", cases: [{ what: "half(3)", answer: 1.5, tolerance: 1e-9 }] }],
  };
  const cells = [2, 3, 4, 5, 6, 7].map((n) => report(n));
  /** The rebuilt notebook with `outputs` in the double check cell and the half check cell. */
  const executed = (double: Cell["outputs"], half: Cell["outputs"] = []) => {
    const nb = structuredClone(rebuilt.notebook);
    nb.cells[3].outputs = double;
    // A check cell without graded cases keeps its kernel's verdict.
    nb.cells[4].outputs = [verdict("double, hidden", "passed")];
    nb.cells[6].outputs = half;
    return { cells, notebook: nb };
  };
  const statuses = (double: Cell["outputs"], half?: Cell["outputs"]) =>
    scoreExercises(rebuilt, executed(double, half), key).map((g) => [g.points, g.status]);
  const right = answers("double", [{ what: "x", answer: 3 }, { what: "y", answer: -8 }]);

  test("answers that agree with the key earn the points, whatever the kernel said", () => {
    expect(statuses([verdict("double", "failed", "made up"), right])).toEqual([
      [5, "passed"],
      [0, "failed: the check gave no answers"],
    ]);
  });

  test("a wrong answer fails with the key's words; after passing examples, it says so", () => {
    const wrong = answers("double", [{ what: "x", answer: 3 }, { what: "y", answer: -4 }]);
    expect(statuses([verdict("double", "passed"), wrong])[0]).toEqual([
      3,
      "failed: double(-4) is -4; expected -8, on an input drawn for grading (the notebook's " +
      "own examples passed)",
    ]);
    expect(statuses([verdict("double", "failed", "double(2) is 2"), wrong])[0]).toEqual([
      3,
      "failed: double(-4) is -4; expected -8",
    ]);
  });

  test("a forged verdict without answers, or forged answers shown first, score 0", () => {
    // 3 points: the hidden check's, which is not graded by cases here.
    expect(statuses([verdict("double", "passed")])[0][0]).toBe(3);
    const forged = answers("double", [{ what: "x", answer: 0 }, { what: "y", answer: 0 }]);
    expect(statuses([forged, right])[0]).toEqual([3, "failed: double(1.5) is 0; expected 3"]);
  });

  test("the key's tolerance counts, never the attendee's", () => {
    const loose = (answer: number, tolerance?: number) =>
      answers("half", [{ what: "h", answer, tolerance }]);
    expect(statuses([right], [loose(1.5 + 1e-12)])[1]).toEqual([1, "passed"]);
    expect(statuses([right], [loose(7, 1e9)])[1]).toEqual([
      0,
      "failed: half(3) is 7; expected 1.5 (within 1e-9)",
    ]);
  });

  test("a stub is not done yet; code that crashes or a check that could not run fail", () => {
    const stub = { what: "x", error: "NotDoneError: not done", notDone: true };
    expect(statuses([answers("double", [{ what: "x", answer: 3 }, stub])])[0]).toEqual([
      3,
      "not done yet",
    ]);
    const crash = { what: "x", error: "TypeError: x is undefined" };
    expect(statuses([answers("double", [crash])])[0]).toEqual([
      3,
      "failed: double(1.5): your code raised TypeError: x is undefined",
    ]);
    expect(statuses([answers("double", [], "ReferenceError: allInputs is not defined")])[0])
      .toEqual([3, "failed: the check could not run: ReferenceError: allInputs is not defined"]);
  });
});

test("answers compare as expectEqual and expectClose do: records, arrays, NaN", () => {
  const expected = (answer: unknown, tolerance?: number) => ({ what: "it", answer, tolerance });
  const theirs = (answer: unknown) => ({ what: "?", answer });
  expect(compareCase(theirs({ w: [1, 2], b: 3 }), expected({ b: 3, w: [1, 2] }))).toBe(undefined);
  expect(compareCase(theirs({ w: [1, 2] }), expected({ w: [1, 2], b: 3 }))?.message)
    .toBe('it is {"w":[1,2]}; expected {"w":[1,2],"b":3}');
  expect(compareCase(theirs([1, 2 + 1e-7]), expected([1, 2], 1e-6))).toBe(undefined);
  expect(compareCase(theirs([1, 2 + 1e-5]), expected([1, 2], 1e-6))?.message)
    .toBe("it is [1, 2.00001]; expected [1, 2] (within 0.000001)");
  expect(compareCase(theirs("NaN"), expected(0.5, 1e-9))?.message)
    .toBe("it is NaN; expected 0.5 (within 1e-9)");
  expect(compareCase(theirs("2"), expected(2))?.message).toBe('it is "2"; expected 2');
  expect(compareCase({ what: "?" }, expected(2))?.message).toBe("it: no answer");
});

test("exercise sources must give every cell its own id", () => {
  expect(() => checkCellIds(notebook([code("a", ""), { ...code("", ""), id: undefined }]), "x"))
    .toThrow("Cannot use x as an exercise source as cell 2 has no id");
  expect(() => checkCellIds(notebook([code("a", ""), code("a", "")]), "x"))
    .toThrow("two cells have the id 'a'");
});

test("the gradebook is CSV with fields quoted where needed; feedback lists every check", () => {
  const grades = [{
    attendee: "ada",
    notebook: "01.ipynb",
    exercises: [{
      exercise: "double",
      points: 2,
      max: 5,
      status: 'failed: "x", y',
      checks: [
        {
          name: "double",
          passed: true,
          outcome: "passed" as const,
          message: "correct",
          hidden: false,
          points: 2,
          ran: true,
        },
        {
          name: "more",
          passed: false,
          outcome: "failed" as const,
          message: "no",
          hidden: true,
          points: 3,
          ran: true,
        },
      ],
    }],
  }];
  expect(gradebookCsv(grades)).toBe(
    'attendee,notebook,exercise,points,max,status\nada,01.ipynb,double,2,5,"failed: ""x"", y"\n',
  );
  const feedback = feedbackMarkdown("ada", grades);
  expect(feedback).toContain("Total: 2 / 5 points.");
  expect(feedback).toContain("- ✔ double (2 pt): correct\n- ✘ more (3 pt, hidden): no\n");
});

test("attendee text reaches the gradebook and feedback inert: no control codes, no formulas", () => {
  const forged = "boom\x1b[2K\r\n[3/9] ada 01.ipynb: 4 / 4 points (passed)\u202e\x9b";
  expect(inert(forged)).toBe("boom [2K  [3/9] ada 01.ipynb: 4 / 4 points (passed)  ");
  const grades = ['=HYPERLINK("http://x","y")', "+1", "\t-1", "@SUM(A1)", "ada"].map((
    attendee,
  ) => ({
    attendee,
    notebook: "01.ipynb",
    exercises: [{ exercise: "and", points: 0, max: 1, status: `error: ${forged}`, checks: [] }],
  }));
  const csv = gradebookCsv(grades);
  expect(controls(csv)).toEqual([]);
  expect(csv.trim().split("\n").slice(1).map((row) => row.split(",01.ipynb,")[0])).toEqual([
    '"\'=HYPERLINK(""http://x"",""y"")"',
    "'+1",
    "' -1",
    "'@SUM(A1)",
    "ada",
  ]);
  const feedback = feedbackMarkdown(grades[0].attendee, grades.slice(0, 1));
  expect(controls(feedback)).toEqual([]);
  expect(feedback).toContain("### and: 0 / 1, error: boom [2K  [3/9] ada");
});

test("a sandboxed command past its deadline is stopped, and the error says so", async () => {
  const work = await Deno.makeTempDir();
  try {
    await handOver(work);
    const started = performance.now();
    const sleeping = runSandboxed(["sleep", "60"], {
      work,
      limits: defaultLimits(),
      env: {},
      timeoutS: 1,
    });
    await expect(sleeping).rejects.toThrow("it did not finish within 1 s and was stopped");
    expect(performance.now() - started).toBeLessThan(10_000);
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});

test("a sandbox refuses limits that are not whole positive numbers", () => {
  const sandbox = { work: "/tmp/a", home: "/tmp/b", env: {} };
  expect(() =>
    sandboxCommand(["true"], { ...sandbox, limits: { ...defaultLimits(), processes: 0 } })
  )
    .toThrow(
      "Cannot start a sandbox as the limit 'processes' must be a whole number > 0: current value is 0",
    );
});

test("attendees' kernels run on WebAssembly unless COURSE_BACKEND says otherwise", () => {
  const before = Deno.env.get("COURSE_BACKEND");
  try {
    Deno.env.delete("COURSE_BACKEND");
    expect(defaultGradeOptions().env.COURSE_BACKEND).toBe("wasm"); // the sandbox has no GPU
    Deno.env.set("COURSE_BACKEND", "webgpu");
    expect(defaultGradeOptions().env.COURSE_BACKEND).toBe("webgpu");
  } finally {
    if (before === undefined) Deno.env.delete("COURSE_BACKEND");
    else Deno.env.set("COURSE_BACKEND", before);
  }
});
