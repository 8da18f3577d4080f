// Pooling kernels against the references on many geometries (sizes 1..17, kernels 1..4 and
// rectangular, stride 1..3, padding up to half the kernel, batch 1..3), float32 and float64,
// both countIncludePad modes; max pooling ties and NaN; adjoint checks in float64; errors.
// Tolerance: TOL32 (~3.8e-6 relative to the window sum of |x|) or TOL64 (1e-12).
import t from 'tap';
import { Rng } from '../../src/tensor/rng';
import {
  avgPool2d, avgPool2dBackward, globalAvgPool2d, globalAvgPool2dBackward, maxPool2d, maxPool2dBackward,
} from '../../kernels/pool2d';
import {
  avgPool2dBackwardReference, avgPool2dReference, globalAvgPool2dBackwardReference, globalAvgPool2dReference,
  maxPool2dBackwardReference, maxPool2dReference,
} from '../../kernels/pool2d-reference';
import { Pool2dParams, pool2dOutputSize, pool2dParams, validatePool2dParams } from '../../kernels/pool2d-params';
import { FloatArray } from '../../kernels/float-array';
import { absArray, assertClose, Asserter, randomArray, TOL32, TOL64 } from './float-compare';
import { dot } from './conv-cases';

type Kind = 'f32' | 'f64';

function randomPool(rng: Rng): Pool2dParams {
  for (;;) {
    const kh = rng.int(1, 5);
    const kw = rng.uniform() < 0.6 ? kh : rng.int(1, 5);
    const p: Pool2dParams = {
      n: rng.int(1, 4), c: rng.int(1, 4), h: rng.int(1, 18), w: rng.int(1, 18), kh, kw,
      strideH: rng.int(1, 4), strideW: rng.int(1, 4),
      padH: rng.int(0, Math.floor(kh / 2) + 1), padW: rng.int(0, Math.floor(kw / 2) + 1),
    };
    const { outH, outW } = pool2dOutputSize(p);
    if (outH >= 1 && outW >= 1) return p;
  }
}

function sizes(p: Pool2dParams): { x: number; y: number } {
  const { outH, outW } = pool2dOutputSize(p);
  return { x: p.n * p.c * p.h * p.w, y: p.n * p.c * outH * outW };
}

function alloc(kind: Kind, n: number): FloatArray {
  return (kind === 'f32' ? new Float32Array(n) : new Float64Array(n)).fill(NaN);
}

function label(p: Pool2dParams, kind: Kind): string {
  return `${kind} n${p.n} c${p.c} ${p.h}x${p.w} k${p.kh}x${p.kw} s${p.strideH},${p.strideW} p${p.padH},${p.padW}`;
}

/** All pooling kernels on one geometry; returns the number of failed comparisons. */
function checkPool(t: Asserter, rng: Rng, p: Pool2dParams, kind: Kind): number {
  const tol = kind === 'f32' ? TOL32 : TOL64;
  const sz = sizes(p);
  // Few distinct values so that ties occur and the first-maximum rule is exercised.
  const x = alloc(kind, sz.x);
  for (let i = 0; i < sz.x; i++) x[i] = rng.uniform() < 0.3 ? rng.int(0, 3) : rng.uniformIn(-1, 1);
  const dy = randomArray(rng, kind, sz.y);
  const name = label(p, kind);
  let failures = 0;
  const check = (a: ArrayLike<number>, e: ArrayLike<number>, what: string, scale?: ArrayLike<number>) => {
    if (!assertClose(t, a, e, tol, `${what} ${name}`, scale)) failures++;
  };

  const y = alloc(kind, sz.y);
  const arg = new Int32Array(sz.y);
  const yRef = new Float64Array(sz.y);
  const argRef = new Int32Array(sz.y);
  maxPool2d(p, x, y, arg);
  maxPool2dReference(p, x, yRef, argRef);
  check(y, yRef, 'maxPool2d');
  check(arg, argRef, 'maxPool2d argmax');
  const dx = alloc(kind, sz.x);
  const dxRef = new Float64Array(sz.x);
  maxPool2dBackward(p, dy, arg, dx);
  maxPool2dBackwardReference(p, x, dy, dxRef);
  check(dx, dxRef, 'maxPool2dBackward', maxPool2dAbs(p, x, dy));

  for (const include of [true, false]) {
    const ya = alloc(kind, sz.y);
    const yaRef = new Float64Array(sz.y);
    const yaScale = new Float64Array(sz.y);
    avgPool2d(p, x, ya, include);
    avgPool2dReference(p, x, yaRef, include);
    avgPool2dReference(p, absArray(x), yaScale, include);
    check(ya, yaRef, `avgPool2d include=${include}`, yaScale);
    const dxa = alloc(kind, sz.x);
    const dxaRef = new Float64Array(sz.x);
    const dxaScale = new Float64Array(sz.x);
    avgPool2dBackward(p, dy, dxa, include);
    avgPool2dBackwardReference(p, dy, dxaRef, include);
    avgPool2dBackwardReference(p, absArray(dy), dxaScale, include);
    check(dxa, dxaRef, `avgPool2dBackward include=${include}`, dxaScale);
  }
  return failures;
}

