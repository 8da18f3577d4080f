// The depthwise kernels called directly (conv2d dispatches to them only for channel multipliers
// up to 8): every 3x3 stride/padding combination of the specialised loops, generic kernel
// sizes and dilations, multipliers 1..12, against the 7-loop references; float32 (TOL32) and
// float64 (TOL64). Plus the error for a geometry that is not depthwise.
import t from 'tap';
import { Rng } from '../../src/tensor/rng';
import { depthwiseConv2d, depthwiseConv2dBackwardInput, depthwiseConv2dBackwardWeight } from '../../kernels/depthwise-conv2d';
import { Conv2dParams, conv2dOutputSize, conv2dParams } from '../../kernels/conv2d-params';
import { ConvKernels, checkMany, Kind } from './conv-cases';

const direct: ConvKernels = {
  forward: (p, x, w, b, y) => depthwiseConv2d(p, x, w, b, y),
  backwardInput: (p, dy, w, dx) => depthwiseConv2dBackwardInput(p, dy, w, dx),
  backwardWeight: (p, x, dy, dw) => depthwiseConv2dBackwardWeight(p, x, dy, dw),
};

t.test('3x3: every stride and padding, sizes 1..17, multipliers 1 and 2', (tt) => {
  const rng = new Rng(40);
  const cases: Array<[Conv2dParams, Kind]> = [];
  for (const stride of [1, 2, 3]) {
    for (const pad of [0, 1, 2, 3]) {
      for (const size of [1, 2, 3, 5, 8, 13, 17]) {
        // Multiplier 1, and 2 (the 3x3 loops' accumulating variants) on every other size.
        for (const mult of size % 2 ? [1, 2] : [1]) {
          const p = conv2dParams({
            n: 2, cIn: 3, cOut: 3 * mult, groups: 3, h: size, w: Math.max(1, size - 1), kh: 3, kw: 3,
            strideH: stride, strideW: stride, padH: pad, padW: pad,
          });
          const { outH, outW } = conv2dOutputSize(p);
          if (outH >= 1 && outW >= 1) cases.push([p, (stride + pad + size + mult) % 3 === 0 ? 'f64' : 'f32']);
        }
      }
    }
  }
  checkMany(tt, rng, direct, cases, '3x3');
  tt.end();
});

t.test('other kernels, dilation, rectangular strides, channel multipliers', (tt) => {
  const rng = new Rng(41);
  const cases: Array<[Conv2dParams, Kind]> = [];
  for (let i = 0; i < 80; i++) {
    const cIn = rng.int(1, 4);
    const kh = [1, 2, 3, 3, 5][rng.int(0, 5)];
    const kw = rng.uniform() < 0.5 ? kh : rng.int(1, 5);
    const p = conv2dParams({
      n: rng.int(1, 3), cIn, cOut: cIn * [1, 1, 2, 3, 9, 12][rng.int(0, 6)], groups: cIn,
      h: rng.int(1, 16), w: rng.int(1, 16), kh, kw,
      strideH: rng.int(1, 3), strideW: rng.int(1, 3), padH: rng.int(0, 3), padW: rng.int(0, 3),
      dilationH: rng.int(1, 3), dilationW: rng.int(1, 3),
    });
    const { outH, outW } = conv2dOutputSize(p);
    if (outH >= 1 && outW >= 1) cases.push([p, i % 3 === 0 ? 'f64' : 'f32']);
  }
  checkMany(tt, rng, direct, cases, 'generic');
  tt.end();
});

t.test('a geometry with several input channels per group is refused', (tt) => {
  const p = conv2dParams({ n: 1, cIn: 4, h: 3, w: 3, cOut: 4, kh: 3, kw: 3, groups: 2 });
  const a = new Float32Array(64);
  tt.throws(() => depthwiseConv2d(p, a, a, null, a), /depthwiseConv2d: needs one input channel per group \(groups == cIn\), got groups 2, cIn 4/);
  tt.throws(() => depthwiseConv2dBackwardInput(p, a, a, a), /depthwiseConv2dBackwardInput: needs one input channel per group/);
  tt.throws(() => depthwiseConv2dBackwardWeight(p, a, a, a), /depthwiseConv2dBackwardWeight: needs one input channel per group/);
  tt.end();
});
