import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { PROJECT_ROOT } from "../../contract/files.ts";
import { FAMILY_NAMES } from "../native/differential.ts";
import { DENO, run } from "../helpers.ts";

/**
 * The seed of the differential cases: a new one each run, printed, so that a failure can be
 * replayed with `NATIVE_TEST_SEED=<seed>` (or one case with `deno run -A
 * tests/native/differential.ts <seed> 300 <kernel> <case>`).
 */
const SEED = Number(Deno.env.get("NATIVE_TEST_SEED") ?? Math.floor(Math.random() * 2 ** 31));
const CASES = 300;

/** A script of `tests/native/` in a process of its own, as a notebook's kernel starts the course. */
async function script(args: string[], env: Record<string, string>) {
  const { code, stdout, stderr } = await new Deno.Command(DENO, {
    args: ["run", "-A", ...args],
    cwd: PROJECT_ROOT,
    // The wasm backend is forced so that a machine with a GPU tests it too: init() starts it
    // exactly as a notebook's automatic choice does where there is no GPU.
    env: { NO_COLOR: "1", COURSE_BACKEND: "wasm", ...env },
    stdin: "null",
  }).output();
  const [out, err] = [stdout, stderr].map((b) => new TextDecoder().decode(b));
  const last = out.trim().split("\n").at(-1) ?? "";
  if (code !== 0 || !last.startsWith("{")) {
    throw new Error(`${args.join(" ")} exited ${code}: ${err.slice(-2000)}`);
  }
  return { result: JSON.parse(last), stderr: err };
}

describe.each<{ native: boolean; env: Record<string, string>; line: RegExp }>([
  { native: true, env: {}, line: /^backend: wasm, 1 thread \+ oneDNN 2\.\d+\.\d+, \d+ threads? / },
  {
    native: false,
    env: { COURSE_NATIVE: "0" },
    line: /^backend: wasm, \d+ threads? \(.*native kernels off/,
  },
])("every kernel the native path registers, native $native", ({ native, env, line }) => {
  beforeAll(() => console.log(`native differential cases: seed ${SEED} (NATIVE_TEST_SEED)`));

  test.each(FAMILY_NAMES)(
    `%s on wasm equals the cpu backend on ${CASES} random cases`,
    async (family) => {
      const { result } = await script(
        ["tests/native/differential.ts", String(SEED), String(CASES), family],
        env,
      );
      expect(result.line).toMatch(line);
      expect(result.cases).toBe(CASES);
      expect(result.failures, `seed ${SEED}`).toEqual([]);
      // The cases reach the native kernels where they are on (a test of the routing, too).
      // (Sub, the rarest, reached it in 14–24 of 300 over the seeds tried.)
      if (native) expect(result.native).toBeGreaterThanOrEqual(CASES / 60);
      else expect(result.native).toBe(0);
    },
    120_000,
  );
});

test("both operands broadcast with oneDNN on: [64, 1] + [1, 64] is every sum, none from elsewhere on the heap", async () => {
  const code = `import { init, tf } from "@course/lib";
    const choice = await init({ quiet: true });
    const zeros = await tf.add(tf.zeros([64, 1]), tf.zeros([1, 64])).data();
    const sums = await tf.add(tf.range(0, 64).reshape([64, 1]), tf.zeros([1, 64])).data();
    console.log(JSON.stringify({ native: choice.native, zeros: Array.from(zeros), sums: Array.from(sums) }));
    Deno.exit(0);`;
  const { stdout } = await new Deno.Command(DENO, {
    args: ["eval", code],
    cwd: PROJECT_ROOT,
    env: { NO_COLOR: "1", COURSE_BACKEND: "wasm" },
    stdin: "null",
  }).output();
  const { native, zeros, sums } = JSON.parse(new TextDecoder().decode(stdout));
  expect(native).toMatch(/^oneDNN 2\./);
  expect(zeros).toEqual(new Array(4096).fill(0));
  expect(sums).toEqual(Array.from({ length: 4096 }, (_, i) => Math.floor(i / 64)));
});

describe("a oneDNN that fails", () => {
  const dir = Deno.makeTempDirSync();
  const library = `${dir}/libdnnl_stand_in.so`;
  beforeAll(async () => {
    // Linked against the real library, whatever the linker's default, so that every other
    // function the course looks up is found through it.
    await run("cc", [
      "-shared",
      "-fPIC",
      "-o",
      library,
      `${PROJECT_ROOT}/tests/fixtures/onednn_stand_in.c`,
      "-Wl,--no-as-needed",
      "-l:libdnnl.so.2",
    ]);
  });
  afterAll(() => Deno.removeSync(dir, { recursive: true }));

  test("in the middle of an epoch: the wasm kernel runs that case, the epoch finishes, one line on stderr", async () => {
    const { result, stderr } = await script(["tests/native/stand_in.ts", "training"], {
      COURSE_ONEDNN: library,
    });
    expect(result.line).toMatch(/^backend: wasm, 1 thread \+ oneDNN 2\./);
    expect(result.failing).toBe(0); // the failure was forced: a native kernel made the call
    expect(result.epochs).toHaveLength(3);
    for (const epoch of result.epochs) expect(Number.isFinite(epoch.loss)).toBe(true);
    // Nothing left behind: every epoch holds the same, and every buffer on the wasm heap belongs
    // to a tensor (the failed call's output was freed).
    expect(new Set(result.epochs.map((e: { held: object }) => JSON.stringify(e.held))).size)
      .toBe(1);
    for (const { held } of result.epochs) expect(held.buffers).toBe(held.tensors);
    const lines = stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^oneDNN failed on \w+ \(.+\): oneDNN's (primitive_execute|sgemm) failed with status 5; the wasm kernel runs this case from now on$/,
    );
  });

  test("the cache destroys what it evicts: oneDNN's objects stay bounded over twice as many shapes", async () => {
    const { result } = await script(["tests/native/stand_in.ts", "cache"], {
      COURSE_ONEDNN: library,
    });
    expect(result.shapes).toBe(2 * result.bound);
    expect(result.mostPrimitives).toBe(result.bound);
    expect(result.primitives).toBe(result.bound);
    expect(result.memories).toBe(3 * result.bound); // a binary primitive's a, b and out
    expect(result.again).toEqual([4096, 3.5, 3.5]); // an evicted shape, built again
  });
});
