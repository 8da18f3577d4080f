// One full training step (forward, cross-entropy, backward, SGD update) of a small
// MobileNetV2 on 28x28x1 at batch 64: ours vs TensorFlow.js on its pure-JS CPU backend, single
// threaded. Target (issue 3): at least 100x tfjs-cpu.
//
// The tfjs side is the same network, built op by op from our module tree with our initial
// weights (NHWC layout, batch norm with batch statistics), trained with tf.train.sgd. Before
// timing, one step of each side is run and compared (logits and an updated weight), so both
// are known to do the same work. tfjs-core's own Node bundle registers no gradients, so the
// peer is the @tensorflow/tfjs union package (same core and CPU backend, gradients included).
import * as tf from '@tensorflow/tfjs';
import { Tensor } from '../src/tensor/tensor';
import { Rng } from '../src/tensor/rng';
import { crossEntropy } from '../src/ops/cross-entropy';
import { SGD } from '../src/optim/sgd';
import type { Module } from '../src/nn/module';
import { BatchNorm2d, Conv2d, Flatten, GlobalAvgPool2d, Linear, ReLU6, Sequential, Dropout } from '../src/nn/index';
import { InvertedResidual, mobilenetv2 } from '../nets/mobilenetv2';
import { modelProfile } from '../nets/profile';
import { fmtRatio, fmtSeconds, markdownTable, measure, measureSlow, writeReport } from './harness';
import { oihwToHwio } from './tfjs-peer';

const BATCH = 64;
const LR = 0.01;

// (tf.tensor keeps a reference to a typed array it is given: copy ours, which SGD updates in place.)
/** The tfjs program equivalent to one of our modules, with tf.variables for its parameters. */
type TfLayer = (x: tf.Tensor4D | tf.Tensor2D) => tf.Tensor4D | tf.Tensor2D;

function toTf(m: Module, vars: tf.Variable[]): TfLayer {
  const variable = (v: tf.Tensor) => {
    const t = tf.variable(v);
    vars.push(t);
    return t;
  };
  if (m instanceof Sequential) {
    const layers = m.layers.map((l) => toTf(l, vars));
    return (x) => layers.reduce((h, f) => f(h), x);
  }
  if (m instanceof InvertedResidual) {
    const body = toTf(m.body, vars);
    return (x) => (m.useResidual ? tf.add(x, body(x)) : body(x)) as tf.Tensor4D;
  }
  if (m instanceof Conv2d) {
    const [cOut, cInG, kh, kw] = m.weight.shape;
    const { stride, padding, groups } = m.options;
    if (m.isDepthwise) {
      const f = variable(tf.tensor4d(oihwToHwio(m.weight.data as Float32Array, cOut, 1, kh, kw), [kh, kw, cOut, 1]));
      return (x) => tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, stride, [[0, 0], [padding, padding], [padding, padding], [0, 0]]);
    }
    if (groups !== 1) throw new Error('train-step bench: grouped convolutions other than depthwise are not mapped');
    const f = variable(tf.tensor4d(oihwToHwio(m.weight.data as Float32Array, cOut, cInG, kh, kw), [kh, kw, cInG, cOut]));
    return (x) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, stride, [[0, 0], [padding, padding], [padding, padding], [0, 0]]);
  }
  if (m instanceof BatchNorm2d) {
    const gamma = variable(tf.tensor1d((m.weight.data as Float32Array).slice()));
    const beta = variable(tf.tensor1d((m.bias.data as Float32Array).slice()));
    return (x) => {
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      return tf.batchNorm(x as tf.Tensor4D, mean, variance, beta, gamma, m.eps) as tf.Tensor4D;
    };
  }
  if (m instanceof ReLU6) return (x) => tf.relu6(x) as tf.Tensor4D;
  if (m instanceof GlobalAvgPool2d) return (x) => tf.mean(x, [1, 2], true) as tf.Tensor4D;
  if (m instanceof Flatten) return (x) => tf.reshape(x, [x.shape[0], -1]) as tf.Tensor2D;
  if (m instanceof Dropout) return (x) => x;
  if (m instanceof Linear) {
    const [outF, inF] = m.weight.shape;
    const wt = new Float32Array(inF * outF);
    for (let o = 0; o < outF; o++) for (let i = 0; i < inF; i++) wt[i * outF + o] = m.weight.data[o * inF + i];
    const w = variable(tf.tensor2d(wt, [inF, outF]));
    const b = variable(tf.tensor1d((m.bias!.data as Float32Array).slice()));
    return (x) => tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b) as tf.Tensor2D;
  }
  throw new Error(`train-step bench: no tfjs mapping for ${m.constructor.name}`);
}


