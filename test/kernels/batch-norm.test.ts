// Batch-norm kernels against the step-by-step reference (a different derivation of the
// backward pass) on many shapes, float32 (tolerance 1e-5 relative to |value| + 1) and float64
// (1e-12); a finite-difference gradient check in float64; running statistics; accuracy with a
// large mean; errors.
import t from 'tap';
import { Rng } from '../../src/tensor/rng';
import { batchNorm2dBackward, batchNorm2dForwardEval, batchNorm2dForwardTrain } from '../../kernels/batch-norm';
import { batchNorm2dBackwardReference, batchNormApplyReference, batchStatsReference } from '../../kernels/batch-norm-reference';
import { NchwShape } from '../../kernels/nchw-shape';
import { FloatArray } from '../../kernels/float-array';
import { assertClose, Asserter, randomArray, TOL64 } from './float-compare';

type Kind = 'f32' | 'f64';
const TOL_BN32 = 1e-5;
const EPS = 1e-5;

function size(s: NchwShape): number {
  return s.n * s.c * s.h * s.w;
}

function alloc(kind: Kind, n: number): FloatArray {
  return (kind === 'f32' ? new Float32Array(n) : new Float64Array(n)).fill(NaN);
}

function randomShape(rng: Rng): NchwShape {
  for (;;) {
    const s = { n: rng.int(1, 5), c: rng.int(1, 6), h: rng.int(1, 9), w: rng.int(1, 9) };
    if (s.n * s.h * s.w >= 2) return s;
  }
}

function checkShape(t: Asserter, rng: Rng, s: NchwShape, kind: Kind, affine: boolean): number {
  const tol = kind === 'f32' ? TOL_BN32 : TOL64;
  const label = `${kind} ${JSON.stringify(s)} affine=${affine}`;
  let failures = 0;
  const check = (a: ArrayLike<number>, e: ArrayLike<number>, what: string) => {
    if (!assertClose(t, a, e, tol, `${what} ${label}`)) failures++;
  };
  const x = randomArray(rng, kind, size(s), -2, 3);
  const dy = randomArray(rng, kind, size(s));
  const gamma = affine ? randomArray(rng, kind, s.c, 0.5, 1.5) : null;
  const beta = affine ? randomArray(rng, kind, s.c) : null;

  // Training forward, saved statistics.
  const y = alloc(kind, size(s));
  const mean = alloc(kind, s.c);
  const invStd = alloc(kind, s.c);
  batchNorm2dForwardTrain(s, x, gamma, beta, EPS, y, mean, invStd);
  const stats = batchStatsReference(s, x);
  const yRef = new Float64Array(size(s));
  batchNormApplyReference(s, x, stats.mean, stats.variance, EPS, gamma, beta, yRef);
  check(y, yRef, 'forward train y');
  check(mean, stats.mean, 'saved mean');
  check(invStd, Array.from(stats.variance, (v) => 1 / Math.sqrt(v + EPS)), 'saved invStd');

  // Evaluation forward with some running statistics.
  const rMean = randomArray(rng, kind, s.c);
  const rVar = randomArray(rng, kind, s.c, 0.1, 2);
  const ye = alloc(kind, size(s));
  const yeRef = new Float64Array(size(s));
  batchNorm2dForwardEval(s, x, gamma, beta, rMean, rVar, EPS, ye);
  batchNormApplyReference(s, x, rMean, rVar, EPS, gamma, beta, yeRef);
  check(ye, yeRef, 'forward eval y');

  // Backward.
  const dx = alloc(kind, size(s));
  const dgamma = alloc(kind, s.c);
  const dbeta = alloc(kind, s.c);
  batchNorm2dBackward(s, x, dy, gamma, mean, invStd, dx, dgamma, dbeta);
  const dxRef = new Float64Array(size(s));
  const dgRef = new Float64Array(s.c);
  const dbRef = new Float64Array(s.c);
  batchNorm2dBackwardReference(s, x, dy, gamma, EPS, dxRef, dgRef, dbRef);
  check(dx, dxRef, 'backward dx');
  check(dgamma, dgRef, 'backward dgamma');
  check(dbeta, dbRef, 'backward dbeta');
  return failures;
}

t.test('forward (train and eval) and backward match the reference', (tt) => {
  const rng = new Rng(30);
  const shapes: NchwShape[] = [
    { n: 1, c: 1, h: 1, w: 2 }, { n: 2, c: 1, h: 1, w: 1 }, { n: 4, c: 3, h: 5, w: 5 }, { n: 1, c: 7, h: 17, w: 13 },
    ...Array.from({ length: 60 }, () => randomShape(rng)),
  ];
  let failures = 0;
  const quiet: Asserter = { ok: (v, m) => { if (!v && failures < 5) tt.ok(v, m); } };
  shapes.forEach((s, i) => {
    for (const kind of ['f32', 'f64'] as Kind[]) if (checkShape(quiet, rng, s, kind, i % 2 === 0) > 0) failures++;
  });
  tt.ok(failures === 0, `${shapes.length * 2} cases, ${failures} failing`);
  tt.end();
});

