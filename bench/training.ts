/**
 * Training speed of the course's models on the tfjs backends, with and without the native kernels
 * (oneDNN), against PyTorch on the same CPU threads when Debian's `python3-torch` is installed.
 *
 * ```
 * ./node_modules/.bin/deno run -A bench/training.ts [--rounds 3] [--steps 10] [--threads 1,2]
 *   [--backends wasm,wasm+native,cpu,webgpu]
 * ```
 *
 * Models: a U-Net (2 levels, 16 base filters, batch norm, transposed convolutions) at batch 8 on
 * 64×64×1, and the Fashion-MNIST CNN (conv 32, pool, conv 64, pool, dense 128, dense 10) at batch 64.
 * Each configuration runs `rounds` times, interleaved with the others, each tfjs one in a process of
 * its own (the wasm backend keeps its thread pool for life, and takes one thread when the native
 * kernels run); the medians are printed with their ratios to PyTorch and written to
 * `out/bench/training.json`. The wasm backend, oneDNN and PyTorch get the same number of threads;
 * the cpu and WebGPU backends use one.
 *
 * @module
 */
import { fashionCnn, init, tf, unet } from "@course/lib";
import { BACKENDS } from "../contract/settings.ts";
import { commandLine, reportErrors } from "../contract/command_line.ts";

/** What the bench compares: tfjs's backends, the wasm one with the native kernels too. */
const CONFIGURATIONS = [...BACKENDS, "wasm+native"];

interface Workload {
  name: string;
  batch: number;
  build(): tf.LayersModel;
  data(): { x: tf.Tensor; y: tf.Tensor };
  loss(y: tf.Tensor, p: tf.Tensor): tf.Scalar;
}

const workloads: Workload[] = [
  {
    name: "U-Net 64×64, batch 8",
    batch: 8,
    build: () =>
      unet({ inputShape: [64, 64, 1], depth: 2, baseFilters: 16, batchNorm: true, seed: 0 }),
    data: () => {
      const x = tf.randomUniform([8, 64, 64, 1], 0, 1, "float32", 1);
      return { x, y: tf.tidy(() => x.greater(0.5).toFloat()) };
    },
    loss: (y, p) => tf.losses.meanSquaredError(y, p) as tf.Scalar,
  },
  {
    name: "Fashion CNN, batch 64",
    batch: 64,
    // Logits, as PyTorch's CrossEntropyLoss takes.
    build: () => fashionCnn({ logits: true }),
    data: () => ({
      x: tf.randomUniform([64, 28, 28, 1], 0, 1, "float32", 2),
      y: tf.oneHot(tf.tensor1d(Array.from({ length: 64 }, (_, i) => i % 10), "int32"), 10)
        .toFloat(),
    }),
    loss: (y, p) => tf.losses.softmaxCrossEntropy(y, p) as tf.Scalar,
  },
];

/** Samples per second of `n` Adam steps, after `warmUp` steps, in this process. */
async function tfjsSpeed(configuration: string, w: Workload, n: number, warmUp: number) {
  const [backend, native] = configuration.split("+") as [(typeof BACKENDS)[number], string?];
  const choice = await init({ backend, native: native !== undefined, quiet: true });
  if (native && !choice.native) throw new Error(`Cannot run wasm+native: ${choice.withoutNative}`);
  const model = w.build(), { x, y } = w.data(), opt = tf.train.adam(0.001);
  // Reading the loss waits for the step to finish; asynchronously, as WebGPU requires under Deno.
  const step = async () => {
    const cost = opt.minimize(
      () => w.loss(y, model.apply(x, { training: true }) as tf.Tensor),
      true,
    );
    await cost!.data();
    cost!.dispose();
  };
  for (let i = 0; i < warmUp; i++) await step();
  const started = performance.now();
  for (let i = 0; i < n; i++) await step();
  const seconds = (performance.now() - started) / 1000;
  model.dispose(), opt.dispose(), tf.dispose([x, y]);
  return (w.batch * n) / seconds;
}

