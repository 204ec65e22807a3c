/**
 * Used by lessons 09–11.
 *
 * Real microscopy and test images shipped with the course: DSB 2018 fluorescence nuclei with their
 * instance mask, another nuclei image without mask, and scikit-image's camera and cell images.
 *
 * @module
 */
import { readImage, tf } from "@course/lib";
import { describeTable, type Description } from "./describe.ts";
import { dataFile } from "./shipped.ts";

/** A shipped grey image as a [height, width] tensor of its values. */
const shipped = (name: string) => readImage(dataFile(name));

/**
 * The DSB 2018 nuclei image (512×512, fluorescence, values 0–235 stored as uint16) and its instance
 * mask (0 = background, 1…N = one nucleus each; about 125 nuclei).
 *
 * @example
 * ```ts
 * import { loadNuclei } from "@course/datasets";
 * const { image, labels } = await loadNuclei(); // [512, 512] float32 and int32
 * ```
 */
export async function loadNuclei(): Promise<{ image: tf.Tensor2D; labels: tf.Tensor2D }> {
  const image = await shipped("dsb2018_nuclei_img2d.tif");
  const mask = await shipped("dsb2018_nuclei_mask2d.tif");
  const labels = mask.toInt() as tf.Tensor2D;
  mask.dispose();
  return { image, labels };
}

/**
 * Another DSB 2018 nuclei image (256×256, 8-bit), without mask: for inference and Noise2Void demos.
 *
 * @example
 * ```ts
 * import { loadNucleiTestImage } from "@course/datasets";
 * const image = await loadNucleiTestImage(); // [256, 256]
 * ```
 */
export function loadNucleiTestImage(): Promise<tf.Tensor2D> {
  return shipped("dsb2018_test_image.tif");
}

/**
 * scikit-image's "camera" (512×512, 8-bit grey): a classic test image for denoising.
 *
 * @example
 * ```ts
 * import { loadCamera } from "@course/datasets";
 * const camera = await loadCamera(); // [512, 512], values 0–255
 * ```
 */
export function loadCamera(): Promise<tf.Tensor2D> {
  return shipped("camera.png");
}

/**
 * scikit-image's "cell" (660×550 quantitative phase image, 8-bit grey).
 *
 * @example
 * ```ts
 * import { loadCell } from "@course/datasets";
 * const cell = await loadCell(); // [660, 550]
 * ```
 */
export function loadCell(): Promise<tf.Tensor2D> {
  return shipped("cell.png");
}

/** The shipped images' descriptions. */
export const MICROSCOPY_DESCRIPTIONS: Description[] = [
  {
    name: "DSB 2018 nuclei (image and instance mask)",
    sizes: { image: "512×512", mask: "512×512, 125 nuclei" },
    values: "image 0–235 (uint16 file); mask 0 = background, 1–125 = nuclei",
    source: "2018 Kaggle Data Science Bowl (BBBC038), as redistributed in the StarDist repository",
    licence: "data CC0; StarDist repository BSD-3-Clause",
  },
  {
    name: "DSB 2018 nuclei test image",
    sizes: { image: "256×256" },
    values: "9–255 (uint8)",
    source: "StarDist repository (BBBC038)",
    licence: "CC0",
  },
  {
    name: "camera and cell",
    sizes: { camera: "512×512", cell: "660×550" },
    values: "0–255 (uint8)",
    source: "scikit-image sample data (Debian package python3-skimage)",
    licence: "camera public domain; cell CC0",
  },
];

/**
 * The shipped images' sizes, values, sources and licences, as tables.
 *
 * @example
 * ```ts
 * import { describeMicroscopy } from "@course/datasets";
 * describeMicroscopy();
 * ```
 */
export function describeMicroscopy() {
  return MICROSCOPY_DESCRIPTIONS.map(describeTable);
}