t.test('backward matches central finite differences (float64)', (tt) => {
  const rng = new Rng(31);
  const s = { n: 2, c: 3, h: 2, w: 3 };
  const x = randomArray(rng, 'f64', size(s)) as Float64Array;
  const gamma = randomArray(rng, 'f64', s.c, 0.5, 1.5) as Float64Array;
  const beta = randomArray(rng, 'f64', s.c) as Float64Array;
  const r = randomArray(rng, 'f64', size(s)); // loss = sum(y * r), so dy = r
  const loss = (): number => {
    const y = new Float64Array(size(s));
    batchNorm2dForwardTrain(s, x, gamma, beta, EPS, y, new Float64Array(s.c), new Float64Array(s.c));
    return y.reduce((acc, v, i) => acc + v * r[i], 0);
  };
  const mean = new Float64Array(s.c);
  const invStd = new Float64Array(s.c);
  batchNorm2dForwardTrain(s, x, gamma, beta, EPS, new Float64Array(size(s)), mean, invStd);
  const dx = new Float64Array(size(s));
  const dgamma = new Float64Array(s.c);
  const dbeta = new Float64Array(s.c);
  batchNorm2dBackward(s, x, r, gamma, mean, invStd, dx, dgamma, dbeta);
  const numeric = (arr: Float64Array, i: number): number => {
    const h = 1e-6;
    const keep = arr[i];
    arr[i] = keep + h;
    const up = loss();
    arr[i] = keep - h;
    const down = loss();
    arr[i] = keep;
    return (up - down) / (2 * h);
  };
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(numeric(x, i) - dx[i]));
  for (let c = 0; c < s.c; c++) {
    worst = Math.max(worst, Math.abs(numeric(gamma, c) - dgamma[c]), Math.abs(numeric(beta, c) - dbeta[c]));
  }
  tt.ok(worst < 1e-6, `worst |numeric - analytic| = ${worst.toExponential(2)}`);
  tt.end();
});

t.test('running statistics follow the PyTorch update (unbiased variance)', (tt) => {
  const rng = new Rng(32);
  const s = { n: 3, c: 2, h: 2, w: 2 };
  const x = randomArray(rng, 'f64', size(s));
  const running = { mean: new Float64Array([0.5, -1]), var: new Float64Array([2, 0.25]), momentum: 0.1 };
  const before = { mean: running.mean.slice(), var: running.var.slice() };
  batchNorm2dForwardTrain(s, x, null, null, EPS, new Float64Array(size(s)), new Float64Array(2), new Float64Array(2), running);
  const stats = batchStatsReference(s, x);
  const m = s.n * s.h * s.w;
  const expectMean = before.mean.map((v, c) => 0.9 * v + 0.1 * stats.mean[c]);
  const expectVar = before.var.map((v, c) => 0.9 * v + 0.1 * stats.variance[c] * m / (m - 1));
  assertClose(tt, running.mean, expectMean, TOL64, 'running mean');
  assertClose(tt, running.var, expectVar, TOL64, 'running var');
  tt.end();
});

t.test('a large mean does not destroy the variance (shifted one-pass statistics)', (tt) => {
  const rng = new Rng(33);
  const s = { n: 4, c: 1, h: 8, w: 8 };
  // Mean 10^6, spread 1 (the unshifted one-pass formula E[x²] - E[x]² is off by ~1e-3 here);
  // then the same with the first value (the shift) an outlier.
  for (const first of [null, 1e6 + 500]) {
    const x = new Float32Array(size(s));
    for (let i = 0; i < x.length; i++) x[i] = 1e6 + rng.uniformIn(-1, 1);
    if (first !== null) x[0] = first;
    const mean = new Float32Array(1);
    const invStd = new Float32Array(1);
    batchNorm2dForwardTrain(s, x, null, null, 0, new Float32Array(size(s)), mean, invStd);
    const ref = batchStatsReference(s, x);
    const relErr = Math.abs(1 / (invStd[0] * invStd[0]) - ref.variance[0]) / ref.variance[0];
    tt.ok(relErr < 1e-5, `first value ${first ?? 'typical'}: variance relative error ${relErr.toExponential(2)}`);
  }
  tt.end();
});

t.test('bad arguments give clear errors', (tt) => {
  const s = { n: 1, c: 2, h: 2, w: 2 };
  const x = new Float32Array(8);
  const y = new Float32Array(8);
  const c2 = new Float32Array(2);
  tt.throws(() => batchNorm2dForwardTrain({ n: 1, c: 2, h: 1, w: 1 }, x, null, null, EPS, y, c2, c2), /batchNorm2dForwardTrain: need more than 1 value per channel to train, got n\*h\*w = 1/);
  tt.throws(() => batchNorm2dForwardTrain(s, new Float32Array(7), null, null, EPS, y, c2, c2), /batchNorm2dForwardTrain: x has 7 elements, need 8 for \[1, 2, 2, 2\]/);
  tt.throws(() => batchNorm2dForwardTrain(s, x, new Float32Array(1), null, EPS, y, c2, c2), /batchNorm2dForwardTrain: gamma has 1 elements, need 2/);
  tt.throws(() => batchNorm2dForwardTrain(s, x, null, null, -1, y, c2, c2), /batchNorm2dForwardTrain: eps must be a finite number >= 0, got -1/);
  tt.throws(() => batchNorm2dForwardTrain(s, x, null, null, EPS, y, c2, c2, { mean: c2, var: c2, momentum: 2 }), /running.momentum must be in \[0, 1\], got 2/);
  tt.throws(() => batchNorm2dForwardEval(s, x, null, null, new Float32Array(1), c2, EPS, y), /batchNorm2dForwardEval: runningMean has 1 elements/);
  tt.throws(() => batchNorm2dBackward(s, x, y, null, c2, c2, new Float32Array(3), null, null), /batchNorm2dBackward: dx has 3 elements/);
  tt.throws(() => batchNorm2dBackward({ n: 1, c: 0, h: 2, w: 2 }, x, y, null, c2, c2, x, null, null), /batchNorm2dBackward: c must be an integer >= 1, got 0/);
  tt.end();
});