const PYTORCH = `
import sys, time, torch, torch.nn as nn
which, steps, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads); torch.manual_seed(0)
def block(i, o): return nn.Sequential(nn.Conv2d(i, o, 3, padding=1, bias=False), nn.BatchNorm2d(o), nn.ReLU(), nn.Conv2d(o, o, 3, padding=1, bias=False), nn.BatchNorm2d(o), nn.ReLU())
class UNet(nn.Module):
    def __init__(s, f=16):
        super().__init__()
        s.d0, s.d1, s.b = block(1, f), block(f, 2*f), block(2*f, 4*f)
        s.u1, s.c1 = nn.ConvTranspose2d(4*f, 2*f, 2, 2), block(4*f, 2*f)
        s.u0, s.c0 = nn.ConvTranspose2d(2*f, f, 2, 2), block(2*f, f)
        s.out, s.pool = nn.Conv2d(f, 1, 1), nn.MaxPool2d(2)
    def forward(s, x):
        a = s.d0(x); b = s.d1(s.pool(a)); m = s.b(s.pool(b))
        u = s.c1(torch.cat([s.u1(m), b], 1)); u = s.c0(torch.cat([s.u0(u), a], 1))
        return torch.sigmoid(s.out(u))
if which == "unet":
    model, batch = UNet(), 8
    x = torch.rand(batch, 1, 64, 64); y = (x > 0.5).float(); loss_fn = nn.MSELoss()
else:
    model, batch = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1600, 128), nn.ReLU(), nn.Linear(128, 10)), 64
    x = torch.rand(batch, 1, 28, 28); y = torch.arange(batch) % 10; loss_fn = nn.CrossEntropyLoss()
opt = torch.optim.Adam(model.parameters(), 1e-3)
def step():
    opt.zero_grad(); loss = loss_fn(model(x), y); loss.backward(); opt.step(); loss.item()
step(); step()
t = time.perf_counter()
for _ in range(steps): step()
print(batch * steps / (time.perf_counter() - t))
`;

/** A Python with torch, or undefined. */
async function torchPython(): Promise<string | undefined> {
  for (const python of ["python3", "/usr/bin/python3"]) {
    const ok = await new Deno.Command(python, {
      args: ["-c", "import torch"],
      stdout: "null",
      stderr: "null",
    })
      .output().then((o) => o.success, () => false);
    if (ok) return python;
  }
  return undefined;
}

async function torchSpeed(python: string, which: string, n: number, threads: number) {
  const { stdout, success, stderr } = await new Deno.Command(python, {
    args: ["-c", PYTORCH, which, String(n), String(threads)],
    // torch.set_num_threads alone does not bound OpenBLAS or OpenMP.
    env: Object.fromEntries(
      ["OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"].map((
        v,
      ) => [v, String(threads)]),
    ),
  }).output();
  if (!success) throw new Error(`PyTorch failed: ${new TextDecoder().decode(stderr)}`);
  return Number(new TextDecoder().decode(stdout).trim());
}

/**
 * Samples per second of one configuration on one model, measured in a process of its own (this
 * script with `--measure`), where `COURSE_THREADS` sets the wasm backend's and oneDNN's threads.
 */
async function measured(configuration: string, w: number, n: number, threads: number) {
  const { stdout, stderr, success } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", import.meta.filename!, "--measure", `${configuration}:${w}:${n}`],
    env: { COURSE_THREADS: String(threads) },
    stdin: "null",
  }).output();
  const text = new TextDecoder();
  if (!success) throw new Error(`${configuration} failed: ${text.decode(stderr).trim()}`);
  return Number(text.decode(stdout).trim().split("\n").at(-1));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ratio = (a: number, b: number) => `${(a / b).toPrecision(2)}×`;