function maxPool2dAbs(p: Pool2dParams, x: FloatArray, dy: FloatArray): Float64Array {
  const out = new Float64Array(sizes(p).x);
  maxPool2dBackwardReference(p, x, absArray(dy), out);
  return out;
}

t.test('max and average pooling match the references', (tt) => {
  const rng = new Rng(20);
  const named = [
    pool2dParams({ n: 1, c: 1, h: 1, w: 1, kh: 1, kw: 1 }),
    pool2dParams({ n: 2, c: 3, h: 8, w: 8, kh: 2, kw: 2 }),
    pool2dParams({ n: 2, c: 3, h: 7, w: 9, kh: 2, kw: 2 }), // odd sizes drop the last row/column
    pool2dParams({ n: 1, c: 2, h: 13, w: 11, kh: 3, kw: 3, strideH: 2, strideW: 2, padH: 1, padW: 1 }),
    pool2dParams({ n: 2, c: 2, h: 17, w: 5, kh: 4, kw: 2, strideH: 1, strideW: 3, padH: 2, padW: 1 }),
  ];
  let failures = 0;
  let count = 0;
  const quiet: Asserter = { ok: (v, m) => { if (!v && failures < 5) tt.ok(v, m); } };
  const all = [...named, ...Array.from({ length: 120 }, () => randomPool(rng))];
  all.forEach((p, i) => {
    for (const kind of (i < named.length ? ['f32', 'f64'] : [i % 3 === 0 ? 'f64' : 'f32']) as Kind[]) {
      count++;
      if (checkPool(quiet, rng, p, kind) > 0) failures++;
    }
  });
  tt.ok(failures === 0, `${count} geometries, ${failures} failing`);
  tt.end();
});

t.test('max pooling: first maximum wins, NaN propagates, -Infinity is a value', (tt) => {
  const p = pool2dParams({ n: 1, c: 1, h: 2, w: 4, kh: 2, kw: 2 });
  const x = new Float32Array([1, 5, -Infinity, -Infinity, 5, 2, -Infinity, -Infinity]);
  const y = new Float32Array(2);
  const arg = new Int32Array(2);
  maxPool2d(p, x, y, arg);
  tt.same(Array.from(y), [5, -Infinity]);
  tt.same(Array.from(arg), [1, 2], 'ties: first in row-major window order');
  const xn = new Float32Array([1, NaN, 3, 4, NaN, 2, 0, 9]);
  maxPool2d(p, xn, y, arg);
  tt.ok(Number.isNaN(y[0]) && arg[0] === 1, 'NaN wins, first NaN recorded');
  tt.equal(y[1], 9);
  tt.end();
});

