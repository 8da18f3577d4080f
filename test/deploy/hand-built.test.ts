// A tiny network with hand-chosen parameters whose integer computation is worked out by hand
// below (every number written out), independently of the converter's code: quantized conv with
// a negative batch-norm scale, ReLU6, global average pooling, a quantized linear with a bias.
// The runtime's intermediate integers and logits must be exactly these; all three kernel sets
// (fast, reference, NEON mirrors) must agree; the float (fake-quant) model must give the same
// logits, which checks the hand computation itself.
import t from 'tap';
import { Rng } from '../../src/tensor/rng';
import { Tensor } from '../../src/tensor/tensor';
import { noGrad } from '../../src/autograd/grad-mode';
import { Conv2d } from '../../src/nn/conv2d';
import { Linear } from '../../src/nn/linear';
import { BatchNorm2d } from '../../src/nn/batch-norm';
import { Flatten, ReLU6 } from '../../src/nn/activations';
import { GlobalAvgPool2d } from '../../src/nn/pooling';
import { Sequential } from '../../src/nn/sequential';
import { LsqQuantizer } from '../../src/quant/lsq';
import { QuantConv2d, QuantLinear } from '../../src/quant/quantized-layers';
import { convertToInteger } from '../../src/deploy/convert';
import { IntegerRuntime } from '../../src/deploy/integer-runtime';

function lsq(kind: 'weight' | 'activation', bits: number, step: number, signedSample: number[]): LsqQuantizer {
  const q = new LsqQuantizer({ kind, bits });
  q.initFromData(Float32Array.from(signedSample)); // sets the sign (activations) and marks it initialised
  q.step.data[0] = step;
  return q;
}

function handNet(): Sequential {
  const rng = new Rng(1);
  // conv 1 -> 2 channels, 2x2 kernel, no padding; weights on the 4-bit grid of step 0.5:
  // channel 0 = [[1, -0.5], [0.5, 1]] (integers [[2, -1], [1, 2]]),
  // channel 1 = [[-1, 0], [0.5, -0.5]] (integers [[-2, 0], [1, -1]]).
  const conv = new Conv2d(1, 2, 2, { rng });
  conv.weight.data.set([1, -0.5, 0.5, 1, -1, 0, 0.5, -0.5]);
  const qconv = new QuantConv2d(conv, lsq('weight', 4, 0.5, [-1, 1]), lsq('activation', 8, 0.25, [-1, 1]));
  // batch norm with eps 0: channel 0 γ 1, σ 2 (var 4), μ 0.5, β 0.25; channel 1 γ -0.5, σ 0.5, μ -0.25, β 1.
  const bn = new BatchNorm2d(2, { eps: 0 });
  bn.weight.data.set([1, -0.5]);
  bn.bias.data.set([0.25, 1]);
  bn.runningMean.data.set([0.5, -0.25]);
  bn.runningVar.data.set([4, 0.25]);
  // linear 2 -> 2 on the 4-bit grid of step 0.25: [[0.5, -0.75], [1, 0.25]] (integers [[2, -3], [4, 1]]).
  const lin = new Linear(2, 2, { rng });
  lin.weight.data.set([0.5, -0.75, 1, 0.25]);
  lin.bias!.data.set([0.125, -0.25]);
  const qlin = new QuantLinear(lin, lsq('weight', 4, 0.25, [-1, 1]), lsq('activation', 4, 0.125, [0, 1]));
  return new Sequential(qconv, bn, new ReLU6(), new GlobalAvgPool2d(), new Flatten(), qlin).eval();
}

// The image, 3x3: dividing by the input step 0.25 and rounding half to even gives
//   [[0.3, -0.6, 1.1], [0, 0.5, -0.2], [2, -1, 0.7]] -> [[1, -2, 4], [0, 2, -1], [8, -4, 3]],
// stored as codes with zero point 128.
const IMAGE = [0.3, -0.6, 1.1, 0, 0.5, -0.2, 2, -1, 0.7];
const INPUT_CODES = [129, 126, 132, 128, 130, 127, 136, 124, 131];
// Accumulators Σ (code - 128)·w over each 2x2 window (output pixels in row order):
//   channel 0: 1·2 + (-2)(-1) + 0·1 + 2·2 = 8;  (-2)·2 + 4(-1) + 2·1 + (-1)·2 = -8;
//              0·2 + 2(-1) + 8·1 + (-4)·2 = -2;  2·2 + (-1)(-1) + (-4)·1 + 3·2 = 7
//   channel 1: 1(-2) + (-2)·0 + 0·1 + 2(-1) = -4;  (-2)(-2) + 0 + 2·1 + (-1)(-1) = 7;
//              0 + 0 + 8·1 + (-4)(-1) = 12;  2(-2) + 0 + (-4)·1 + 3(-1) = -11
// Real conv = acc·0.25·0.5 = acc/8. Batch norm: channel 0 (c - 0.5)/2 + 0.25 = c/2 = acc/16:
//   0.5, -0.5, -0.125, 0.4375;  channel 1: -(c + 0.25) + 1 = 0.75 - acc/8: 1.25, -0.125, -0.75, 2.125.
// ReLU6: channel 0 0.5, 0, 0, 0.4375; channel 1 1.25, 0, 0, 2.125. Nothing quantizes this tensor
// directly, so it is kept as int32 on a fine scale. The linear's 4-bit grid (step 0.125, codes
// 0..15) over 2^20 fine steps would give 15·2^-23; the conv's output stage allows at most 2^14
// steps per accumulator unit (channel 1 moves by 1/8 per unit: 2^-17); and global pooling keeps
// its int32 sum of 4 pixels of at most 6 below 2^21 (24/2^21 = 3·2^-18), the coarsest, so
// 3·2^-18: 0.5, 1.25, 0.4375, 2.125 -> 43690.7, 109226.7, 38229.3, 185685.3, i.e. channel 0
// 43691, 0, 0, 38229; channel 1 109227, 0, 0, 185685 (NHWC: pixels, channels).
const CONV_FINE = [43691, 109227, 0, 0, 0, 0, 38229, 185685];
// Global average pooling onto the linear's input grid (step 0.125, zero point 0): channel 0
// (43691 + 38229)·3·2^-18/(4·0.125) = 1.875 -> 2; channel 1 (109227 + 185685)·... = 6.75 -> 7.
const POOLED = [2, 7];
// Linear: acc = [2·2 + 7(-3), 2·4 + 7·1] = [-17, 15]; logits = acc·0.125·0.25 + bias
//   = [-17/32 + 0.125, 15/32 - 0.25] = [-0.40625, 0.21875].
const LOGITS = [-0.40625, 0.21875];

