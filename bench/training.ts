/**
 * Training speed of the course's models on every available backend, and against PyTorch on the same
 * CPU threads when Debian's `python3-torch` is installed.
 *
 * ```
 * ./node_modules/.bin/deno run -A bench/training.ts [--rounds 3] [--steps 10] [--backends wasm,cpu,webgpu]
 *   [--threads N]
 * ```
 *
 * Models: a U-Net (2 levels, 16 base filters, batch norm, transposed convolutions) at batch 8 on
 * 64×64×1, and the Fashion-MNIST CNN (conv 32, pool, conv 64, pool, dense 128, dense 10) at batch 64.
 * Each configuration runs `rounds` times, interleaved with the others; the medians are printed with
 * their ratios and written to `out/bench/training-<N>-threads.json`. The wasm backend and PyTorch get
 * the same number of threads (default: one per core); the cpu and WebGPU backends use one.
 *
 * @module
 */
import { fashionCnn, init, tf, unet } from "@course/lib";
import { BACKENDS } from "../contract/settings.ts";
import { commandLine, reportErrors } from "../contract/command_line.ts";

reportErrors();
const cli = commandLine({
  name: "bench",
  verb: "benchmark training",
  usage: "[--rounds N] [--steps N] [--backends wasm,cpu,webgpu] [--threads N]",
  options: {
    rounds: "3",
    steps: "10",
    // The cpu backend needs minutes per U-Net step: leave it out for a quick comparison.
    backends: "wasm,cpu,webgpu",
    threads: String(navigator.hardwareConcurrency),
  },
}, Deno.args);
const [rounds, steps, threads] = [
  cli.count("rounds", 1),
  cli.count("steps", 1),
  cli.count("threads", 1),
];
// The wasm backend reads its thread count when it starts.
Deno.env.set("COURSE_THREADS", String(threads));

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

/** Samples per second of `n` Adam steps, after `warmUp` steps. */
async function tfjsSpeed(backend: string, w: Workload, n: number, warmUp: number): Promise<number> {
  await init({ backend: backend as "wasm", quiet: true });
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

async function torchSpeed(python: string, which: string, n: number): Promise<number> {
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

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const backends = cli.text("backends")!.split(",").map((b) => b.trim()).filter((b) => b);
const unknown = backends.find((b) => !(BACKENDS as readonly string[]).includes(b));
if (unknown !== undefined) {
  cli.fail(`'--backends' must list ${BACKENDS.join(", ")}: current value has ${unknown}`);
}
const python = await torchPython();
const samples: Record<string, Record<string, number[]>> = {};
for (let round = 0; round < rounds; round++) {
  for (const w of workloads) {
    samples[w.name] ??= {};
    for (const backend of backends) {
      // cpu, and WebGPU on a software adapter, take seconds to minutes per U-Net step: one warm-up
      // and one timed step keep the run short.
      const [n, warmUp] = backend === "wasm" ? [steps, 2] : [1, 1];
      (samples[w.name][backend] ??= []).push(await tfjsSpeed(backend, w, n, warmUp));
    }
    if (python) {
      (samples[w.name]["PyTorch"] ??= []).push(
        await torchSpeed(python, w.name.startsWith("U-Net") ? "unet" : "cnn", steps),
      );
    }
  }
}

const results = Object.entries(samples).map(([model, byBackend]) => {
  const medians = Object.fromEntries(Object.entries(byBackend).map(([b, xs]) => [b, median(xs)]));
  const ratios = medians.PyTorch
    ? Object.fromEntries(backends.map((b) => [`${b}/PyTorch`, medians[b] / medians.PyTorch]))
    : {};
  return { model, samplesPerSecond: medians, ratios };
});
console.log(
  `training speed, samples/s (median of ${rounds} interleaved rounds, ${steps} steps; ` +
    `wasm and PyTorch on ${threads} thread${threads > 1 ? "s" : ""})`,
);
for (const r of results) {
  const speeds = Object.entries(r.samplesPerSecond).map(([b, v]) => `${b} ${v.toPrecision(3)}`)
    .join(
      ", ",
    );
  const ratios = Object.entries(r.ratios).map(([k, v]) => `${k} ${v.toPrecision(2)}×`).join(", ");
  console.log(
    `  ${r.model}: ${speeds}${
      ratios ? ` | ${ratios}` : " | PyTorch not installed (apt-get install python3-torch)"
    }`,
  );
}
await Deno.mkdir("out/bench", { recursive: true });
const file = `out/bench/training-${threads}-threads.json`;
await Deno.writeTextFile(
  file,
  JSON.stringify({ date: new Date().toISOString(), rounds, steps, threads, results }, null, 2),
);
console.log(`written: ${file}`);