async function main(): Promise<void> {
  const cli = commandLine({
    name: "bench",
    verb: "benchmark training",
    usage: "[--rounds N] [--steps N] [--threads 1,2] [--backends wasm,wasm+native,cpu,webgpu]",
    options: {
      rounds: "3",
      steps: "10",
      threads: [...new Set([1, navigator.hardwareConcurrency])].join(","),
      // The cpu backend needs minutes per U-Net step and WebGPU on a software adapter seconds:
      // ask for them by name.
      backends: "wasm,wasm+native",
      measure: "",
    },
  }, Deno.args);
  const measure = cli.text("measure");
  if (measure) {
    const [configuration, w, n] = measure.split(":");
    // cpu, and WebGPU on a software adapter, take seconds to minutes per U-Net step: one warm-up
    // and one timed step keep the run short.
    const [steps, warmUp] = configuration.startsWith("wasm") ? [Number(n), 2] : [1, 1];
    console.log(await tfjsSpeed(configuration, workloads[Number(w)], steps, warmUp));
    Deno.exit(0); // the wasm backend's threads would keep the process alive
  }
  const [rounds, steps] = [cli.count("rounds", 1), cli.count("steps", 1)];
  const threadCounts = cli.text("threads")!.split(",").map(Number);
  if (threadCounts.some((t) => !Number.isInteger(t) || t < 1)) {
    cli.fail(`'--threads' must list whole numbers ≥ 1: current value is ${cli.text("threads")}`);
  }
  const configurations = cli.text("backends")!.split(",").map((b) => b.trim()).filter((b) => b);
  const unknown = configurations.find((b) => !CONFIGURATIONS.includes(b));
  if (unknown !== undefined) {
    cli.fail(`'--backends' must list ${CONFIGURATIONS.join(", ")}: current value has ${unknown}`);
  }
  const python = await torchPython();
  const names = [...configurations, ...(python ? ["PyTorch"] : [])];
  // samples[threads][model][configuration]: one value per round.
  const samples: Record<number, Record<string, Record<string, number[]>>> = {};
  for (let round = 0; round < rounds; round++) {
    for (const threads of threadCounts) {
      for (const [i, w] of workloads.entries()) {
        const byName = (samples[threads] ??= {})[w.name] ??= {};
        for (const name of names) {
          const speed = name === "PyTorch"
            ? await torchSpeed(python!, w.name.startsWith("U-Net") ? "unet" : "cnn", steps, threads)
            : await measured(name, i, steps, threads);
          (byName[name] ??= []).push(speed);
        }
      }
    }
  }
  console.log(
    `training speed, samples/s (median of ${rounds} interleaved rounds, ${steps} steps; ` +
      `wasm, oneDNN and PyTorch on the same threads)`,
  );
  const results = threadCounts.flatMap((threads) =>
    workloads.map((w) => {
      const medians = Object.fromEntries(
        Object.entries(samples[threads][w.name]).map(([name, xs]) => [name, median(xs)]),
      );
      const torch = medians.PyTorch;
      const ratios = torch
        ? Object.fromEntries(configurations.map((c) => [`${c}/PyTorch`, medians[c] / torch]))
        : {};
      const speeds = Object.entries(medians).map(([name, v]) => `${name} ${v.toPrecision(3)}`);
      const shown = torch
        ? configurations.map((c) => `${c}/PyTorch ${ratio(medians[c], torch)}`).join(", ")
        : "PyTorch not installed (apt-get install python3-torch)";
      console.log(
        `  ${threads} thread${threads > 1 ? "s" : ""}, ${w.name}: ${speeds.join(", ")} | ${shown}`,
      );
      return { threads, model: w.name, samplesPerSecond: medians, ratios };
    })
  );
  await Deno.mkdir("out/bench", { recursive: true });
  const file = "out/bench/training.json";
  await Deno.writeTextFile(
    file,
    JSON.stringify({ date: new Date().toISOString(), rounds, steps, results }, null, 2),
  );
  console.log(`written: ${file}`);
}

reportErrors();
await main();
