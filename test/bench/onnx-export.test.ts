// The ONNX exporter end to end on a small MobileNetV2-shaped net (stem, inverted residuals with
// and without the skip, ReLU6, global pooling, flatten, linear) with random batch-norm
// statistics: the folded float graph against the model's own eval forward; the fp32 ONNX file in
// ONNX Runtime Web against the model; the int8 files in both forms against a float simulation of
// the same quantization (fake quantization at every quantized value), and against each other.
import t from 'tap';
import { mobilenetv2 } from '../../nets/mobilenetv2';
import { noGrad } from '../../src/autograd/grad-mode';
import { BatchNorm2d } from '../../src/nn/batch-norm';
import { MaxPool2d } from '../../src/nn/pooling';
import { Sequential } from '../../src/nn/sequential';
import { Conv2d } from '../../src/nn/conv2d';
import { Rng } from '../../src/tensor/rng';
import { Tensor } from '../../src/tensor/tensor';
import { roundHalfEven } from '../../src/quant/rounding';
import { foldModel, FoldedGraph } from '../../bench/onnx/fold-model';
import { runFoldedGraph } from '../../bench/onnx/run-folded-graph';
import { exportFp32Onnx } from '../../bench/onnx/export-fp32';
import { exportInt8Onnx, planInt8 } from '../../bench/onnx/export-int8';
import { calibrateRanges, Range } from '../../bench/onnx/calibrate-ranges';
import { activationParams, quantizeBias, quantizeWeightsPerChannel } from '../../bench/onnx/quantization-params';
import { ortRun, ortSession } from '../../bench/onnx/ort-wasm';

const N = 4;
const INPUT = [1, 12, 12];

