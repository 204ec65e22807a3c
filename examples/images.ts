/**
 * What the examples ask of an image before they train on it.
 *
 * @module
 */
import type { ImageValues } from "../lib/imaging/image_file.ts";
import type { CommandLine } from "../contract/command_line.ts";

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