t.test('hand-built network: every integer is the hand-computed one', async (t) => {
  const net = handNet();
  const model = convertToInteger(net, { inputShape: [1, 3, 3] });
  t.same(model.ops.map((o) => o.op), ['quantize-input', 'conv', 'global-avg-pool', 'reshape', 'linear']);
  const x = Float32Array.from(IMAGE);
  for (const kernels of ['fast', 'reference', 'mirror'] as const) {
    const rt = new IntegerRuntime(model, { kernels });
    const logits = rt.run(x, 1);
    const [qi, conv, pool, , lin] = model.ops;
    t.same([...rt.tensorData(qi.output, 1)], INPUT_CODES, `${kernels}: input codes`);
    t.same([...rt.tensorData(conv.output, 1)], CONV_FINE, `${kernels}: conv output on the fine scale`);
    t.equal(model.tensors[conv.output].scale, 3 * 2 ** -18);
    t.same([...rt.tensorData(pool.output, 1)], POOLED, `${kernels}: pooled codes`);
    const acc = Array.from(rt.tensorData(lin.output, 1), (v) => v * model.output.scale);
    t.ok(acc.every((v, j) => Math.abs(v - LOGITS[j]) < 1e-7), `${kernels}: logits ${acc} = ${LOGITS}`);
    t.ok(Array.from(logits).every((v, j) => Math.abs(v - LOGITS[j]) < 1e-6), `${kernels}: run() returns the dequantized logits`);
  }
  // The float model agrees with the hand computation.
  const ref = noGrad(() => net.forward(new Tensor(Float32Array.from(IMAGE), [1, 1, 3, 3])));
  t.ok(Array.from(ref.data).every((v, j) => Math.abs(v - LOGITS[j]) < 1e-6), `fake-quant logits ${Array.from(ref.data)}`);
});

t.test('hand-built network: a batch is the images one by one', async (t) => {
  const model = convertToInteger(handNet(), { inputShape: [1, 3, 3] });
  const rt = new IntegerRuntime(model);
  const rng = new Rng(3);
  const batch = Float32Array.from({ length: 5 * 9 }, () => rng.uniformIn(-3, 3));
  const all = rt.run(batch, 5);
  for (let b = 0; b < 5; b++) {
    const one = new IntegerRuntime(model).run(batch.subarray(b * 9, (b + 1) * 9), 1);
    t.same([...all.subarray(b * 2, b * 2 + 2)], [...one], `image ${b}`);
  }
  t.throws(() => rt.run(batch, 6), /input has 45 values, need 54 for 6 images of 1x3x3/);
  t.throws(() => rt.run(Float32Array.of(NaN, 0, 0, 0, 0, 0, 0, 0, 0), 1), /input value 0 is NaN/);
});

t.test('hand-built network, larger images: the pooled sum stays on the exact double path', async (t) => {
  // 6x6 images give 5x5 = 25 conv outputs per channel of at most 6 (ReLU6): a sum up to 150 real.
  // Below 2^21 fine steps that needs a scale of at least 150/2^21, coarser than the 2^-17 the
  // output stage allows and within 4 bits of it (16·2^-17), so the converter takes 150/2^21. The
  // integer logits are still the fake-quant model's.
  const net = handNet();
  const model = convertToInteger(net, { inputShape: [1, 6, 6] });
  const [, conv] = model.ops;
  t.equal(model.tensors[conv.output].scale, 150 / 2 ** 21, 'fine scale 25 pixels x 6 / 2^21');
  const rng = new Rng(5);
  const x = Float32Array.from({ length: 4 * 36 }, () => rng.uniformIn(-2, 2));
  const ref = noGrad(() => net.forward(new Tensor(x, [4, 1, 6, 6])));
  for (const kernels of ['fast', 'reference', 'mirror'] as const) {
    const logits = new IntegerRuntime(model, { kernels }).run(x, 4);
    const worst = Math.max(...Array.from(logits, (v, i) => Math.abs(v - ref.data[i])));
    t.ok(worst < 1e-6, `${kernels}: logits within ${worst} of the fake-quant ones`);
  }
});
