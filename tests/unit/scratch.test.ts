import { beforeAll, describe, expect, test } from "vitest";
import {
  ACTIVATIONS,
  AdaGrad,
  Adam,
  allInputs,
  binaryCrossEntropy,
  Dense,
  elu,
  gaussian,
  gelu,
  gradientCheck,
  init,
  leakyRelu,
  maxout,
  MLP,
  Momentum,
  mse,
  Nesterov,
  numericalGradient,
  type Optimizer,
  Perceptron,
  relativeError,
  relu,
  RMSProp,
  seededRandom,
  SGD,
  shuffled,
  sigmoid,
  silu,
  softmax,
  softmaxCrossEntropy,
  softplus,
  tanh,
  tf,
} from "@course/lib";

beforeAll(async () => {
  await init({ backend: "cpu", quiet: true });
});

describe("random", () => {
  test("a seed gives the same sequence; shuffling permutes", () => {
    expect(seededRandom(42)()).toBe(0.6011037519201636);
    const a = seededRandom(3), b = seededRandom(3);
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
    const items = [1, 2, 3, 4, 5, 6, 7, 8];
    const mixed = shuffled(items, seededRandom(1));
    expect(mixed).not.toEqual(items);
    expect([...mixed].sort()).toEqual(items);
    expect(() => seededRandom(0.5)).toThrow("'seed' must be an integer: current value is 0.5");
  });

  test("gaussian numbers have the asked mean and standard deviation", () => {
    const random = seededRandom(5);
    const xs = Array.from({ length: 20_000 }, () => gaussian(random, 2, 3));
    const mean = xs.reduce((a, b) => a + b) / xs.length;
    const std = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / xs.length);
    expect(Math.abs(mean - 2)).toBeLessThan(0.05);
    expect(Math.abs(std - 3)).toBeLessThan(0.05);
  });
});

describe("perceptron", () => {
  test("Rosenblatt's rule, by hand: the first epoch on AND", () => {
    const p = new Perceptron(2);
    const [first] = p.train(allInputs(2), [0, 0, 0, 1], { epochs: 1 });
    // (0,0)→1 but 0 wanted: b = −1. (0,1), (1,0) right. (1,1)→0 but 1 wanted: w = (1,1), b = 0.
    expect(first).toEqual({ epoch: 1, weights: [1, 1], bias: 0, errors: 2 });
  });

  test("learns AND and OR, and never XOR", () => {
    for (const [name, targets] of [["AND", [0, 0, 0, 1]], ["OR", [0, 1, 1, 1]]] as const) {
      const p = new Perceptron(2);
      const history = p.train(allInputs(2), [...targets]);
      expect(history.at(-1)!.errors, name).toBe(0);
      expect(allInputs(2).map((x) => p.predict(x)), name).toEqual(targets);
    }
    const xor = new Perceptron(2).train(allInputs(2), [0, 1, 1, 0], { epochs: 200 });
    expect(xor.length).toBe(200);
    expect(xor.every((e) => e.errors > 0)).toBe(true);
  });

  test("wrong sizes are refused", () => {
    expect(() => new Perceptron(2).predict([1])).toThrow("must have 2 values: current value has 1");
    expect(() => new Perceptron(2).train([[0, 1]], [1, 0])).toThrow("1 inputs and 2 targets");
  });
});

