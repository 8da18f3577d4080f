// The least-squares step of a zero-anchored uniform grid (fit-step.ts) and DDQ activation
// quantizers starting from it below 8 bits.
import t from 'tap';
import { Rng } from '../../src/index';
import { fitUniformStep, uniformGridError } from '../../src/quant/fit-step';
import { DdqQuantizer } from '../../src/quant/ddq';

t.test('uniformGridError: by hand, clipping at both ends', async (tt) => {
  // Levels 0, 1, 2, 3: 0.4 -> 0, 1.6 -> 2, 10 -> 3 (clipped).
  tt.equal(uniformGridError(Float64Array.from([0, 0.4, 1.6, 10]), 4, 0, 1), (0 + 0.16 + 0.16 + 49) / 4);
  // Levels -2, -1, 0, 1 (step 0.5: -1, -0.5, 0, 0.5): -3 -> -1, 0.3 -> 0.5.
  tt.ok(Math.abs(uniformGridError(Float64Array.from([-3, 0.3]), 4, 2, 0.5) - (4 + 0.04) / 2) < 1e-15);
  tt.equal(uniformGridError(new Float64Array(0), 4, 0, 1), 0);
});

t.test('fitUniformStep: near the best step of a dense search, and clips a heavy tail', async (tt) => {
  const rng = new Rng(4);
  for (let trial = 0; trial < 12; trial++) {
    const signed = trial % 2 === 1;
    const count = [4, 8, 16, 3][trial % 4];
    const zero = signed ? Math.floor(count / 2) : 0;
    const n = [1, 2, 97, 5000][trial % 4];
    const x = Float64Array.from({ length: n }, () => {
      const v = Math.abs(rng.normal()) * (trial + 1);
      return signed && rng.uniform() < 0.5 ? -v : v;
    });
    const step = fitUniformStep(x, count, zero);
    const error = uniformGridError(x, count, zero, step);
    let dense = Infinity;
    let full = 1e-6;
    for (const v of x) full = Math.max(full, v > 0 ? v / (count - 1 - zero) : zero > 0 ? -v / zero : 0);
    for (let k = 0; k <= 4000; k++) dense = Math.min(dense, uniformGridError(x, count, zero, full * 0.97 ** (k / 31.5)));
    tt.ok(error <= dense * 1.1 + 1e-15, `${n} values, ${count} levels, zero at ${zero}: ${error} vs dense ${dense}`);
    tt.ok(error <= uniformGridError(x, count, zero, full), 'no worse than the full-range step');
  }
  // A heavy tail (squared normals): the best 4-bit grid clips the largest values.
  const x = Float64Array.from({ length: 5000 }, () => rng.normal() ** 2);
  const step = fitUniformStep(x, 16, 0);
  const fullStep = Math.max(...x) / 15;
  tt.ok(step < 0.7 * fullStep, `squared normals: step ${step} vs full range ${fullStep}`);
  tt.ok(uniformGridError(x, 16, 0, step) < 0.8 * uniformGridError(x, 16, 0, fullStep), 'and a smaller error');
  tt.throws(() => fitUniformStep(x, 1, 0), /at least 2 levels/);
  tt.throws(() => fitUniformStep(x, 4, 4), /zero index 4 outside 0..3/);
});

t.test('DdqQuantizer: a fixed activation grid below 8 bits starts at the fitted step; 8 bits and fitLevels off keep min-max', async (tt) => {
  const rng = new Rng(6);
  const x = Float64Array.from({ length: 4000 }, () => Math.max(0, rng.normal()) ** 2);
  const q4 = new DdqQuantizer({ kind: 'activation', maxBits: 4, learnBits: false });
  q4.initFromData(x);
  tt.equal(q4.step(), fitUniformStep(x, 16, 0));
  const max = Math.max(...x);
  const off = new DdqQuantizer({ kind: 'activation', maxBits: 4, learnBits: false, fitLevels: false });
  off.initFromData(x);
  tt.ok(Math.abs(off.step() - max / 15) < 1e-12, 'fitLevels off: [0, max] over 15 steps');
  const q8 = new DdqQuantizer({ kind: 'activation', maxBits: 8, learnBits: false });
  q8.initFromData(x);
  tt.ok(Math.abs(q8.step() - max / 255) < 1e-12, '8 bits: [0, max] over 255 steps');
  const signed = Float64Array.from(x, (v, i) => (i % 3 ? v : -v));
  const qs = new DdqQuantizer({ kind: 'activation', maxBits: 3, learnBits: false });
  qs.initFromData(signed);
  tt.equal(qs.first.data[0], 4, 'signed data: zero at index n/2');
  tt.equal(qs.step(), fitUniformStep(signed, 8, 4));
});
