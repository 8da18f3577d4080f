// The fused batch norm + ReLU/ReLU6 kernels against the batch-norm reference followed by a
// clip (forward) and the reference backward of the clipped gradient, in float32 and float64,
// train and eval mode, ReLU6 and ReLU; bit-equality with the unfused kernels; errors.
import t from 'tap';
import { Rng } from '../../src/tensor/rng';
import { batchNorm2dReluBackward, batchNorm2dReluForwardEval, batchNorm2dReluForwardTrain } from '../../kernels/batch-norm-relu';
import { batchNorm2dBackward, batchNorm2dForwardTrain } from '../../kernels/batch-norm';
import { batchNorm2dBackwardReference, batchNormApplyReference, batchStatsReference } from '../../kernels/batch-norm-reference';
import { NchwShape } from '../../kernels/nchw-shape';
import { FloatArray } from '../../kernels/float-array';
import { Tensor } from '../../src/tensor/tensor';
import { relu6 } from '../../src/ops/unary';
import { assertClose, Asserter, randomArray, TOL64 } from './float-compare';

type Kind = 'f32' | 'f64';
const TOL_BN32 = 1e-5;
const EPS = 1e-5;

const size = (s: NchwShape) => s.n * s.c * s.h * s.w;
const alloc = (kind: Kind, n: number): FloatArray => (kind === 'f32' ? new Float32Array(n) : new Float64Array(n)).fill(NaN);
const clip = (v: number, cap: number) => Math.min(Math.max(v, 0), cap);

function randomShape(rng: Rng): NchwShape {
  for (;;) {
    const s = { n: rng.int(1, 5), c: rng.int(1, 6), h: rng.int(1, 9), w: rng.int(1, 9) };
    if (s.n * s.h * s.w >= 2) return s;
  }
}

function checkShape(t: Asserter, rng: Rng, s: NchwShape, kind: Kind, affine: boolean, cap: number): number {
  const tol = kind === 'f32' ? TOL_BN32 : TOL64;
  const label = `${kind} ${JSON.stringify(s)} affine=${affine} cap=${cap}`;
  let failures = 0;
  const check = (a: ArrayLike<number>, e: ArrayLike<number>, what: string) => {
    if (!assertClose(t, a, e, tol, `${what} ${label}`)) failures++;
  };
  const x = randomArray(rng, kind, size(s), -2, 3);
  const dy = randomArray(rng, kind, size(s));
  // gamma up to 4 so that some ReLU6 outputs reach the cap.
  const gamma = affine ? randomArray(rng, kind, s.c, 0.5, 4) : null;
  const beta = affine ? randomArray(rng, kind, s.c, -1, 3) : null;

  // Training forward against reference statistics, normalization and clip.
  const y = alloc(kind, size(s));
  const mean = alloc(kind, s.c);
  const invStd = alloc(kind, s.c);
  batchNorm2dReluForwardTrain(s, x, gamma, beta, EPS, cap, y, mean, invStd);
  const stats = batchStatsReference(s, x);
  const yRef = new Float64Array(size(s));
  batchNormApplyReference(s, x, stats.mean, stats.variance, EPS, gamma, beta, yRef);
  check(y, yRef.map((v) => clip(v, cap)), 'forward train y');
  check(mean, stats.mean, 'saved mean');
  check(invStd, Array.from(stats.variance, (v) => 1 / Math.sqrt(v + EPS)), 'saved invStd');

  // Training backward: the reference backward of dy masked where the reference output is inside (0, cap).
  const g = Float64Array.from(dy, (d, i) => (yRef[i] > 0 && yRef[i] < cap ? d : 0));
  const dx = alloc(kind, size(s));
  const dgamma = alloc(kind, s.c);
  const dbeta = alloc(kind, s.c);
  batchNorm2dReluBackward(s, x, y, dy, gamma, mean, invStd, cap, true, dx, dgamma, dbeta);
  const dxRef = new Float64Array(size(s));
  const dgRef = new Float64Array(s.c);
  const dbRef = new Float64Array(s.c);
  batchNorm2dBackwardReference(s, x, g, gamma, EPS, dxRef, dgRef, dbRef);
  check(dx, dxRef, 'backward train dx');
  check(dgamma, dgRef, 'backward train dgamma');
  check(dbeta, dbRef, 'backward train dbeta');

  // Evaluation forward and backward with some running statistics: a fixed affine map.
  const rMean = randomArray(rng, kind, s.c);
  const rVar = randomArray(rng, kind, s.c, 0.1, 2);
  const ye = alloc(kind, size(s));
  const yeRef = new Float64Array(size(s));
  batchNorm2dReluForwardEval(s, x, gamma, beta, rMean, rVar, EPS, cap, ye);
  batchNormApplyReference(s, x, rMean, rVar, EPS, gamma, beta, yeRef);
  check(ye, yeRef.map((v) => clip(v, cap)), 'forward eval y');
  const eInvStd = Float64Array.from(rVar, (v) => 1 / Math.sqrt(v + EPS));
  batchNorm2dReluBackward(s, x, ye, dy, gamma, rMean, eInvStd, cap, false, dx, dgamma, dbeta);
  const plane = s.h * s.w;
  const dxe = new Float64Array(size(s));
  const dge = new Float64Array(s.c);
  const dbe = new Float64Array(s.c);
  for (let i = 0; i < size(s); i++) {
    const ch = Math.floor(i / plane) % s.c;
    const ge = yeRef[i] > 0 && yeRef[i] < cap ? dy[i] : 0;
    const xhat = (x[i] - rMean[ch]) * eInvStd[ch];
    dxe[i] = ge * eInvStd[ch] * (gamma ? gamma[ch] : 1);
    dge[ch] += ge * xhat;
    dbe[ch] += ge;
  }
  check(dx, dxe, 'backward eval dx');
  check(dgamma, dge, 'backward eval dgamma');
  check(dbeta, dbe, 'backward eval dbeta');
  return failures;
}

