/**
 * Used by lessons 05–12; by `deno task denoise`, `deno task segment` and `deno task train:base`.
 *
 * Saving and loading tfjs models to and from a folder on disk: `model.json` (architecture and
 * weight manifest) and `weights.bin`, the layout of tfjs's own `file://` handler in Node.js.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { writeFileAtomic } from "../../contract/files.ts";

const MODEL_FILE = "model.json", WEIGHTS_FILE = "weights.bin";

function concatenate(data: ArrayBuffer | ArrayBuffer[] | undefined): Uint8Array {
  const parts = data === undefined ? [] : Array.isArray(data) ? data : [data];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(new Uint8Array(part), offset);
    offset += part.byteLength;
  }
  return out;
}

/**
 * Saves a model to a folder (created if needed). The weights are written before the model file, each
 * through a temporary file, so a crash never leaves a model.json that points at missing weights.
 *
 * @example
 * ```ts
 * import { saveModel, tf } from "@course/lib";
 * const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 1 })] });
 * await saveModel(model, "out/models/tiny");
 * ```
 */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    await writeFileAtomic(join(dir, WEIGHTS_FILE), concatenate(artifacts.weightData));
    const json = {
      modelTopology: artifacts.modelTopology,
      format: artifacts.format,
      generatedBy: artifacts.generatedBy,
      convertedBy: artifacts.convertedBy,
      trainingConfig: artifacts.trainingConfig,
      weightsManifest: [{ paths: [`./${WEIGHTS_FILE}`], weights: artifacts.weightSpecs }],
    };
    await writeFileAtomic(join(dir, MODEL_FILE), JSON.stringify(json));
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
  }));
}

/**
 * Loads a model saved by {@linkcode saveModel} (or by tfjs-node's `file://` handler).
 *
 * @example
 * ```ts
 * import { loadModel } from "@course/lib";
 * const model = await loadModel("out/models/tiny");
 * ```
 */
export async function loadModel(dir: string): Promise<tf.LayersModel> {
  let json: {
    modelTopology: tf.io.ModelArtifacts["modelTopology"];
    weightsManifest: tf.io.WeightsManifestConfig;
    format?: string;
    generatedBy?: string;
    convertedBy?: string | null;
  };
  try {
    json = JSON.parse(await Deno.readTextFile(join(dir, MODEL_FILE)));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        `Cannot load a model from ${dir} as it has no ${MODEL_FILE}: save one there first`,
      );
    }
    throw error;
  }
  const weightSpecs = json.weightsManifest.flatMap((group) => group.weights);
  const buffers = await Promise.all(
    json.weightsManifest.flatMap((group) => group.paths).map((p) => Deno.readFile(join(dir, p))),
  );
  const weightData = concatenate(buffers.map((b) => b.slice().buffer)).buffer;
  return await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology,
    weightSpecs,
    weightData,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
  }));
}