function nchwToNhwc(x: Float32Array, n: number, c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) for (let i = 0; i < h * w; i++) out[(b * h * w + i) * c + ch] = x[(b * c + ch) * h * w + i];
  return out;
}

export async function run(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
  const rng = new Rng(5);
  const width = 0.35;
  const ours = mobilenetv2({ classes: 10, widthMultiplier: width, rng });
  const profile = modelProfile(ours, [1, 28, 28]);
  const vars: tf.Variable[] = [];
  const peer = toTf(ours, vars); // built before any step, from the same initial weights
  const x = Tensor.randn([BATCH, 1, 28, 28], rng);
  const labels = Int32Array.from({ length: BATCH }, () => rng.int(0, 10));
  const tx = tf.tensor4d(nchwToNhwc(x.data as Float32Array, BATCH, 1, 28, 28), [BATCH, 28, 28, 1]);
  const ty = tf.oneHot(tf.tensor1d(labels, 'int32'), 10);
  const optimizer = new SGD(ours.parameters(), { lr: LR });
  const tfOptimizer = tf.train.sgd(LR);

  const ourStep = () => {
    ours.zeroGrad();
    const loss = crossEntropy(ours.forward(x), labels);
    loss.backward();
    optimizer.step();
    return loss.item();
  };
  const tfStep = () => {
    const loss = tfOptimizer.minimize(() => tf.losses.softmaxCrossEntropy(ty, peer(tx) as tf.Tensor2D) as tf.Scalar, true, vars)!;
    const v = loss.dataSync()[0];
    loss.dispose();
    return v;
  };

  // Same work: the first step's loss, and the classifier bias after it, agree.
  const l1 = ourStep();
  const l2 = tfStep();
  const ourBias = ours.parameters()[ours.parameters().length - 1].data;
  const tfBias = vars[vars.length - 1].dataSync();
  let biasDiff = 0;
  for (let i = 0; i < 10; i++) biasDiff = Math.max(biasDiff, Math.abs(ourBias[i] - tfBias[i]));
  if (Math.abs(l1 - l2) > 1e-3 * Math.abs(l1) || biasDiff > 1e-5) {
    throw new Error(`train-step bench: the two sides differ (loss ${l1} vs ${l2}, bias after one step differs by ${biasDiff})`);
  }

  const oursT = measure('ours', () => void ourStep(), { maxTime: 10, minSamples: 5 });
  const tfT = measureSlow('tfjs', () => void tfStep(), 1);
  const rows = [[
    `MobileNetV2 width ${width}, 28x28x1, batch ${BATCH} (${(profile.macs / 1e6).toFixed(2)} M MACs/image, ${profile.params} params)`,
    fmtSeconds(oursT.seconds), `${(BATCH / oursT.seconds).toFixed(0)}`, fmtSeconds(tfT.seconds), `${(BATCH / tfT.seconds).toFixed(1)}`, fmtRatio(tfT.seconds / oursT.seconds),
  ]];
  writeReport('train-step', 'Training step: ours vs tfjs CPU', [
    'One SGD training step (forward, cross-entropy, backward, update), single-threaded. tfjs: @tensorflow/tfjs 4.22 union package, cpu backend,',
    `tf.train.sgd over the same network (NHWC) from the same initial weights; first-step loss checked equal (${l1.toFixed(5)} vs ${l2.toFixed(5)}),`,
    `classifier bias after it within ${biasDiff.toExponential(1)}. Ours: benchmark.js mean; tfjs: one warm-up step then one timed step.`,
    '',
    markdownTable(['case', 'ours / step', 'ours img/s', 'tfjs / step', 'tfjs img/s', 'speed-up'], rows),
    '',
    'Target: >= 100x tfjs-cpu.',
  ].join('\n'));
  vars.forEach((v) => v.dispose());
}

