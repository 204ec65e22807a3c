/**
 * Used by `deno task grade` and `deno task release`.
 *
 * The course's exercise format, as the release and grading tools read it.
 *
 * - A **solution cell** has `metadata.course = { id, type: "solution" }`. Inside its code, the
 *   solution lies between a line `// BEGIN SOLUTION` and a line `// END SOLUTION`. In the student
 *   version the region becomes its **stub**: the region's lines that start with `//> ` (without
 *   that prefix), or, if it has none, `throw new NotDoneError();` at the region's indentation.
 * - A **check cell** has `metadata.course = { id, type: "check", points }` and calls `check(...)`
 *   from the library; it stays in the student version.
 * - A **hidden check cell** has `type: "hidden"`: it is removed from the student version and run
 *   only when grading.
 * - A solution cell's `replacedBy` lists the library's names that compute what the exercise asks
 *   (`["leakyRelu"]`, `["sigmoid.df"]`): the grader tells an attendee whose solution calls one.
 *
 * @module
 */
import { defaultStub, SOLUTION_BEGIN, SOLUTION_END, STUB_LINE } from "../../contract/exercises.ts";
import { type Cell, type Notebook, sourceOf } from "../jupyter/notebook.ts";

/** What a cell is in an exercise, from `metadata.course`. */
export interface ExerciseMeta {
  id: string;
  type: "solution" | "check" | "hidden";
  points?: number;
  /** For a solution: the library's names that would answer the exercise in one call. */
  replacedBy?: string[];
}

/**
 * The exercise metadata of a cell, or `undefined` for an ordinary cell.
 *
 * @example
 * ```ts
 * import { exerciseOf } from "./format.ts";
 * exerciseOf({ cell_type: "code", source: "", metadata: { course: { id: "a", type: "check", points: 1 } } });
 * // { id: "a", type: "check", points: 1 }
 * ```
 */
export function exerciseOf(cell: Cell): ExerciseMeta | undefined {
  const meta = cell.metadata?.course as Partial<ExerciseMeta> | undefined;
  if (!meta) return undefined;
  if (typeof meta.id !== "string" || !["solution", "check", "hidden"].includes(meta.type ?? "")) {
    throw new Error(
      `Cannot read the exercise of cell '${cell.id ?? "?"}' as metadata.course must have an 'id' ` +
        `and a 'type' of solution, check or hidden: current value is ${JSON.stringify(meta)}`,
    );
  }
  const names = meta.replacedBy;
  if (names !== undefined && !(Array.isArray(names) && names.every(isLibraryName))) {
    throw new Error(
      `Cannot read the exercise of cell '${cell.id ?? "?"}' as metadata.course.replacedBy must ` +
        `list names such as "leakyRelu" or "sigmoid.df": current value is ${JSON.stringify(names)}`,
    );
  }
  return meta as ExerciseMeta;
}

/** A name in the library, plain or dotted: `leakyRelu`, `sigmoid.df`, `metrics.iou`. */
const isLibraryName = (name: unknown) =>
  typeof name === "string" && /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/.test(name);

/** Code with its comments and string literals blanked out: what a text scan may take for code. */
function codeOnly(source: string): string {
  return source.replace(
    /\/\/[^\n]*|\/\*[\s\S]*?\*\/|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`/g,
    (text) => text.replace(/[^\n]/g, " "),
  );
}

/**
 * Which of the library's `names` a cell's code uses (comments and strings aside): an attendee's
 * solution that calls the function its exercise asks them to write.
 *
 * @example
 * ```ts
 * import { libraryCalls } from "./format.ts";
 * libraryCalls("const d = sigmoid.df(x); // not leakyRelu", ["sigmoid.df", "leakyRelu"]);
 * // ["sigmoid.df"]
 * ```
 */
export function libraryCalls(source: string, names: string[]): string[] {
  const code = codeOnly(source);
  return names.filter((name) => {
    const dotted = name.split(".").map((part) => part.replace(/\$/g, "\\$")).join("\\s*\\.\\s*");
    return new RegExp(`(^|[^\\w$.])${dotted}(?![\\w$])`).test(code);
  });
}

/**
 * Replaces every solution region of a cell's code by its stub.
 *
 * @example
 * ```ts
 * import { stubSolutions } from "./format.ts";
 * stubSolutions("f() {\n  // BEGIN SOLUTION\n  return 1;\n  // END SOLUTION\n}");
 * // "f() {\n  throw new NotDoneError();\n}"
 * ```
 */
export function stubSolutions(source: string): string {
  const out: string[] = [];
  let region: { indent: string; stub: string[]; line: number } | undefined;
  source.split("\n").forEach((line, i) => {
    const begin = line.match(SOLUTION_BEGIN);
    if (begin) {
      if (region) {
        throw new Error(`Cannot stub the solution as line ${i + 1} opens a region inside another`);
      }
      region = { indent: begin[1], stub: [], line: i + 1 };
    } else if (SOLUTION_END.test(line)) {
      if (!region) {
        throw new Error(`Cannot stub the solution as line ${i + 1} closes a region never opened`);
      }
      out.push(
        ...(region.stub.length ? region.stub : [defaultStub(region.indent)]),
      );
      region = undefined;
    } else if (region) {
      const stub = line.match(STUB_LINE);
      if (stub) region.stub.push(stub[1] + stub[2]);
    } else out.push(line);
  });
  if (region) {
    throw new Error(
      `Cannot stub the solution as the region opened on line ${region.line} is never closed`,
    );
  }
  return out.join("\n");
}

/**
 * The student version of a cell's source: solutions stubbed in solution cells, others unchanged.
 *
 * @example
 * ```ts
 * import { studentSource } from "./format.ts";
 * const code = studentSource({ cell_type: "code", source: "1", metadata: {} }); // "1"
 * ```
 */
export function studentSource(cell: Cell): string {
  const source = sourceOf(cell);
  return exerciseOf(cell)?.type === "solution" ? stubSolutions(source) : source;
}

/**
 * Checks that every cell of an exercise source has its own id (nbformat 4.5): grading finds each
 * attendee's solutions, and where the checks go back, by cell id.
 *
 * @example
 * ```ts
 * import { checkCellIds } from "./format.ts";
 * checkCellIds({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] }, "x.ipynb"); // ok
 * ```
 */
export function checkCellIds(nb: Notebook, path: string): void {
  const ids = nb.cells.map((c) => c.id);
  const missing = ids.findIndex((id) => !id);
  if (missing >= 0) {
    throw new Error(
      `Cannot use ${path} as an exercise source as cell ${missing + 1} has no id: save it with ` +
        `JupyterLab 3 or later, or Notebook 7 (nbformat 4.5), which give every cell one`,
    );
  }
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice) {
    throw new Error(
      `Cannot use ${path} as an exercise source as two cells have the id '${twice}': ` +
        `give each cell its own`,
    );
  }
}
