// Convolution forward and forward+backward (input and weight gradients), ours vs tfjs-core's CPU
// backend, single-threaded, on the three cases of issue 3. Target: forward+backward >= 50x tfjs.
// Before timing, one run of each side is compared, so both are known to compute the same thing.
import { conv2d, conv2dBackwardInput, conv2dBackwardWeight } from '../kernels/conv2d';
import { Conv2dParams, conv2dOutputSize, conv2dParams } from '../kernels/conv2d-params';
import { Rng } from '../src/tensor/rng';
import { fmtRatio, fmtSeconds, markdownTable, measure, measureSlow, Timing, writeReport } from './harness';
import { tfjsConv, tfjsCpu } from './tfjs-peer';

interface Case {
  name: string;
  p: Conv2dParams;
}

const CASES: Case[] = [
  { name: '(a) 1x1 conv N=32 14x14 96->24', p: conv2dParams({ n: 32, cIn: 96, h: 14, w: 14, cOut: 24, kh: 1, kw: 1 }) },
  {
    name: '(b) 3x3 depthwise N=32 14x14 C=144 s1 p1',
    p: conv2dParams({ n: 32, cIn: 144, h: 14, w: 14, cOut: 144, kh: 3, kw: 3, padH: 1, padW: 1, groups: 144 }),
  },
  {
    name: '(c) 3x3 conv N=32 28x28 1->16 s2 p1',
    p: conv2dParams({ n: 32, cIn: 1, h: 28, w: 28, cOut: 16, kh: 3, kw: 3, strideH: 2, strideW: 2, padH: 1, padW: 1 }),
  },
];

/** The machine is shared: every case is measured in interleaved rounds and the best kept. */
const ROUNDS = 2;

function fastest(a: Timing | undefined, b: Timing): Timing {
  return a === undefined || b.seconds < a.seconds ? b : a;
}

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let mag = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    mag = Math.max(mag, Math.abs(b[i]));
  }
  return diff / Math.max(mag, 1e-30);
}

export async function run(): Promise<void> {
  await tfjsCpu();
  const rng = new Rng(7);
  const rows: string[][] = [];
  for (const { name, p } of CASES) {
    const { outH, outW } = conv2dOutputSize(p);
    const x = rng.fillUniform(new Float32Array(p.n * p.cIn * p.h * p.w), -1, 1);
    const w = rng.fillUniform(new Float32Array(p.cOut * (p.cIn / p.groups) * p.kh * p.kw), -1, 1);
    const dy = rng.fillUniform(new Float32Array(p.n * p.cOut * outH * outW), -1, 1);
    const y = new Float32Array(dy.length);
    const dx = new Float32Array(x.length);
    const dw = new Float32Array(w.length);
    const forward = () => conv2d(p, x, w, null, y);
    const forwardBackward = () => {
      conv2d(p, x, w, null, y);
      conv2dBackwardInput(p, dy, w, dx);
      conv2dBackwardWeight(p, x, dy, dw);
    };
    const peer = tfjsConv(
      { n: p.n, cIn: p.cIn, h: p.h, w: p.w, cOut: p.cOut, kh: p.kh, kw: p.kw, stride: p.strideH, pad: p.padH, depthwise: p.groups > 1 },
      x, w, dy, outH, outW,
    );
    forwardBackward();
    const theirs = peer.results();
    const diffs = [maxRelDiff(y, theirs.y), maxRelDiff(dx, theirs.dx), maxRelDiff(dw, theirs.dw)];
    if (diffs.some((d) => !(d < 1e-4))) {
      throw new Error(`conv bench ${name}: ours and tfjs disagree (relative max diff y/dx/dw ${diffs.map((d) => d.toExponential(1)).join('/')})`);
    }
    let oursF: Timing | undefined;
    let oursFB: Timing | undefined;
    let tfF: Timing | undefined;
    let tfFB: Timing | undefined;
    for (let round = 0; round < ROUNDS; round++) {
      oursF = fastest(oursF, measure(`${name} ours fwd`, forward, { maxTime: 1 }));
      oursFB = fastest(oursFB, measure(`${name} ours fwd+bwd`, forwardBackward, { maxTime: 1 }));
      tfF = fastest(tfF, measureSlow(`${name} tfjs fwd`, peer.forward, 3));
      tfFB = fastest(tfFB, measureSlow(`${name} tfjs fwd+bwd`, peer.forwardBackward, 2));
    }
    if (!oursF || !oursFB || !tfF || !tfFB) throw new Error('conv bench: nothing measured');
    peer.dispose();
    rows.push([
      name,
      fmtSeconds(oursF.seconds), fmtSeconds(tfF.seconds), fmtRatio(tfF.seconds / oursF.seconds),
      fmtSeconds(oursFB.seconds), fmtSeconds(tfFB.seconds), fmtRatio(tfFB.seconds / oursFB.seconds),
    ]);
    console.log(rows[rows.length - 1].join(' | '));
  }
  const body =
    'Float32 NCHW convolution, single-threaded; time per call. fwd+bwd = forward, input gradient and weight ' +
    'gradient. tfjs runs NHWC (layouts converted outside the timed region); its fwd+bwd is tf.valueAndGrads ' +
    'of tf.fused.conv2d / tf.fused.depthwiseConv2d (the CommonJS build of tfjs-core registers no gradient for ' +
    'plain tf.conv2d; the fused ops carry their own, which runs the Conv2DBackpropInput/Filter kernels). ' +
    'Outputs of both sides were checked to agree (relative max difference < 1e-4) before timing. The machine ' +
    `is shared and noisy, so each case is measured in ${ROUNDS} interleaved rounds and the fastest mean of ` +
    'each side is kept.\n\n' +
    markdownTable(['case', 'ours fwd', 'tfjs fwd', 'speed-up', 'ours fwd+bwd', 'tfjs fwd+bwd', 'speed-up'], rows) +
    '\n\nTarget: fwd+bwd speed-up >= 50x in every case.';
  writeReport('conv', 'Convolution: ours vs tfjs-core CPU', body);
}
