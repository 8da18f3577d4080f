// LSQ forward, step-size gradient and initialisation on hand-computed cases; the op's backward
// (which reuses the forward's list of clamped elements) against the plain loops.
import t from 'tap';
import { Tensor, sum, mul } from '../../src/index';
import { LsqQuantizer, lsqQuantize } from '../../src/quant/lsq';
import { roundHalfEven, roundHalfAwayFromZero, roundHalfEvenSmall } from '../../src/quant/rounding';
import { lsqInputGrad, lsqStepSum } from '../../src/quant/lsq-backward';
import { Rng } from '../../src/tensor/rng';

t.test('named rounding modes', async (tt) => {
  tt.same([2.5, 3.5, -2.5, -3.5, 2.9, -2.9, 0.5, -0.5, 1.2].map(roundHalfEven), [2, 4, -2, -4, 3, -3, 0, -0, 1]);
  tt.same([2.5, -2.5, 2.9, -2.4].map(roundHalfAwayFromZero), [3, -3, 3, -2]);
  // The two-addition form equals roundHalfEven on every half and on fractions in between (zero's
  // sign aside), up to |x| = 2^20.
  const xs = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 65535.5, -65536.5, 2.4999999999999996, 2 ** 20 - 0.5];
  for (let i = 0; i < 2000; i++) xs.push((i % 2 ? -1 : 1) * ((i * 7919) % 2 ** 20) / (1 + (i % 16)));
  tt.ok(xs.every((x) => roundHalfEvenSmall(x) === roundHalfEven(x)), 'roundHalfEvenSmall equals roundHalfEven');
  tt.ok(Number.isNaN(roundHalfEvenSmall(NaN)));
});

t.test('3-bit signed LSQ by hand: forward, dx and ds', async (tt) => {
  // b = 3 signed: Q_N = 4, Q_P = 3; step 0.5, so the grid is -2 .. 1.5 in steps of 0.5.
  const x = Tensor.fromArray([-3, -1.25, -0.3, 0.25, 0.74, 2], { dtype: 'float64', requiresGrad: true });
  const s = Tensor.fromArray([0.5], { dtype: 'float64', requiresGrad: true });
  const y = lsqQuantize(x, s, 4, 3);
  // v = x/s = [-6, -2.5, -0.6, 0.5, 1.48, 4] -> clamp [-4, -2.5, -0.6, 0.5, 1.48, 3] -> round-half-even [-4, -2, -1, 0, 1, 3]
  tt.same(Array.from(y.data), [-2, -1, -0.5, 0, 0.5, 1.5]);
  const w = Tensor.fromArray([1, 2, 3, 4, 5, 6], { dtype: 'float64' });
  sum(mul(y, w)).backward();
  tt.same(Array.from(x.grad!.data), [0, 2, 3, 4, 5, 0], 'straight through inside, zero outside');
  // ds = scale * Σ w_i * local_i, local = [-Q_N, r-v, r-v, r-v, r-v, Q_P] = [-4, 0.5, -0.4, -0.5, -0.48, 3]
  const local = [-4, -2 - -2.5, -1 - -0.6, 0 - 0.5, 1 - 1.48, 3];
  const expected = local.reduce((a, l, i) => a + w.data[i] * l, 0) / Math.sqrt(6 * 3);
  tt.ok(Math.abs(s.grad!.item() - expected) < 1e-12, `${s.grad!.item()} vs ${expected}`);
});

t.test('initialisation: s = 2 mean|x| / sqrt(Q_P); activations pick signedness from data', async (tt) => {
  const w = new LsqQuantizer({ kind: 'weight', bits: 4 });
  w.forward(Tensor.fromArray([1, -3, 2, -2]));
  tt.ok(Math.abs(w.step.item() - (2 * 2) / Math.sqrt(7)) < 1e-12);
  tt.same(w.range(), [8, 7]);
  const a = new LsqQuantizer({ kind: 'activation', bits: 4 });
  a.forward(Tensor.fromArray([0, 1, 2, 5]));
  tt.equal(a.signed, false);
  tt.same(a.range(), [0, 15]);
  tt.ok(Math.abs(a.step.item() - (2 * 2) / Math.sqrt(15)) < 1e-12);
  const a2 = new LsqQuantizer({ kind: 'activation', bits: 8 });
  a2.forward(Tensor.fromArray([-1, 1]));
  tt.equal(a2.signed, true);
  tt.throws(() => new LsqQuantizer({ kind: 'weight', bits: 1 }), /bits must be an integer in 2\.\.16/);
});

