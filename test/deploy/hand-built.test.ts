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
// directly, so it is kept as int32 on the fine scale 2^-12 of the linear's input step 0.125, 2^-15
// (the output stage would allow down to 2^-17: at most 2^14 steps per accumulator unit, and
// channel 1 moves by 1/8 per unit): channel 0 16384, 0, 0, 14336; channel 1 40960, 0, 0, 69632
// (NHWC: pixels, channels).
const CONV_FINE = [16384, 40960, 0, 0, 0, 0, 14336, 69632];
// Global average pooling onto the linear's input grid (step 0.125 = 4096 fine steps, zero point 0):
// channel 0 (16384 + 14336)/(4·4096) = 1.875 -> 2; channel 1 (40960 + 69632)/16384 = 6.75 -> 7.
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
    t.equal(model.tensors[conv.output].scale, 2 ** -15);
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

t.test('hand-built network: the fine scale backs off where the kernels need it', async (t) => {
  // The linear reading 8-bit codes of a smaller step. 2^-12 of that step would be finer than
  // two limits: the int32 sum of 4 pixels of at most 6 (ReLU6) stays below 2^21, the kernels'
  // exact double path, unless that costs more than 4 of the 12 bits (scale >= 24/2^21 = 3·2^-18,
  // or step/2^8 if coarser); and the conv's output stage takes at most 2^14 steps per
  // accumulator unit, channel 1 moving by 1/8 per unit (scale >= 2^-17).
  const cases = [
    // step 2^-7: 3·2^-18 (the fast path); 0.5, 1.25, 0.4375, 2.125 -> 43690.7, 109226.7, 38229.3,
    // 185685.3; means (43691 + 38229)·3·2^-18/4 = 30.0 steps, (109227 + 185685)·... = 108.0.
    { step: 2 ** -7, scale: 3 * 2 ** -18, conv: [43691, 109227, 0, 0, 0, 0, 38229, 185685], pooled: [30, 108] },
    // step 2^-10: step/2^8 = 2^-18 < 3·2^-18, so the stage's 2^-17; means 0.234375·1024 = 240 and
    // 0.84375·1024 = 864, clamped to 255.
    { step: 2 ** -10, scale: 2 ** -17, conv: [65536, 163840, 0, 0, 0, 0, 57344, 278528], pooled: [240, 255] },
  ];
  for (const c of cases) {
    const hand = handNet();
    const old = hand.layers[5] as QuantLinear;
    const net = new Sequential(...hand.layers.slice(0, 5), new QuantLinear(old.layer, old.weightQuantizer, lsq('activation', 8, c.step, [0, 1]))).eval();
    const model = convertToInteger(net, { inputShape: [1, 3, 3] });
    const [, conv, pool] = model.ops;
    t.equal(model.tensors[conv.output].scale, c.scale, `step ${c.step}: fine scale ${c.scale}`);
    for (const kernels of ['fast', 'reference', 'mirror'] as const) {
      const rt = new IntegerRuntime(model, { kernels });
      rt.run(Float32Array.from(IMAGE), 1);
      t.same([...rt.tensorData(conv.output, 1)], c.conv, `step ${c.step}, ${kernels}: conv output on the fine scale`);
      t.same([...rt.tensorData(pool.output, 1)], c.pooled, `step ${c.step}, ${kernels}: pooled codes`);
    }
  }
});
