/**
 * The native kernels on a stand-in oneDNN (`tests/fixtures/onednn_stand_in.c`, the real library
 * with failures on demand and its objects counted), in a process started as a notebook's kernel
 * starts the course. `COURSE_ONEDNN` names the stand-in. Prints one JSON line.
 *
 * ```
 * deno run -A tests/native/stand_in.ts training   # a oneDNN call fails in the middle of an epoch
 * deno run -A tests/native/stand_in.ts cache      # more shapes than the cache keeps
 * ```
 *
 * @module
 */
import { backendLine } from "../../lib/backend/init.ts";
import { CACHED_OPERATIONS } from "../../lib/backend/native_cache.ts";
import { fit, init, tf } from "@course/lib";

const standIn = Deno.dlopen(Deno.env.get("COURSE_ONEDNN")!, {
  stand_in_fail_next: { parameters: ["i32"], result: "void" },
  stand_in_failing: { parameters: [], result: "i32" },
  stand_in_live_primitives: { parameters: [], result: "i64" },
  stand_in_live_memories: { parameters: [], result: "i64" },
}).symbols;

/** What the backend holds: tensors, and buffers on the wasm heap (a kernel's lost output shows). */
const held = () => ({ tensors: tf.memory().numTensors, buffers: tf.engine().backend.numDataIds() });

/**
 * A small CNN trained for three epochs of four batches; in the first epoch, after its second batch,
 * the next oneDNN call fails. Every epoch must finish, with a finite loss.
 */
async function training() {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [16, 16, 1], filters: 8, kernelSize: 3, padding: "same" }),
      tf.layers.batchNormalization(),
      tf.layers.reLU(),
      tf.layers.flatten(),
      tf.layers.dense({ units: 3, activation: "softmax" }),
    ],
  });
  const x = tf.randomNormal([64, 16, 16, 1], 0, 1, "float32", 1);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: 64 }, (_, i) => i % 3), "int32"), 3);
  const epochs: { loss: number; held: ReturnType<typeof held> }[] = [];
  await fit(model, { x, y }, {
    loss: "categoricalCrossEntropy",
    epochs: 3,
    batchSize: 16,
    callbacks: [{
      onBatchEnd: (batch, _logs, context) => {
        if (context.history.length === 0 && batch === 1) standIn.stand_in_fail_next(1);
      },
      onEpochEnd: (_epoch, logs) => void epochs.push({ loss: logs.loss, held: held() }),
    }],
  });
  return { epochs, failing: standIn.stand_in_failing() };
}

/**
 * Element-wise sums of twice as many shapes as the cache keeps (each built as a oneDNN primitive),
 * then the first shape again: the objects oneDNN holds stay bounded, and the evicted shape is built
 * anew and computes right.
 */
async function cache() {
  const sum = async (n: number) => {
    const a = tf.fill([n], 1.5), b = tf.fill([n], 2);
    const c = tf.add(a, b);
    const values = await c.data();
    tf.dispose([a, b, c]);
    return values;
  };
  let most = 0;
  for (let i = 0; i < 2 * CACHED_OPERATIONS; i++) {
    await sum(4096 + i);
    most = Math.max(most, Number(standIn.stand_in_live_primitives()));
  }
  const again = await sum(4096);
  return {
    bound: CACHED_OPERATIONS,
    shapes: 2 * CACHED_OPERATIONS,
    mostPrimitives: most,
    primitives: Number(standIn.stand_in_live_primitives()),
    memories: Number(standIn.stand_in_live_memories()),
    again: [again.length, again[0], again[4095]],
  };
}

if (import.meta.main) {
  const choice = await init({ quiet: true });
  const result = Deno.args[0] === "cache" ? await cache() : await training();
  console.log(JSON.stringify({ line: backendLine(choice), ...result }));
  Deno.exit(0);
}