t.test('per-channel steps quantize each channel on its own grid', async (tt) => {
  const q = new LsqQuantizer({ kind: 'weight', bits: 8, perChannel: true, groups: 2 });
  const w = Tensor.fromArray([[0.01, -0.02], [5, -3]]);
  const y = q.forward(w);
  tt.ok(Math.abs(y.data[0] - 0.01) < 0.001 && Math.abs(y.data[2] - 5) < 0.05);
  tt.not(q.step.data[0], q.step.data[1]);
});

t.test('a step pushed through zero is projected back to a small positive value', async (tt) => {
  const q = new LsqQuantizer({ kind: 'weight', bits: 4, perChannel: true, groups: 2 });
  q.forward(Tensor.fromArray([[1, -1], [2, -2]]));
  q.step.data[1] = -0.01;
  q.projectStep();
  tt.ok(q.step.data[0] > 0.1, 'a healthy step is left alone');
  tt.equal(q.step.data[1], 1e-8);
});

t.test('forward values, and dx and ds against the plain loops, bit for bit, with none, a few or many clamped', async (tt) => {
  const rng = new Rng(53);
  for (const clampedShare of [0, 0.001, 0.5]) {
    for (const [qn, qp, groups] of [[0, 255, 1], [128, 127, 1], [8, 7, 3]]) {
      for (const wide of [false, true]) {
        const size = 3003;
        const per = size / groups;
        const steps = Array.from({ length: groups }, () => 0.01 + 0.05 * rng.uniform());
        const xData = wide ? new Float64Array(size) : new Float32Array(size);
        for (let i = 0; i < size; i++) {
          const s = steps[Math.floor(i / per)];
          xData[i] = rng.uniform() < clampedShare ? (rng.uniform() < 0.5 ? -qn - 2 : qp + 2) * s : rng.uniform() < 0.3 ? 0 : (-qn + (qn + qp) * rng.uniform()) * s;
        }
        const x = new Tensor(xData, [size]);
        x.requiresGrad = true;
        const step = Tensor.fromArray(steps, { dtype: 'float64', requiresGrad: true });
        const y = lsqQuantize(x, step, qn, qp, groups);
        const g = new Tensor(wide ? Float64Array.from({ length: size }, () => rng.normal()) : Float32Array.from({ length: size }, () => rng.normal()), [size]);
        // The forward (two elements at a time) against the one-line definition.
        let same = true;
        for (let i = 0; i < size; i++) {
          const s = steps[Math.floor(i / per)];
          const v = xData[i] / s;
          const expected = (v >= -qn && v <= qp ? roundHalfEvenSmall(v) : v < -qn ? -qn : qp) * s;
          if (!Object.is(y.data[i], wide ? expected : Math.fround(expected))) same = false;
        }
        tt.ok(same, `forward values: clamped ${clampedShare}, Q_N=${qn} Q_P=${qp}, ${groups} groups, ${wide ? 'f64' : 'f32'}`);
        const [dx, ds] = y.node!.backward(g, [true, true]);
        const expectedDx = wide ? new Float64Array(size) : new Float32Array(size);
        const what = `clamped ${clampedShare}, Q_N=${qn} Q_P=${qp}, ${groups} groups, ${wide ? 'f64' : 'f32'}`;
        for (let k = 0; k < groups; k++) {
          lsqInputGrad(xData, g.data, steps[k], qn, qp, expectedDx, k * per, (k + 1) * per);
          const expected = lsqStepSum(xData, g.data, steps[k], qn, qp, k * per, (k + 1) * per) * (1 / Math.sqrt(per * qp));
          tt.ok(Object.is(ds!.data[k], expected), `ds[${k}]: ${what}`);
        }
        tt.same(Array.from(dx!.data), Array.from(expectedDx), `dx: ${what}`);
      }
    }
  }
});
