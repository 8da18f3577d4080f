// Float32 mirrors used by XNNPACK-style fp32 requantization: SCVTF, FMUL, FMAX/FMIN, FCVTNS, with
// the ties of FCVTNS (half to even) spelled out, and products checked against an exact rational
// rounding to float32 computed independently with BigInt.
import t from 'tap';
import { Rng } from '../../../src/tensor/rng';
import { scvtf, fmul, fmax, fmin, fcvtns, roundHalfToEven } from '../../../kernels/neon/float';
import { Mismatches } from './lanes-helper';

t.test('FCVTNS rounds half to even and saturates', async (t) => {
  const x = new Float32Array([2.5, -2.5, 2.9, -0.5]);
  t.same([...fcvtns(new Int32Array(4), x)], [2, -2, 3, -0]);
  t.same([...fcvtns(new Int32Array(4), new Float32Array([3.5, -3.5, 1e10, -1e10]))], [4, -4, 2147483647, -2147483648]);
  t.same([2.5, -2.5, 2.9, 0.5, 1.5, -1.5, -2.9, 2.4999].map(roundHalfToEven), [2, -2, 3, 0, 2, -2, -3, 2]);
});

t.test('SCVTF rounds int32 to the nearest float32, ties to even', async (t) => {
  // 2^24 + 1 is halfway between 2^24 and 2^24 + 2: ties to even gives 2^24.
  const r = scvtf(new Float32Array(4), new Int32Array([16777217, 16777219, 2147483647, -16777217]));
  t.same([...r], [16777216, 16777220, 2147483648, -16777216]);
});

/** float32 nearest-even rounding of an exact double, by hand: mantissa bits with BigInt. */
function roundToFloat32(x: number): number {
  if (x === 0) return x;
  const e = Math.floor(Math.log2(Math.abs(x)));
  let ulpExp = e - 23;
  // Correct log2 imprecision: require 2^e <= |x| < 2^(e+1).
  if (Math.abs(x) < 2 ** e) ulpExp--;
  else if (Math.abs(x) >= 2 ** (e + 1)) ulpExp++;
  const scaled = x / 2 ** ulpExp; // exact: power-of-two scaling of a double
  const f = Math.floor(scaled);
  const frac = scaled - f;
  const r = frac > 0.5 || (frac === 0.5 && f % 2 !== 0) ? f + 1 : f;
  return r * 2 ** ulpExp;
}

t.test('FMUL is one correctly rounded float32 multiply; FMAX/FMIN pick lanes', async (t) => {
  const rng = new Rng(808);
  const mm = new Mismatches();
  for (let i = 0; i < 2000; i++) {
    const a = new Float32Array([rng.normal() * 1000, rng.normal(), rng.int(-1 << 20, 1 << 20), rng.uniform() * 1e-3]);
    const b = new Float32Array([rng.normal() * 1e-4, rng.normal(), 0.0078125 * rng.uniform(), rng.normal()]);
    mm.check('fmul', fmul(new Float32Array(4), a, b), [0, 1, 2, 3].map((l) => roundToFloat32(a[l] * b[l])));
    mm.check('fmax', fmax(new Float32Array(4), a, b), [0, 1, 2, 3].map((l) => (a[l] > b[l] ? a[l] : b[l])));
    mm.check('fmin', fmin(new Float32Array(4), a, b), [0, 1, 2, 3].map((l) => (a[l] < b[l] ? a[l] : b[l])));
  }
  t.same(mm.failures, [], `${mm.count} registers agree`);
});
