import { afterEach, describe, expect, test, vi } from "vitest";
import { init, tf } from "@course/lib";
import { chooseBackend, findAdapter, isSoftwareAdapter } from "../../lib/backend/init.ts";
import { parseBackend } from "../../contract/settings.ts";
import { PROJECT_ROOT } from "../../contract/files.ts";
import { DENO, run } from "../helpers.ts";

afterEach(() => {
  Deno.env.delete("COURSE_BACKEND");
  vi.restoreAllMocks();
});

describe("parseBackend", () => {
  test("accepts the three backends, case and spaces aside, and empty for automatic", () => {
    expect(parseBackend("webgpu")).toBe("webgpu");
    expect(parseBackend(" WASM ")).toBe("wasm");
    expect(parseBackend("cpu")).toBe("cpu");
    expect(parseBackend(undefined)).toBeUndefined();
    expect(parseBackend("")).toBeUndefined();
  });

  test("rejects anything else with the valid values and the bad one", () => {
    expect(() => parseBackend("foo")).toThrow(
      'Cannot choose a backend as COURSE_BACKEND must be one of webgpu, wasm, cpu (or unset for automatic): current value is "foo"',
    );
  });
});

describe("chooseBackend", () => {
  test("a real GPU gets WebGPU", () => {
    expect(chooseBackend(undefined, { description: "NVIDIA H100 80GB HBM3", isFallback: false }))
      .toEqual({ backend: "webgpu", reason: "GPU: NVIDIA H100 80GB HBM3" });
  });

  test("a software adapter gets wasm, and the reason names it", () => {
    const llvmpipe = { description: "llvmpipe (LLVM 15.0.6, 256 bits)", isFallback: false };
    expect(isSoftwareAdapter(llvmpipe)).toBe(true);
    expect(chooseBackend(undefined, llvmpipe)).toEqual({
      backend: "wasm",
      reason: "WebGPU adapter is a software fallback: llvmpipe (LLVM 15.0.6, 256 bits)",
    });
    expect(chooseBackend(undefined, { description: "Some GPU", isFallback: true }).backend).toBe(
      "wasm",
    );
  });

  test("no adapter gets wasm; a forced backend wins over everything", () => {
    expect(chooseBackend(undefined, null)).toEqual({
      backend: "wasm",
      reason: "no WebGPU adapter",
    });
    expect(chooseBackend("cpu", { description: "NVIDIA", isFallback: false }).backend).toBe("cpu");
  });
});

describe("init", () => {
  test("it picks WebGPU on a real GPU, else wasm, and prints one line saying why", async () => {
    const adapter = await findAdapter();
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const choice = await init();
    expect(log).toHaveBeenCalledTimes(1);
    if (adapter && !isSoftwareAdapter(adapter)) {
      expect(choice.backend).toBe("webgpu");
      expect(log.mock.calls[0][0]).toMatch(/^backend: webgpu \(GPU: .+\)$/);
      return;
    }
    expect(choice.backend).toBe("wasm");
    expect(tf.getBackend()).toBe("wasm");
    expect(log.mock.calls[0][0]).toMatch(
      /^backend: wasm, \d+ threads?( \+ oneDNN 2\.\d+\.\d+, \d+ threads?)? \((no WebGPU adapter|WebGPU adapter is a software fallback: .+)\)$/,
    );
    // With oneDNN, it takes the threads and the wasm pool one; without, the pool takes them.
    expect(choice.nativeThreads ?? choice.threads).toBe(navigator.hardwareConcurrency);
    if (choice.native) expect(choice.threads).toBe(1);
  });

  test("COURSE_BACKEND=cpu forces cpu, without tfjs's Node.js banner", async () => {
    Deno.env.set("COURSE_BACKEND", "cpu");
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    expect(await init()).toEqual({ backend: "cpu", reason: "forced by COURSE_BACKEND" });
    expect(tf.getBackend()).toBe("cpu");
    expect(log.mock.calls[0][0]).toBe("backend: cpu (forced by COURSE_BACKEND)");
    tf.tidy(() => tf.tensor([1, 2, 3]).square().dataSync());
    expect(warn.mock.calls.flat().join(" ")).not.toContain("Node.js");
  });

  test("COURSE_BACKEND=foo fails with the valid values", async () => {
    Deno.env.set("COURSE_BACKEND", "foo");
    await expect(init()).rejects.toThrow("must be one of webgpu, wasm, cpu");
  });

  test("the chosen backend computes: a matrix product checked by hand", async () => {
    await init({ backend: "wasm", quiet: true });
    const product = tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5, 6], [7, 8]]));
    expect(product.arraySync()).toEqual([[19, 22], [43, 50]]);
    product.dispose();
  });
});