t.test('forward (train, eval) and backward match the reference followed by a clip', (tt) => {
  const rng = new Rng(40);
  const shapes: NchwShape[] = [
    { n: 1, c: 1, h: 1, w: 2 }, { n: 2, c: 1, h: 1, w: 1 }, { n: 4, c: 3, h: 5, w: 5 }, { n: 1, c: 7, h: 17, w: 13 },
    { n: 8, c: 5, h: 7, w: 7 }, ...Array.from({ length: 40 }, () => randomShape(rng)),
  ];
  let failures = 0;
  const quiet: Asserter = { ok: (v, m) => { if (!v && failures < 5) tt.ok(v, m); } };
  shapes.forEach((s, i) => {
    for (const kind of ['f32', 'f64'] as Kind[]) {
      for (const cap of [6, Infinity]) if (checkShape(quiet, rng, s, kind, i % 3 !== 2, cap) > 0) failures++;
    }
  });
  tt.ok(failures === 0, `${shapes.length * 4} cases, ${failures} failing`);
  tt.end();
});

t.test('float32: the same bits as batch norm then relu6 (the unfused ops)', (tt) => {
  const rng = new Rng(41);
  const s = { n: 3, c: 4, h: 6, w: 5 };
  const x = randomArray(rng, 'f32', size(s), -2, 3);
  const dy = randomArray(rng, 'f32', size(s));
  const gamma = randomArray(rng, 'f32', s.c, 0.5, 4);
  const beta = randomArray(rng, 'f32', s.c, -1, 3);
  const mean = new Float64Array(s.c);
  const invStd = new Float64Array(s.c);
  // Unfused: batch norm, then relu6 as the op computes it, then its gradient, then the batch-norm backward.
  const z = new Float32Array(size(s));
  batchNorm2dForwardTrain(s, x, gamma, beta, EPS, z, mean, invStd);
  const yUnfused = relu6(new Tensor(z, [z.length])).data;
  const gz = new Float32Array(size(s));
  for (let i = 0; i < gz.length; i++) gz[i] = dy[i] * +(z[i] > 0) * +(z[i] < 6);
  const dxUnfused = new Float32Array(size(s));
  const dgUnfused = new Float32Array(s.c);
  const dbUnfused = new Float32Array(s.c);
  batchNorm2dBackward(s, x, gz, gamma, mean, invStd, dxUnfused, dgUnfused, dbUnfused);
  // Fused.
  const y = new Float32Array(size(s));
  const dx = new Float32Array(size(s));
  const dg = new Float32Array(s.c);
  const db = new Float32Array(s.c);
  batchNorm2dReluForwardTrain(s, x, gamma, beta, EPS, 6, y, mean, invStd);
  batchNorm2dReluBackward(s, x, y, dy, gamma, mean, invStd, 6, true, dx, dg, db);
  tt.same(Array.from(y), Array.from(yUnfused), 'forward');
  tt.ok(y.some((v) => v === 6) && y.some((v) => v === 0) && y.some((v) => v > 0 && v < 6), 'outputs at both bounds and inside');
  tt.same(Array.from(dx), Array.from(dxUnfused), 'dx');
  tt.same(Array.from(dg), Array.from(dgUnfused), 'dgamma');
  tt.same(Array.from(db), Array.from(dbUnfused), 'dbeta');
  tt.end();
});

t.test('bad arguments give clear errors', (tt) => {
  const s = { n: 1, c: 2, h: 2, w: 2 };
  const x = new Float32Array(8);
  const y = new Float32Array(8);
  const c2 = new Float32Array(2);
  tt.throws(() => batchNorm2dReluForwardTrain(s, x, null, null, EPS, 0, y, c2, c2), /batchNorm2dReluForwardTrain: cap must be > 0 \(6 for ReLU6, Infinity for ReLU\), got 0/);
  tt.throws(() => batchNorm2dReluForwardTrain({ n: 1, c: 2, h: 1, w: 1 }, x, null, null, EPS, 6, y, c2, c2), /batchNorm2dReluForwardTrain: need more than 1 value per channel/);
  tt.throws(() => batchNorm2dReluForwardEval(s, x, null, null, new Float32Array(1), c2, EPS, 6, y), /batchNorm2dReluForwardEval: runningMean has 1 elements/);
  tt.throws(() => batchNorm2dReluBackward(s, x, new Float32Array(7), y, null, c2, c2, 6, true, y, null, null), /batchNorm2dReluBackward: y has 7 elements, need 8/);
  tt.end();
});
