// conv2d, conv2dBackwardInput, conv2dBackwardWeight and conv2dBackwardBias against the
// 7-loop references on many geometries (sizes 1..17, kernels 1x1..5x5 and rectangular, stride
// 1..3, padding 0..2, dilation 1..2, groups 1/2/C and channel multipliers, batch 1..3), float32
// (tolerance TOL32 ~3.8e-6 of the sum of |terms|) and float64 (1e-12). Also checks that the two
// backward kernels are the adjoints of the forward one, in float64, independently of the
// references: <conv(x), dy> = <x, backwardInput(dy)> = <w, backwardWeight(x, dy)>.
import t from 'tap';
import { Rng } from '../../src/tensor/rng';
import { conv2d, conv2dBackwardBias, conv2dBackwardInput, conv2dBackwardWeight } from '../../kernels/conv2d';
import { Conv2dParams, conv2dParams, conv2dShapes, validateConv2dParams } from '../../kernels/conv2d-params';
import { ConvKernels, checkMany, describe, dot, Kind, randomConv, size } from './conv-cases';
import { randomArray } from './float-compare';

const fast: ConvKernels = {
  forward: (p, x, w, b, y) => conv2d(p, x, w, b, y),
  backwardInput: (p, dy, w, dx) => conv2dBackwardInput(p, dy, w, dx),
  backwardWeight: (p, x, dy, dw) => conv2dBackwardWeight(p, x, dy, dw),
  backwardBias: (p, dy, db) => conv2dBackwardBias(p, dy, db),
};

t.test('named geometries', (tt) => {
  const rng = new Rng(10);
  const named: Conv2dParams[] = [
    conv2dParams({ n: 1, cIn: 1, h: 1, w: 1, cOut: 1, kh: 1, kw: 1 }),
    conv2dParams({ n: 2, cIn: 5, h: 7, w: 6, cOut: 3, kh: 1, kw: 1 }), // pointwise, no im2col
    conv2dParams({ n: 2, cIn: 5, h: 7, w: 6, cOut: 3, kh: 1, kw: 1, strideH: 2, strideW: 2 }), // strided 1x1
    conv2dParams({ n: 2, cIn: 3, h: 13, w: 11, cOut: 4, kh: 3, kw: 3, padH: 1, padW: 1 }),
    conv2dParams({ n: 3, cIn: 1, h: 16, w: 16, cOut: 5, kh: 3, kw: 3, strideH: 2, strideW: 2, padH: 1, padW: 1 }),
    conv2dParams({ n: 1, cIn: 4, h: 17, w: 9, cOut: 6, kh: 2, kw: 5, padH: 2, padW: 0 }), // rectangular
    conv2dParams({ n: 2, cIn: 3, h: 12, w: 12, cOut: 2, kh: 3, kw: 3, dilationH: 2, dilationW: 2, padH: 2, padW: 2 }),
    conv2dParams({ n: 2, cIn: 4, h: 9, w: 8, cOut: 6, kh: 3, kw: 3, groups: 2, padH: 1, padW: 1 }),
    conv2dParams({ n: 2, cIn: 4, h: 9, w: 8, cOut: 4, kh: 1, kw: 1, groups: 2 }), // grouped pointwise
    conv2dParams({ n: 2, cIn: 3, h: 9, w: 8, cOut: 6, kh: 3, kw: 3, groups: 3, strideH: 2, strideW: 2 }), // multiplier 2
    conv2dParams({ n: 2, cIn: 5, h: 9, w: 8, cOut: 5, kh: 3, kw: 3, groups: 5, padH: 1, padW: 1 }), // depthwise
    conv2dParams({ n: 1, cIn: 3, h: 5, w: 5, cOut: 2, kh: 5, kw: 5 }), // kernel covers the whole image
    conv2dParams({ n: 1, cIn: 2, h: 3, w: 4, cOut: 2, kh: 3, kw: 3, padH: 2, padW: 2, strideH: 3, strideW: 3 }),
    conv2dParams({ n: 1, cIn: 2, h: 13, w: 17, cOut: 9, kh: 3, kw: 3, padH: 1, padW: 1 }), // cOut past the 8-row tile
    conv2dParams({ n: 2, cIn: 1, h: 11, w: 10, cOut: 9, kh: 3, kw: 3, strideH: 2, strideW: 2, padH: 1, padW: 1 }), // multiplier 9: GEMM
    conv2dParams({ n: 2, cIn: 2, h: 6, w: 7, cOut: 20, kh: 2, kw: 3, groups: 2, padH: 1 }), // multiplier 10: GEMM
    conv2dParams({ n: 2, cIn: 1, h: 11, w: 10, cOut: 8, kh: 3, kw: 3, padH: 1, padW: 1 }), // multiplier 8: direct
  ];
  const cases: Array<[Conv2dParams, Kind]> = [];
  for (const p of named) for (const kind of ['f32', 'f64'] as Kind[]) cases.push([p, kind]);
  checkMany(tt, rng, fast, cases, 'named');
  tt.end();
});

