// Forward of a quantizer on (nearly) evenly spaced levels, such as DDQ's uniform activation
// grid: each x's nearest level index (code) and that level's value, in one pass. Every layer
// input goes through here, so assigning codes and then gathering values in a second pass cost
// a second read of the codes and a second walk over memory for nothing.
//
// The guess round((v - first)/step), clamped, is almost always right; one check against the
// true midpoints on each side (and a walk in the rare other case) keeps the result exactly
// that of `assignNearestReference` for any sorted levels: ties go up, values beyond the ends
// take the end levels, NaN takes the top level.
import type { FloatArray } from '../../kernels/float-array';
import { assignNearestReference, midpoints } from './ddq-levels';

type Codes = Int32Array | Uint8Array | Uint16Array;

/** The definition: binary-search assignment, then a gather. */
export function quantizeEvenReference(x: FloatArray, levels: Float64Array, out: FloatArray, code: Codes): void {
  assignNearestReference(x, levels, code);
  for (let i = 0; i < x.length; i++) out[i] = levels[code[i]];
}

/** code[i] = index of the level nearest x[i]; out[i] = that level. Same result as the reference. */
export function quantizeEven(x: FloatArray, levels: Float64Array, out: FloatArray, code: Codes): void {
  const m = levels.length - 1;
  const first = levels[0];
  const perStep = m / (levels[m] - first);
  if (m < 1 || !(perStep > 0 && perStep < Infinity)) {
    quantizeEvenReference(x, levels, out, code);
    return;
  }
  // bound[j] = midpoint below level j (bound[0] = -Infinity, bound[m + 1] = +Infinity).
  const bound = new Float64Array(m + 2);
  bound[0] = -Infinity;
  bound.set(midpoints(levels), 1);
  bound[m + 1] = Infinity;
  const n = x.length;
  for (let i = 0; i < n; i++) {
    const v = x[i];
    // Guess clamped to [0, m] with arithmetic: a `c ? a : b` value or Math.min/max measured
    // several ns per element slower in V8. NaN gives j = 0 here and is settled below.
    const t = (v - first) * perStep + 0.5;
    const u = (t + Math.abs(t)) * 0.5;
    const over = u - m;
    let j = (u - (over + Math.abs(over)) * 0.5) | 0;
    if (v >= bound[j + 1] || v < bound[j] || v !== v) j = settle(v, j, bound, m);
    code[i] = j;
    out[i] = levels[j];
  }
}

/** The rare case, out of the hot loop: walk from the guess to the right level (NaN: the top). */
function settle(v: number, j: number, bound: Float64Array, m: number): number {
  if (v !== v) return m;
  while (j < m && v >= bound[j + 1]) j++;
  while (j > 0 && v < bound[j]) j--;
  return j;
}
