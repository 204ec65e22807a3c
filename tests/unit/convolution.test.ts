import { beforeAll, expect, test } from "vitest";
import {
  conv2d,
  convOutputSize,
  gaussian,
  init,
  pool2d,
  receptiveField,
  seededRandom,
  tf,
} from "@course/lib";

beforeAll(async () => {
  await init({ backend: "cpu", quiet: true });
});

const slideImage = [
  [1, 1, 1, 0, 0],
  [0, 1, 1, 1, 0],
  [0, 0, 1, 1, 1],
  [0, 0, 1, 1, 0],
  [0, 1, 1, 0, 0],
];
const slideKernel = [[1, 0, 1], [0, 1, 0], [1, 0, 1]];
/** Deck 004's pooling example ("Pooling layers reduce the layer size"), row by row. */
const poolSlide = [[3, 15, 1, 13], [9, 7, 0, 10], [11, 5, 5, 3], [1, 8, 9, 6]];

test("the slides' 5×5 image and 3×3 kernel give 4 at the first position (the whole map by hand)", () => {
  expect(conv2d(slideImage, slideKernel)).toEqual([[4, 3, 4], [2, 4, 3], [2, 3, 4]]);
});

test("the slides' 4×4 pooling example: the slide's maximal values, and its averages to one decimal", () => {
  expect(pool2d(poolSlide)).toEqual([[15, 13], [11, 9]]);
  const averages = pool2d(poolSlide, { mode: "average" });
  expect(averages.map((row) => row.map((v) => v.toFixed(1)))).toEqual([["8.5", "6.0"], [
    "6.3",
    "5.8",
  ]]);
  expect(pool2d(poolSlide, { size: 3, stride: 1 })).toEqual([[15, 15], [11, 10]]);
});

test("conv2d by hand equals tf.conv2d with stride, padding and dilation", () => {
  const random = seededRandom(4);
  const image = Array.from({ length: 9 }, () => Array.from({ length: 8 }, () => gaussian(random)));
  const kernel = Array.from({ length: 3 }, () => Array.from({ length: 3 }, () => gaussian(random)));
  for (
    const [stride, padding, dilation] of [[1, 0, 1], [2, 1, 1], [1, 1, 2], [1, 0, 3], [3, 2, 1]]
  ) {
    const ours = conv2d(image, kernel, { stride, padding, dilation });
    const theirs = tf.tidy(() => {
      const x = tf.tensor4d(image.flat(), [1, 9, 8, 1]).pad([[0, 0], [padding, padding], [
        padding,
        padding,
      ], [0, 0]]) as tf.Tensor4D;
      const w = tf.tensor4d(kernel.flat(), [3, 3, 1, 1]);
      return tf.conv2d(x, w, stride, "valid", "NHWC", dilation).squeeze().arraySync() as number[][];
    });
    expect(ours.length, `${stride}/${padding}/${dilation}`).toBe(theirs.length);
    ours.flat().forEach((v, i) => expect(v).toBeCloseTo(theirs.flat()[i], 5));
  }
});

test("output sizes follow ⌊(n + 2p − d(k − 1) − 1)/s⌋ + 1, and impossible windows say why", () => {
  expect(convOutputSize(5, 3)).toBe(3);
  expect(convOutputSize(28, 3, { padding: 1 })).toBe(28);
  expect(convOutputSize(7, 3, { stride: 2 })).toBe(3);
  expect(convOutputSize(7, 3, { dilation: 2 })).toBe(3);
  expect(() => convOutputSize(2, 5)).toThrow(
    "Cannot slide a 5-wide kernel (dilation 1) over 2 pixels with padding 0 as the output must have at least one pixel: current size is -2",
  );
});

test("the receptive field is the square of input pixels that reach the first output (impulses)", () => {
  const stacks = [
    [{ kernel: 3 }, { kernel: 3 }],
    [{ kernel: 3 }, { kernel: 2, stride: 2 }, { kernel: 3 }],
    [{ kernel: 3, dilation: 2 }, { kernel: 5 }],
    [{ kernel: 3, stride: 2 }, { kernel: 3, stride: 2 }, { kernel: 3 }],
  ];
  /** Whether a single 1 at (row, col) changes the stack's first output (kernels of ones). */
  const reaches = (stack: typeof stacks[number], row: number, col: number) => {
    let y: number[][] = Array.from(
      { length: 24 },
      (_, r) => Array.from({ length: 24 }, (_, c) => r === row && c === col ? 1 : 0),
    );
    for (
      const { kernel, stride, dilation } of stack as {
        kernel: number;
        stride?: number;
        dilation?: number;
      }[]
    ) {
      const ones = Array.from({ length: kernel }, () => Array(kernel).fill(1));
      y = conv2d(y, ones, { stride, dilation });
    }
    return y[0][0] !== 0;
  };
  for (const stack of stacks) {
    const field = receptiveField(stack);
    expect(reaches(stack, field - 1, field - 1), JSON.stringify(stack)).toBe(true);
    expect(reaches(stack, field, 0) || reaches(stack, 0, field), JSON.stringify(stack)).toBe(false);
  }
});