t.test('random geometries: dense, two groups, depthwise, channel multiplier', (tt) => {
  const rng = new Rng(11);
  for (const mode of ['dense', 'two', 'depthwise', 'multiplier'] as const) {
    const cases: Array<[Conv2dParams, Kind]> = [];
    for (let i = 0; i < 60; i++) cases.push([randomConv(rng, mode), i % 3 === 0 ? 'f64' : 'f32']);
    checkMany(tt, rng, fast, cases, mode);
  }
  tt.end();
});

t.test('backward kernels are the adjoints of the forward one (float64)', (tt) => {
  const rng = new Rng(12);
  let worst = 0;
  let worstCase = '';
  for (let i = 0; i < 80; i++) {
    const p = randomConv(rng, (['dense', 'two', 'depthwise', 'multiplier'] as const)[i % 4]);
    const s = conv2dShapes(p);
    const x = randomArray(rng, 'f64', size(s.x));
    const w = randomArray(rng, 'f64', size(s.w));
    const dy = randomArray(rng, 'f64', size(s.y));
    const y = new Float64Array(size(s.y));
    const dx = new Float64Array(size(s.x));
    const dw = new Float64Array(size(s.w));
    conv2d(p, x, w, null, y);
    conv2dBackwardInput(p, dy, w, dx);
    conv2dBackwardWeight(p, x, dy, dw);
    // y is linear in x (for fixed w) and in w (for fixed x), so both inner products equal <y, dy>.
    const lhs = dot(y, dy);
    const scale = 1 + Math.abs(lhs) + size(s.y) * size(s.w);
    for (const rhs of [dot(x, dx), dot(w, dw)]) {
      const err = Math.abs(lhs - rhs) / scale;
      if (err > worst) { worst = err; worstCase = describe(p); }
    }
  }
  tt.ok(worst < 1e-13, `worst relative adjoint mismatch ${worst.toExponential(2)} ${worstCase}`);
  tt.end();
});

t.test('scratch reuse: a big call then a small one gives the same result as a fresh run', (tt) => {
  const rng = new Rng(13);
  const big = conv2dParams({ n: 2, cIn: 6, h: 17, w: 17, cOut: 4, kh: 3, kw: 3, padH: 1, padW: 1 });
  const small = conv2dParams({ n: 1, cIn: 2, h: 4, w: 5, cOut: 3, kh: 3, kw: 3, padH: 2, padW: 1 });
  const cases: Array<[Conv2dParams, Kind]> = [[big, 'f32'], [small, 'f32'], [big, 'f64'], [small, 'f64']];
  checkMany(tt, rng, fast, cases, 'alternating sizes');
  tt.end();
});

t.test('bad geometry and arrays give clear errors', (tt) => {
  const p = conv2dParams({ n: 1, cIn: 2, h: 4, w: 4, cOut: 2, kh: 3, kw: 3 });
  const x = new Float32Array(32);
  const w = new Float32Array(36);
  const y = new Float32Array(8);
  tt.throws(() => validateConv2dParams({ ...p, strideH: 0 }), /conv2d: strideH must be an integer >= 1, got 0/);
  tt.throws(() => validateConv2dParams({ ...p, padW: -1 }), /conv2d: padW must be an integer >= 0, got -1/);
  tt.throws(() => validateConv2dParams({ ...p, kh: 2.5 }), /conv2d: kh must be an integer >= 1, got 2.5/);
  tt.throws(() => validateConv2dParams({ ...p, groups: 3, cIn: 3 }), /conv2d: groups 3 must divide both cIn 3 and cOut 2/);
  tt.throws(() => validateConv2dParams({ ...p, kh: 5 }), /conv2d: kernel 5x3 \(dilation 1x1\) does not fit input 4x4 with padding 0x0/);
  tt.throws(() => conv2d(p, new Float32Array(31), w, null, y), /conv2d: x has 31 elements, need 32 for \[1, 2, 4, 4\]/);
  tt.throws(() => conv2d(p, x, new Float32Array(35), null, y), /conv2d: w has 35 elements, need 36 for \[2, 2, 3, 3\]/);
  tt.throws(() => conv2d(p, x, w, null, new Float32Array(7)), /conv2d: y has 7 elements, need 8 for \[1, 2, 2, 2\]/);
  tt.throws(() => conv2d(p, x, w, new Float32Array(1), y), /conv2d: bias has 1 elements, need 2 for \[2\]/);
  tt.throws(() => conv2dBackwardInput(p, new Float32Array(7), w, x), /conv2dBackwardInput: dy has 7 elements/);
  tt.throws(() => conv2dBackwardWeight(p, x, y, new Float32Array(3)), /conv2dBackwardWeight: dw has 3 elements/);
  tt.throws(() => conv2dBackwardBias(p, y, new Float32Array(1)), /conv2dBackwardBias: dbias has 1 elements/);
  tt.throws(() => conv2d(p, [1, 2] as unknown as Float32Array, w, null, y), /conv2d: x must be a Float32Array or Float64Array/);
  tt.end();
});
