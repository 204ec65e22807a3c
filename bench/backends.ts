/**
 * Matrix multiplication speed of the backends available here, and their ratio to the CPU backend.
 *
 * ```
 * ./node_modules/.bin/deno run -A bench/backends.ts [--size 256] [--repeats 20]
 * ```
 *
 * @module
 */
import { init, tf } from "@course/lib";
import { BACKENDS } from "../contract/settings.ts";
import { commandLine, reportErrors } from "../contract/command_line.ts";

reportErrors();
const cli = commandLine({
  name: "bench",
  verb: "benchmark the backends",
  usage: "[--size 256] [--repeats 20]",
  options: { size: "256", repeats: "20" },
}, Deno.args);
const [size, repeats] = [cli.count("size", 1), cli.count("repeats", 1)];
const flops = 2 * size ** 3;

async function gflops(configuration: string): Promise<number | undefined> {
  const [backend, native] = configuration.split("+") as [(typeof BACKENDS)[number], string?];
  try {
    const choice = await init({ backend, native: native !== undefined, quiet: true });
    if (native && !choice.native) return undefined;
  } catch {
    return undefined; // not available on this machine
  }
  const a = tf.randomNormal([size, size]), b = tf.randomNormal([size, size]);
  const times: number[] = [];
  // Three warm-up runs (shader compilation, allocation), then the median of the timed ones.
  for (let i = 0; i < repeats + 3; i++) {
    const started = performance.now();
    const c = tf.matMul(a, b);
    await c.data();
    c.dispose();
    if (i >= 3) times.push((performance.now() - started) / 1000);
  }
  tf.dispose([a, b]);
  const median = times.sort((x, y) => x - y)[Math.floor(times.length / 2)];
  return flops / median / 1e9;
}

const results = new Map<string, number | undefined>();
// The wasm backend first without the native kernels, so that it starts with its own threads.
for (const c of [...BACKENDS, "wasm+native"]) results.set(c, await gflops(c));
const cpu = results.get("cpu")!;
console.log(`matMul ${size}×${size}, median of ${repeats} runs`);
for (const [backend, value] of results) {
  console.log(
    value === undefined
      ? `  ${backend.padEnd(11)} not available`
      : `  ${backend.padEnd(11)} ${value.toFixed(2).padStart(8)} GFLOP/s  ${
        (value / cpu).toFixed(1).padStart(6)
      }× cpu`,
  );
}
