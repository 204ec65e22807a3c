/**
 * What the examples (`deno task denoise`, `deno task segment`) share: the training options they
 * take, and what they ask of an image before they train on it.
 *
 * @module
 */
import type { ImageValues } from "../lib/imaging/image_file.ts";
import { type CommandLine, commandLine, type CommandSpec } from "../contract/command_line.ts";

/** The smallest side a U-Net of the examples trains on: one 16×16 patch. */
const SMALLEST = 16;

/**
 * The image, if both its sides are at least 16 pixels; else the command fails naming the file.
 *
 * @example
 * ```ts
 * import { commandLine } from "../contract/command_line.ts";
 * import { checkImageSize } from "./images.ts";
 * const cli = commandLine({ name: "denoise", verb: "denoise", usage: "", options: {} }, []);
 * checkImageSize(cli, { values: new Float32Array(32 * 32), shape: [32, 32] }, "a.tif");
 * ```
 */
export function checkImageSize(cli: CommandLine, image: ImageValues, path: string): ImageValues {
  if (Math.min(...image.shape) < SMALLEST) {
    cli.fail(
      `'${path}' must be at least ${SMALLEST}×${SMALLEST} pixels: it is ${image.shape.join("×")}`,
    );
  }
  return image;
}

/** How an example trains: patches per epoch, epochs and the seed of everything random. */
export interface Training {
  /** How many patches to train on. */
  patches: number;
  /** How many passes over them. */
  epochs: number;
  /** The seed of the patches, their augmentation and the model's weights. */
  seed: number;
}

/**
 * Parses a training example's command line: its own arguments and options, and the training
 * options both examples take (`--patches`, `--epochs`, `--seed 0`) with the example's defaults,
 * checked.
 *
 * @example
 * ```ts
 * import { trainingCommand } from "./images.ts";
 * const { cli, training } = trainingCommand(
 *   { name: "denoise", verb: "denoise", usage: "<image>", positionals: [1, 1], options: {} },
 *   { patches: 400, epochs: 3 },
 *   ["a.tif", "--epochs", "2"],
 * );
 * training; // { patches: 400, epochs: 2, seed: 0 }
 * ```
 */
export function trainingCommand(
  spec: CommandSpec,
  defaults: { patches: number; epochs: number },
  args: string[],
): { cli: CommandLine; training: Training } {
  const cli = commandLine({
    ...spec,
    usage: `${spec.usage} [--patches N] [--epochs N] [--seed N]`,
    options: {
      ...spec.options,
      patches: String(defaults.patches),
      epochs: String(defaults.epochs),
      seed: "0",
    },
  }, args);
  const training = {
    patches: cli.count("patches", 1),
    epochs: cli.count("epochs", 1),
    seed: cli.count("seed"),
  };
  return { cli, training };
}

/**
 * The side of the square training patches: the largest power of two that fits the image, at most
 * `largest`.
 *
 * @example
 * ```ts
 * import { patchSide } from "./images.ts";
 * patchSide([100, 40], 64); // 32
 * ```
 */
export function patchSide(shape: readonly number[], largest: number): number {
  return Math.min(largest, ...shape.map((side) => 2 ** Math.floor(Math.log2(side))));
}

/**
 * An image file's path without its extension, where the outputs' names start.
 *
 * @example
 * ```ts
 * import { stemOf } from "./images.ts";
 * stemOf("cells/a.tif"); // "cells/a"
 * ```
 */
export function stemOf(path: string): string {
  return path.replace(/\.(tiff?|png)$/i, "");
}
