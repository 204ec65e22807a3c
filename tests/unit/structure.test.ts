import { expect, test } from "vitest";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../contract/files.ts";
import { DENO } from "../helpers.ts";

/** Every module a command's entry file loads, as `deno info --json` lists them. */
async function modulesOf(entry: string): Promise<string[]> {
  const { code, stdout, stderr } = await new Deno.Command(DENO, {
    args: ["info", "--json", entry],
    cwd: PROJECT_ROOT,
  }).output();
  if (code !== 0) throw new Error(new TextDecoder().decode(stderr));
  const info = JSON.parse(new TextDecoder().decode(stdout));
  return [
    ...info.modules.map((m: { specifier: string }) => m.specifier),
    ...Object.keys(info.npmPackages ?? {}),
  ];
}

test.each([
  "kernel/run.ts",
  "kernel/release.ts",
  "kernel/grade.ts",
  "kernel/install.ts",
  "kernel/doctor.ts",
  "kernel/new.ts",
  "kernel/setup.ts",
  "kernel/course.ts",
  "kernel/check.ts",
  "kernel/hub.ts",
  "kernel/hub/first_start.ts",
  "kernel/collect.ts",
  "kernel/exercises/task.ts",
])(
  "the tool %s loads no TensorFlow.js, only the contract",
  async (entry) => {
    const modules = await modulesOf(entry);
    expect(modules.some((m) => m.endsWith("/contract/files.ts"))).toBe(true);
    expect(
      modules.filter((m) =>
        m.includes("@tensorflow") || m.startsWith(`file://${PROJECT_ROOT}/lib/`)
      ),
    ).toEqual([]);
  },
);

test("the guard sees TensorFlow.js where it is: the library's probe loads it", async () => {
  const modules = await modulesOf("kernel/probe.ts");
  expect(modules.some((m) => m.includes("@tensorflow/tfjs"))).toBe(true);
});

test("lib/mod.ts names what it exports: no 'export *'", async () => {
  const source = await Deno.readTextFile(join(PROJECT_ROOT, "lib", "mod.ts"));
  expect(source.match(/^export \*/gm)).toBeNull();
});

test("the library's public names (a change to them is deliberate)", async () => {
  const lib = await import("@course/lib");
  expect(Object.keys(lib).sort()).toEqual([
    "ACTIVATIONS",
    "AdaGrad",
    "Adam",
    "CheckFailure",
    "Dense",
    "JUPYTER_DISPLAY",
    "LOSSES",
    "MLP",
    "McCullochPitts",
    "Momentum",
    "Nesterov",
    "NotDoneError",
    "OPTIMIZERS",
    "Perceptron",
    "ProgressBar",
    "RMSProp",
    "Rich",
    "SGD",
    "allInputs",
    "applyTransform",
    "augmentPair",
    "binaryCrossEntropy",
    "check",
    "checkpoint",
    "confusionMatrixPlot",
    "connectedComponents",
    "conv2d",
    "convBlock",
    "convOutputSize",
    "cosineDecay",
    "decisionBoundary",
    "downBlock",
    "dropout",
    "earlyStopping",
    "elu",
    "evaluate",
    "expectClose",
    "expectEqual",
    "expectShape",
    "exponentialDecay",
    "fashionCnn",
    "fit",
    "gaussian",
    "gaussianBlur",
    "gaussianNoise",
    "gelu",
    "gradientCheck",
    "heatmap",
    "histogram",
    "image",
    "imageGrid",
    "init",
    "integer",
    "labelColours",
    "leakyRelu",
    "learningRateSchedule",
    "lenet",
    "linePlot",
    "livePlot",
    "loadModel",
    "lossSurface",
    "losses",
    "lstmSequence",
    "lstmStep",
    "maxout",
    "medianFilter",
    "metrics",
    "mse",
    "n2vLoss",
    "n2vMask",
    "n2vPatches",
    "nonMaximumSuppression",
    "numberOf",
    "numericalGradient",
    "objectCentres",
    "objectProbabilities",
    "optimizer",
    "otsuThreshold",
    "overlay",
    "percentile",
    "percentileNormalise",
    "plot",
    "poissonGaussianNoise",
    "poissonNoise",
    "polygonOverlap",
    "polygonsToLabels",
    "pool2d",
    "predictImage",
    "predictTiled",
    "progress",
    "progressBar",
    "randomInputs",
    "randomTransform",
    "rasterisePolygon",
    "rayDirections",
    "read",
    "readImage",
    "receptiveField",
    "reduceOnPlateau",
    "relativeError",
    "relu",
    "report",
    "residualBlock",
    "runCheck",
    "samplePatches",
    "saveHtml",
    "saveModel",
    "scatterByClass",
    "seededRandom",
    "settings",
    "show",
    "shuffled",
    "sigmoid",
    "silu",
    "softmax",
    "softmaxCrossEntropy",
    "softplus",
    "splitIndices",
    "standardise",
    "starDistCandidates",
    "starDistInstances",
    "starDistNet",
    "starDistPatches",
    "starDistTargets",
    "starDistances",
    "starPolygon",
    "stepDecay",
    "stitchTiles",
    "summary",
    "table",
    "tanh",
    "tf",
    "tileImage",
    "trainingPatches",
    "truthTable",
    "unet",
    "unetFeatures",
    "unetReceptiveField",
    "uniform",
    "upBlock",
    "weightedSampler",
    "writeTiff",
  ]);
});