describe("the native kernels", () => {
  /** The line `init()` prints on wasm, in a process of its own, with these variables. */
  async function initLine(env: Record<string, string>): Promise<string> {
    const { stdout, stderr } = await new Deno.Command(DENO, {
      args: ["eval", 'import { init } from "@course/lib"; await init(); Deno.exit(0);'],
      cwd: PROJECT_ROOT,
      env: { NO_COLOR: "1", COURSE_BACKEND: "wasm", COURSE_THREADS: "2", ...env },
      stdin: "null",
    }).output();
    return new TextDecoder().decode(stdout).trim() || new TextDecoder().decode(stderr);
  }

  test("run on oneDNN where it is installed, and the line says how many threads each has", async () => {
    expect(await initLine({})).toMatch(
      /^backend: wasm, 1 thread \+ oneDNN 2\.\d+\.\d+, 2 threads \(forced by COURSE_BACKEND\)$/,
    );
    // oneDNN's count is what its OpenMP runtime reports, not what was asked for.
    expect(await initLine({ COURSE_THREADS: "1" })).toMatch(
      /^backend: wasm, 1 thread \+ oneDNN 2\.\d+\.\d+, 1 thread \(forced by COURSE_BACKEND\)$/,
    );
  });

  test("COURSE_NATIVE=0 gives the wasm kernels, and the line says so", async () => {
    expect(await initLine({ COURSE_NATIVE: "0" })).toBe(
      "backend: wasm, 2 threads (forced by COURSE_BACKEND; native kernels off (COURSE_NATIVE=0))",
    );
    expect(await initLine({ COURSE_NATIVE: "yes" })).toContain(
      'COURSE_NATIVE must be 0 or 1 (or unset for 1): current value is "yes"',
    );
  });

  test("a missing library gives the wasm kernels, and the line says why and what to install", async () => {
    expect(await initLine({ COURSE_ONEDNN: "/nowhere/libdnnl.so.2" })).toBe(
      "backend: wasm, 2 threads (forced by COURSE_BACKEND; no native kernels: oneDNN 2.x not " +
        "found (/nowhere/libdnnl.so.2: cannot open shared object file: No such file or " +
        "directory): sudo apt-get install libdnnl2)",
    );
  });

  test("a oneDNN of another major version is named and left alone, and the line says so", async () => {
    // A stand-in library that only reports its version, as oneDNN 3.x's dnnl_version() does.
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(
        `${dir}/dnnl.c`,
        "typedef struct { int major, minor, patch; const char *hash; unsigned cpu, gpu; } v;\n" +
          'static const v version = { 3, 4, 1, "", 0, 0 };\n' +
          "const v *dnnl_version(void) { return &version; }\n",
      );
      await run("cc", ["-shared", "-fPIC", "-o", `${dir}/libdnnl.so.3`, `${dir}/dnnl.c`]);
      expect(await initLine({ COURSE_ONEDNN: `${dir}/libdnnl.so.3` })).toContain(
        `no native kernels: oneDNN 3.4.1 found (${dir}/libdnnl.so.3), but the course's native ` +
          "kernels need oneDNN 2.x)",
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});

describe("a WebGPU start that fails on a real GPU", () => {
  /** A GPU that looks real to the backend choice, but whose device cannot be created. */
  function brokenGpu(error: Error): void {
    const adapter = {
      info: { description: "Simulated GPU", vendor: "simulated", architecture: "" },
      isFallbackAdapter: false,
      features: new Set<string>(),
      limits: {},
      requestDevice: () => Promise.reject(error),
    };
    vi.spyOn(navigator.gpu, "requestAdapter").mockResolvedValue(adapter as unknown as GPUAdapter);
  }

  for (
    const error of [
      // tfjs issue 8518
      new DOMException(
        "Adapter is invalid: adapter was invalidated by a device creation",
        "OperationError",
      ),
      // deno issue 22029: limits handed over as BigInt
      new TypeError("Cannot convert a BigInt value to a number"),
    ]
  ) {
    test(`falls back to wasm and says why: ${error.message}`, async () => {
      brokenGpu(error);
      const log = vi.spyOn(console, "log").mockImplementation(() => {});
      const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
      const choice = await init();
      expect(choice.backend).toBe("wasm");
      expect(tf.getBackend()).toBe("wasm");
      expect(log).toHaveBeenCalledTimes(1);
      expect(log.mock.calls[0][0]).toMatch(
        new RegExp(
          `^backend: wasm, \\d+ threads?( \\+ oneDNN [\\d.]+, \\d+ threads?)? \\(webgpu failed: .*${error.message}\\)$`,
        ),
      );
      expect(warn).not.toHaveBeenCalled(); // tfjs's own warnings became the one line
    });
  }

  test("forced by COURSE_BACKEND=webgpu, it stops with the reason instead", async () => {
    brokenGpu(new TypeError("Cannot convert a BigInt value to a number"));
    Deno.env.set("COURSE_BACKEND", "webgpu");
    await expect(init({ quiet: true })).rejects.toThrow(
      /"webgpu" failed to start: .*BigInt.*; unset COURSE_BACKEND to choose automatically/,
    );
  });
});