t.test('global average pooling', (tt) => {
  const rng = new Rng(21);
  for (const s of [{ n: 1, c: 1, h: 1, w: 1 }, { n: 3, c: 5, h: 7, w: 7 }, { n: 2, c: 4, h: 1, w: 13 }]) {
    for (const kind of ['f32', 'f64'] as Kind[]) {
      const x = randomArray(rng, kind, s.n * s.c * s.h * s.w);
      const dy = randomArray(rng, kind, s.n * s.c);
      const y = alloc(kind, s.n * s.c);
      const yRef = new Float64Array(s.n * s.c);
      globalAvgPool2d(s, x, y);
      globalAvgPool2dReference(s, x, yRef);
      assertClose(tt, y, yRef, kind === 'f32' ? TOL32 : TOL64, `globalAvgPool2d ${kind} ${JSON.stringify(s)}`);
      const dx = alloc(kind, x.length);
      const dxRef = new Float64Array(x.length);
      globalAvgPool2dBackward(s, dy, dx);
      globalAvgPool2dBackwardReference(s, dy, dxRef);
      assertClose(tt, dx, dxRef, kind === 'f32' ? TOL32 : TOL64, `globalAvgPool2dBackward ${kind} ${JSON.stringify(s)}`);
    }
  }
  tt.end();
});

t.test('backward kernels are adjoints of the (piecewise) linear forward maps, float64', (tt) => {
  const rng = new Rng(22);
  let worst = 0;
  for (let i = 0; i < 60; i++) {
    const p = randomPool(rng);
    const sz = sizes(p);
    const x = randomArray(rng, 'f64', sz.x);
    const dy = randomArray(rng, 'f64', sz.y);
    const y = new Float64Array(sz.y);
    const dx = new Float64Array(sz.x);
    const arg = new Int32Array(sz.y);
    maxPool2d(p, x, y, arg);
    maxPool2dBackward(p, dy, arg, dx);
    worst = Math.max(worst, Math.abs(dot(y, dy) - dot(x, dx)));
    for (const include of [true, false]) {
      avgPool2d(p, x, y, include);
      avgPool2dBackward(p, dy, dx, include);
      worst = Math.max(worst, Math.abs(dot(y, dy) - dot(x, dx)));
    }
    const s = { n: p.n, c: p.c, h: p.h, w: p.w };
    const g = new Float64Array(p.n * p.c);
    const dg = randomArray(rng, 'f64', p.n * p.c);
    globalAvgPool2d(s, x, g);
    globalAvgPool2dBackward(s, dg, dx);
    worst = Math.max(worst, Math.abs(dot(g, dg) - dot(x, dx)));
  }
  tt.ok(worst < 1e-11, `worst |<P x, dy> - <x, P^T dy>| = ${worst.toExponential(2)}`);
  tt.end();
});

t.test('bad geometry and arrays give clear errors', (tt) => {
  const p = pool2dParams({ n: 1, c: 1, h: 4, w: 4, kh: 2, kw: 2 });
  tt.throws(() => validatePool2dParams({ ...p, padH: 2 }, 'maxPool2d'), /maxPool2d: padding 2x0 is more than half the kernel 2x2/);
  tt.throws(() => validatePool2dParams({ ...p, kh: 5 }, 'avgPool2d'), /avgPool2d: kernel 5x2 does not fit input 4x4/);
  tt.throws(() => validatePool2dParams({ ...p, strideW: 0 }, 'avgPool2d'), /avgPool2d: strideW must be an integer >= 1, got 0/);
  tt.throws(() => maxPool2d(p, new Float32Array(15), new Float32Array(4), new Int32Array(4)), /maxPool2d: x has 15 elements, need 16 for \[1, 1, 4, 4\]/);
  tt.throws(() => maxPool2d(p, new Float32Array(16), new Float32Array(4), new Int32Array(3)), /maxPool2d: argmax has 3 elements/);
  tt.throws(() => maxPool2d(p, new Float32Array(16), new Float32Array(4), new Float32Array(4) as unknown as Int32Array), /maxPool2d: argmax must be an Int32Array/);
  tt.throws(() => maxPool2dBackward(p, new Float32Array(4), new Int32Array([0, 1, 2, 99]), new Float32Array(16)), /maxPool2dBackward: argmax\[3\] = 99 is outside x/);
  tt.throws(() => avgPool2dBackward(p, new Float32Array(3), new Float32Array(16)), /avgPool2dBackward: dy has 3 elements, need 4/);
  tt.throws(() => globalAvgPool2d({ n: 1, c: 0, h: 2, w: 2 }, new Float32Array(4), new Float32Array(1)), /globalAvgPool2d: c must be an integer >= 1, got 0/);
  tt.end();
});