function smallNet(rng: Rng): Sequential {
  const model = mobilenetv2({ classes: 5, size: 12, widthMultiplier: 0.5, stages: [[1, 8, 1, 1], [2, 8, 2, 2], [2, 16, 1, 1]], lastChannels: 24, rng });
  // Random batch-norm state, so folding is really exercised.
  for (const [, m] of model.namedModules()) {
    if (m instanceof BatchNorm2d) {
      rng.fillUniform(m.weight.data, 0.5, 1.5);
      rng.fillUniform(m.bias.data, -0.3, 0.3);
      rng.fillUniform(m.runningMean.data, -0.2, 0.2);
      rng.fillUniform(m.runningVar.data, 0.5, 2);
    }
  }
  return model.eval();
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function argmax(a: ArrayLike<number>, row: number, k: number): number {
  let best = 0;
  for (let j = 1; j < k; j++) if (a[row * k + j] > a[row * k + best]) best = j;
  return best;
}

/**
 * The int8 model's arithmetic in float: dequantized weights and biases, and every quantized value
 * rounded (half to even, as QuantizeLinear does) onto its 8-bit grid and clamped.
 */
function simulateInt8(g: FoldedGraph, ranges: Map<string, Range>, x: Float32Array, n: number): Float32Array {
  const plan = planInt8(g, ranges);
  const ops = g.ops.map((op) => {
    if (op.kind !== 'conv' && op.kind !== 'gemm') return op;
    const channels = op.kind === 'conv' ? op.weightShape[0] : op.outFeatures;
    const w = quantizeWeightsPerChannel(op.weight, channels);
    const per = op.weight.length / channels;
    const b = quantizeBias(op.bias, plan.params.get(op.input)!.scale, w.scales);
    return {
      ...op,
      weight: Float32Array.from(w.q, (q, i) => q * w.scales[Math.floor(i / per)]),
      bias: Float32Array.from(b.q, (q, c) => q * b.scales[c]),
    };
  });
  const values = runFoldedGraph({ ...g, ops }, x, n, (name, v) => {
    const p = plan.params.get(name);
    if (!p) return;
    for (let i = 0; i < v.length; i++) {
      const q = Math.min(255, Math.max(0, roundHalfEven(v[i] / p.scale) + p.zeroPoint));
      v[i] = (q - p.zeroPoint) * p.scale;
    }
  });
  return values.get(g.output)!;
}

t.test('folded graph, fp32 and int8 ONNX models agree with their references', async (t) => {
  const rng = new Rng(2024);
  const model = smallNet(rng);
  const g = foldModel(model, INPUT);
  t.same(g.ops.map((o) => o.kind).filter((k) => k === 'add').length, 2, 'two residual adds (stride 1, 8 -> 8 channels at width 0.5)');
  const x = rng.fillUniform(new Float32Array(N * 144), -1, 2);
  const ours = noGrad(() => model.forward(new Tensor(x, [N, ...INPUT]))).data;
  const scale = Math.max(...Array.from(ours, Math.abs));

  const folded = runFoldedGraph(g, x, N).get(g.output)!;
  t.ok(maxAbsDiff(folded, ours) <= 1e-5 * Math.max(1, scale), `folded graph = eval forward (diff ${maxAbsDiff(folded, ours)})`);

  const fp32 = await ortSession(exportFp32Onnx(g));
  const theirs = await ortRun(fp32, x, [N, ...INPUT]);
  t.ok(maxAbsDiff(theirs, ours) <= 1e-4 * Math.max(1, scale), `ORT fp32 = ours (diff ${maxAbsDiff(theirs, ours)})`);

  const calib = [0, 1].map(() => ({ x: rng.fillUniform(new Float32Array(8 * 144), -1, 2), n: 8 }));
  const ranges = calibrateRanges(g, calib);
  const sim = simulateInt8(g, ranges, x, N);
  const outs: Float32Array[] = [];
  for (const form of ['qdq', 'qoperator'] as const) {
    const s = await ortSession(exportInt8Onnx(g, ranges, { form }));
    const y = await ortRun(s, x, [N, ...INPUT]);
    outs.push(y);
    // ORT requantizes int32 sums in float; the simulation rounds float sums: a value could land one
    // step apart now and then, so the logits are asked to agree to 1% of their range, not bit for bit.
    const d = maxAbsDiff(y, sim);
    t.ok(d <= 0.01 * scale, `ORT int8 ${form} = simulated int8 (diff ${d.toExponential(2)}, logits up to ${scale.toFixed(2)})`);
    let agree = 0;
    for (let i = 0; i < N; i++) agree += +(argmax(y, i, 5) === argmax(sim, i, 5));
    t.equal(agree, N, `${form}: same top-1 as the simulation`);
    // And near the float model itself (8-bit error only), which the simulation's shared
    // quantization helpers cannot vouch for.
    const df = maxAbsDiff(y, ours);
    t.ok(df <= 0.15 * scale, `ORT int8 ${form} near the float model (diff ${df.toFixed(3)})`);
    await s.release();
  }
  t.ok(maxAbsDiff(outs[0], outs[1]) <= 1e-6, 'QDQ and QOperator forms run the same integer kernels');
  await fp32.release();
});

t.test('quantization parameters', async (t) => {
  const p = activationParams({ min: -1, max: 3 });
  t.equal(p.type, 'uint8');
  t.ok(Number.isInteger(p.zeroPoint), 'zero is exactly representable');
  t.ok(Math.abs((0 - p.zeroPoint) * p.scale - -1) <= p.scale / 2, 'q = 0 is the range minimum, within half a step');
  t.ok(Math.abs((255 - p.zeroPoint) * p.scale - 3) <= p.scale / 2, 'q = 255 is the range maximum, within half a step');
  t.equal(activationParams({ min: 0.5, max: 2 }).zeroPoint, 0, 'ranges are widened to hold 0');
  t.equal(activationParams({ min: -2, max: -1 }).zeroPoint, 255);
  const s8 = activationParams({ min: -1, max: 3 }, 'int8');
  t.equal(s8.zeroPoint, p.zeroPoint - 128, 'int8 zero point is the uint8 one shifted by 128');

  const w = Float32Array.from([0.5, -0.25, 0.1, 0, /* channel 1 */ -2, 1, 0.3, 0.01]);
  const { q, scales } = quantizeWeightsPerChannel(w, 2);
  t.same(Array.from(scales), [Math.fround(0.5 / 127), Math.fround(2 / 127)]);
  t.equal(q[0], 127);
  t.equal(q[4], -127);
  for (let i = 0; i < w.length; i++) t.ok(Math.abs(q[i] * scales[i >> 2] - w[i]) <= scales[i >> 2] / 2 + 1e-9, `weight ${i} within half a step`);
  const b = quantizeBias(Float32Array.from([0.3, -1]), 0.02, scales);
  t.equal(b.q[0], roundHalfEven(0.3 / Math.fround(0.02 * scales[0])));
  t.throws(() => quantizeWeightsPerChannel(new Float32Array(5), 2), /5 weights do not split into 2 channels/);
});

t.test('unsupported models are rejected with the layer named', async (t) => {
  const rng = new Rng(1);
  t.throws(() => foldModel(new Sequential(new Conv2d(1, 4, 3, { rng }), new MaxPool2d(2)), INPUT), /layer MaxPool2d is not supported/);
  t.throws(() => foldModel(new Sequential(new BatchNorm2d(1), new Conv2d(1, 4, 3, { rng })), INPUT), /BatchNorm2d \(layer 0\) must follow a Conv2d/);
  t.throws(() => foldModel(new Sequential(new Conv2d(2, 4, 3, { rng })), INPUT), /Conv2d expects 2 input channels, the graph has 1/);
  t.throws(() => foldModel(new Sequential(new Conv2d(1, 4, 3, { rng })), [1, 12]), /inputShape must be \[C, H, W\]/);
});