describe("activations", () => {
  const zs = [-3, -1, -0.2, 0.3, 1, 2.5];

  test("known values", () => {
    expect(sigmoid.f(0)).toBe(0.5);
    expect(sigmoid.df(0)).toBe(0.25);
    expect(relu.df(0)).toBe(0);
    expect(softplus.f(0)).toBeCloseTo(Math.LN2, 15);
    expect(softplus.f(800)).toBe(800);
    expect(elu().f(-1)).toBeCloseTo(Math.exp(-1) - 1, 15);
    expect(silu.f(1)).toBeCloseTo(1 / (1 + Math.exp(-1)), 15);
    expect(gelu.f(1)).toBeCloseTo(0.8411919906, 9);
    expect(leakyRelu(0.2).f(-1)).toBeCloseTo(-0.2, 15);
    expect(maxout([0.5, 2, -1])).toEqual({ value: 2, grad: [0, 1, 0] });
  });

  test("each derivative equals the numerical slope", () => {
    for (const a of ACTIVATIONS) {
      for (const z of zs) {
        const numeric = (a.f(z + 1e-6) - a.f(z - 1e-6)) / 2e-6;
        expect(Math.abs(a.df(z) - numeric), `${a.name} at ${z}`).toBeLessThan(1e-7);
      }
    }
  });

  test("values and slopes equal tfjs's where tfjs has the function", () => {
    const pairs: [typeof sigmoid, (x: tf.Tensor) => tf.Tensor][] = [
      [sigmoid, tf.sigmoid],
      [tanh, tf.tanh],
      [relu, tf.relu],
      [leakyRelu(0.01), (x) => tf.leakyRelu(x, 0.01)],
      [elu(), tf.elu],
      [softplus, tf.softplus],
    ];
    for (const [a, op] of pairs) {
      const x = tf.tensor1d(zs);
      expect(relativeError(zs.map(a.f), Array.from(op(x).dataSync()), 1e-3), a.name).toBeLessThan(
        1e-5,
      );
      const slope = tf.grad((t: tf.Tensor) => op(t).sum())(x);
      expect(relativeError(zs.map(a.df), Array.from(slope.dataSync()), 1e-3), a.name).toBeLessThan(
        1e-5,
      );
    }
  });
});

describe("losses", () => {
  test("hand-computed values and gradients", () => {
    expect(mse.value([[1, 2]], [[0, 0]])).toBe(2.5);
    expect(mse.grad([[1, 2]], [[0, 0]])).toEqual([[1, 2]]);
    expect(binaryCrossEntropy.value([[0.9, 0.2]], [[1, 0]])).toBeCloseTo(
      -(Math.log(0.9) + Math.log(0.8)) / 2,
      12,
    );
    expect(softmax([0, Math.log(3)])).toEqual([0.25, 0.75]);
    expect(softmaxCrossEntropy.value([[0, Math.log(3)]], [[0, 1]])).toBeCloseTo(
      -Math.log(0.75),
      12,
    );
    expect(softmaxCrossEntropy.grad([[0, Math.log(3)]], [[0, 1]])).toEqual([[0.25, -0.25]]);
  });

  test("gradients equal numerical ones", () => {
    const y = [[0.3, 0.8, 0.1], [0.6, 0.2, 0.9]], t = [[0, 1, 0], [1, 0, 1]];
    for (const loss of [mse, binaryCrossEntropy, softmaxCrossEntropy]) {
      const analytic = loss.grad(y, t).flat();
      const numeric = y.flatMap((row) =>
        numericalGradient(() => loss.value(y, t), { value: row, grad: [] })
      );
      expect(relativeError(analytic, numeric), loss.name).toBeLessThan(1e-6);
    }
  });

  test("values equal tfjs's losses", () => {
    const y = [[0.3, 0.8, 0.1], [0.6, 0.2, 0.9]], t = [[0, 1, 0], [1, 0, 1]];
    const [yt, tt] = [tf.tensor2d(y), tf.tensor2d(t)];
    expect(mse.value(y, t)).toBeCloseTo(tf.losses.meanSquaredError(tt, yt).dataSync()[0], 6);
    expect(binaryCrossEntropy.value(y, t)).toBeCloseTo(
      tf.metrics.binaryCrossentropy(tt, yt).mean().dataSync()[0],
      6,
    );
    expect(softmaxCrossEntropy.value(y, t)).toBeCloseTo(
      tf.losses.softmaxCrossEntropy(tt, yt).dataSync()[0],
      6,
    );
  });

  test("mismatched shapes are refused with both shapes", () => {
    expect(() => mse.value([[1, 2]], [[1]])).toThrow(
      "Cannot compute mean squared error as outputs and targets must have the same, non-empty shape: current shapes are [1, 2] and [1, 1]",
    );
  });
});