test("no source module is over 400 lines", async () => {
  const long: string[] = [];
  for (const room of ["contract", "lib", "kernel", "datasets", "examples", "bench"]) {
    const walk = async (dir: string): Promise<void> => {
      for await (const entry of Deno.readDir(join(PROJECT_ROOT, dir))) {
        const path = join(dir, entry.name);
        if (entry.isDirectory) await walk(path);
        else if (path.endsWith(".ts")) {
          const lines = (await Deno.readTextFile(join(PROJECT_ROOT, path))).split("\n").length;
          if (lines > 401) long.push(`${path}: ${lines}`);
        }
      }
    };
    await walk(room);
  }
  expect(long).toEqual([]);
});

test("deno doc --lint finds nothing to fix in the library's own files", async () => {
  const { stderr } = await new Deno.Command(DENO, {
    args: ["doc", "--lint", "lib/mod.ts"],
    cwd: PROJECT_ROOT,
    env: { NO_COLOR: "1" },
  }).output();
  // Its problems in TensorFlow.js's own declarations are tfjs's to fix; so is a type that tfjs
  // exports only inside a namespace (`tf.layers.Layer`), which deno doc takes for a private one:
  // its declaration, quoted under the error, is a package's `export declare`, never ours.
  const problems = new TextDecoder().decode(stderr).split(/\n(?=error\[)/)
    .filter((p) => !/^error\[private-type-ref\][^]*\| export declare /.test(p));
  const places = problems.flatMap((p) => [...p.matchAll(/--> (\S+):\d+:\d+/g)])
    .map((m) => m[1]).filter((file) => !file.includes("/node_modules/"));
  expect(places).toEqual([]);
});

test("the README's layout table names every room of the tree, and only rooms that exist", async () => {
  const readme = await Deno.readTextFile(join(PROJECT_ROOT, "README.md"));
  const layout = readme.slice(readme.indexOf("## Layout"), readme.indexOf("## Development"));
  const listed = [...layout.matchAll(/^\| `([^`]+)`/gm)].map((m) => m[1]);
  const folders = async (dir: string) => {
    const names: string[] = [];
    for await (const entry of Deno.readDir(join(PROJECT_ROOT, dir))) {
      // Dependencies, outputs and hidden folders are not rooms of the house.
      const room = entry.isDirectory && !/^(\.|node_modules$|out$)/.test(entry.name);
      if (room) names.push(`${dir ? `${dir}/` : ""}${entry.name}/`);
    }
    return names;
  };
  const rooms = [...await folders(""), ...await folders("lib"), ...await folders("kernel")];
  expect(rooms.filter((room) => !listed.includes(room)).sort()).toEqual([]);
  const missing = [];
  for (const path of listed) {
    if (!await Deno.stat(join(PROJECT_ROOT, path)).catch(() => undefined)) missing.push(path);
  }
  expect(missing).toEqual([]);
});