describe("dense layers and the MLP", () => {
  const x = [[0.5, -1, 2], [1.5, 0.3, -0.7], [-0.2, 0.1, 0.4]];

  test("a dense layer's forward pass, by hand", () => {
    const layer = new Dense(2, 1, sigmoid);
    layer.W[0].splice(0, 2, 1, -2);
    layer.b[0] = 0.5;
    expect(layer.forward([[3, 1]])).toEqual([[sigmoid.f(3 - 2 + 0.5)]]);
  });

  test("backprop gradients equal numerical gradients", () => {
    const cases = [
      { hidden: tanh, output: sigmoid, loss: binaryCrossEntropy, t: [[1, 0], [0, 1], [1, 1]] },
      {
        hidden: sigmoid,
        output: undefined,
        loss: softmaxCrossEntropy,
        t: [[1, 0], [0, 1], [0, 1]],
      },
      { hidden: elu(), output: undefined, loss: mse, t: [[0.5, -1], [2, 0], [0, 0]] },
    ];
    for (const c of cases) {
      const net = new MLP([3, 5, 4, 2], { hidden: c.hidden, output: c.output, seed: 3 });
      expect(gradientCheck(net, c.loss, x, c.t), `${c.hidden.name}/${c.loss.name}`).toBeLessThan(
        1e-6,
      );
    }
  });

  test("backprop gradients equal tfjs autograd to 1e-4", () => {
    const t = [[1, 0], [0, 1], [0, 1]];
    const net = new MLP([3, 5, 4, 2], { hidden: tanh, seed: 4 });
    net.backward(softmaxCrossEntropy.grad(net.forward(x), t));
    const weights = net.layers.map((l) => ({
      W: tf.variable(tf.tensor2d(l.W)),
      b: tf.variable(tf.tensor1d(l.b)),
    }));
    const { grads } = tf.variableGrads(() => {
      const logits = weights.reduce(
        (a: tf.Tensor2D, { W, b }, l) => {
          const z = tf.add(tf.matMul(a, W, false, true), b) as tf.Tensor2D;
          return l < weights.length - 1 ? tf.tanh(z) : z;
        },
        tf.tensor2d(x),
      );
      return tf.losses.softmaxCrossEntropy(tf.tensor2d(t), logits) as tf.Scalar;
    });
    net.layers.forEach((layer, l) => {
      expect(
        relativeError(layer.gradW.flat(), Array.from(grads[weights[l].W.name].dataSync()), 1e-4),
      ).toBeLessThan(1e-4);
      expect(relativeError(layer.gradB, Array.from(grads[weights[l].b.name].dataSync()), 1e-4))
        .toBeLessThan(1e-4);
    });
  });

  test("an MLP trained by hand solves XOR", () => {
    const net = new MLP([2, 4, 1], { hidden: tanh, output: sigmoid, seed: 0 });
    const xs = allInputs(2), ts = [[0], [1], [1], [0]];
    const optimizer = new Adam(0.05);
    for (let epoch = 0; epoch < 500; epoch++) {
      net.backward(binaryCrossEntropy.grad(net.forward(xs), ts));
      optimizer.step(net.params());
    }
    expect(net.forward(xs).map(([p]) => (p > 0.5 ? 1 : 0))).toEqual([0, 1, 1, 0]);
  });
});

describe("optimisers", () => {
  test("each step equals tfjs's optimiser on the same gradients, over 20 steps, to 1e-6", () => {
    const random = seededRandom(7);
    const grads = Array.from(
      { length: 20 },
      () => Array.from({ length: 6 }, () => gaussian(random)),
    );
    const start = Array.from({ length: 6 }, () => gaussian(random));
    const pairs: [Optimizer, tf.Optimizer][] = [
      [new SGD(0.1), tf.train.sgd(0.1)],
      [new Momentum(0.1, 0.9), tf.train.momentum(0.1, 0.9)],
      [new Nesterov(0.1, 0.9), tf.train.momentum(0.1, 0.9, true)],
      [new AdaGrad(0.1), tf.train.adagrad(0.1)],
      [new RMSProp(0.01), tf.train.rmsprop(0.01)],
      [new Adam(0.001), tf.train.adam(0.001, 0.9, 0.999)],
    ];
    for (const [mine, theirs] of pairs) {
      const p = { value: [...start], grad: start.map(() => 0) };
      const w = tf.variable(tf.tensor1d(start));
      for (const [step, g] of grads.entries()) {
        p.grad.splice(0, g.length, ...g);
        mine.step([p]);
        theirs.applyGradients({ [w.name]: tf.tensor1d(g) });
        const expected = Array.from(w.dataSync());
        const worst = Math.max(
          ...p.value.map((v, i) => Math.abs(v - expected[i]) / Math.max(1, Math.abs(expected[i]))),
        );
        expect(worst, `${mine.name}, step ${step + 1}`).toBeLessThan(1e-6);
      }
    }
  });

  test("a learning rate that is not positive is refused", () => {
    expect(() => new SGD(0)).toThrow("'learningRate' must be > 0: current value is 0");
  });
});
