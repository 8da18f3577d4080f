// Forward of a quantizer on (nearly) evenly spaced levels, such as DDQ's uniform activation
// grid: each x's nearest level index (code) and that level's value, in one pass. Every layer
// input goes through here, so assigning codes and then gathering values in a second pass cost
// a second read of the codes and a second walk over memory for nothing.
//
// The guess round((v - first)/step), clamped, is almost always right and is proven right by
// arithmetic alone (see quantizeEven); the rest are settled against the true midpoints, so the
// result is exactly that of `assignNearestReference` for any sorted levels: ties go up, values
// beyond the ends take the end levels, NaN takes the top level.
//
// The same pass also finds the elements outside [first level, last level] (NaN included), the
// only ones a straight-through backward does not pass: usually none or a handful, so the
// backward can copy (or reuse) the incoming gradient instead of reading x again.
import type { FloatArray } from '../../kernels/float-array';
import { assignNearestReference, midpoints } from './ddq-levels';

type Codes = Int32Array | Uint8Array | Uint16Array;

const NONE = new Int32Array(0);

/** 1.5·2^52: x + ROUND - ROUND rounds x (|x| < 2^51) to the nearest integer, ties to even. */
const ROUND = 6755399441055744;

/**
 * The definition: binary-search assignment, then a gather; then the outside elements, counted,
 * the first outside.length of them recorded in order.
 */
export function quantizeEvenReference(x: FloatArray, levels: Float64Array, out: FloatArray, code: Codes, outside: Int32Array = NONE): number {
  assignNearestReference(x, levels, code);
  for (let i = 0; i < x.length; i++) out[i] = levels[code[i]];
  const lo = levels[0];
  const hi = levels[levels.length - 1];
  let count = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v >= lo && v <= hi) continue;
    if (count < outside.length) outside[count] = i;
    count++;
  }
  return count;
}

/**
 * code[i] = index of the level nearest x[i]; out[i] = that level. Returns how many x lie outside
 * [levels[0], levels[m]] (or are NaN) and records the first outside.length of their indices.
 * Same results as the reference.
 *
 * With s = (v - first)/step and r = clamp(s, 0, m) + 0.5, the guess is j = floor(r). The true
 * midpoints sit at r = 1..m up to a deviation `dev` (rounding, uneven levels) measured below with
 * the same arithmetic. Because v -> r is monotone (every rounding step is), a fractional part
 * r - j inside (dev, 1 - dev) proves the guess right without reading any table: were v below the
 * midpoint under level j, r could be at most j + dev, and likewise above. Only guesses closer
 * than that to a midpoint, s beyond 2m (where the clamp arithmetic is no longer exact), NaN and
 * infinities fail the test; a second pass settles them exactly against the midpoints.
 */
export function quantizeEven(x: FloatArray, levels: Float64Array, out: FloatArray, code: Codes, outside: Int32Array = NONE): number {
  const m = levels.length - 1;
  const first = levels[0];
  const perStep = m / (levels[m] - first);
  // bound[j] = midpoint below level j (bound[0] = -Infinity, bound[m + 1] = +Infinity).
  const bound = new Float64Array(m + 2);
  bound[0] = -Infinity;
  bound.set(midpoints(levels), 1);
  bound[m + 1] = Infinity;
  let dev = 0;
  for (let k = 1; k <= m; k++) dev = Math.max(dev, Math.abs((bound[k] - first) * perStep + 0.5 - k));
  // Slack far above any rounding of r (at most ~1e-13 for 2^12 levels); levels too uneven for a
  // guess (or degenerate) go to the reference.
  const margin = dev + 1e-9;
  if (m < 1 || !(perStep > 0 && perStep < Infinity) || !(margin < 0.25)) {
    return quantizeEvenReference(x, levels, out, code, outside);
  }
  const upper = 1 - margin;
  const hi = levels[m];
  const cap = outside.length;
  let count = 0;
  const limit = 2 * m - 0.5; // a double (an int was converted on every iteration); below 2m
  const n = x.length;
  // The hot loop makes no call and reads no table but the levels: with a call inside, V8
  // reloads every array's base and length after it; each was ~20% of the loop's time. Several
  // elements per iteration share those per-access checks and the loop's own: two measured ~20%
  // faster than one (8.4 -> 6.6 ns per element on the activations of a MobileNetV2 step), four
  // another ~20% faster than two (interleaved, same process, shared machine).
  //
  // Quads inside [first, hi] (nearly all) take a shorter path: there t = (v - first)·perStep is
  // in [0, m] up to a rounding, needs no clamp, and its nearest integer k (rounded by adding and
  // subtracting 1.5·2^52, exact below 2^51) is the guess, proven when |t - k| < 1/2 - margin:
  // the same test as on r = t + 1/2 below, without the rounding of the + 1/2 (margin's 1e-9
  // slack covers that). ~6.4 -> ~4-5.5 ns per element (interleaved, same process). Any other
  // quad, and the last n mod 4 elements, take the general path one element at a time.
  const half = 0.5 - margin;
  let firstBad = -1;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const v0 = x[i];
    const v1 = x[i + 1];
    const v2 = x[i + 2];
    const v3 = x[i + 3];
    if (v0 >= first && v0 <= hi && v1 >= first && v1 <= hi && v2 >= first && v2 <= hi && v3 >= first && v3 <= hi) {
      const t0 = (v0 - first) * perStep;
      const t1 = (v1 - first) * perStep;
      const t2 = (v2 - first) * perStep;
      const t3 = (v3 - first) * perStep;
      const k0 = t0 + ROUND - ROUND;
      const k1 = t1 + ROUND - ROUND;
      const k2 = t2 + ROUND - ROUND;
      const k3 = t3 + ROUND - ROUND;
      if (!(Math.abs(t0 - k0) < half && Math.abs(t1 - k1) < half && Math.abs(t2 - k2) < half && Math.abs(t3 - k3) < half)) {
        if (firstBad < 0) firstBad = i;
      }
      const j0 = k0 | 0;
      const j1 = k1 | 0;
      const j2 = k2 | 0;
      const j3 = k3 | 0;
      code[i] = j0;
      code[i + 1] = j1;
      code[i + 2] = j2;
      code[i + 3] = j3;
      out[i] = levels[j0];
      out[i + 1] = levels[j1];
      out[i + 2] = levels[j2];
      out[i + 3] = levels[j3];
      continue;
    }
    for (let e = i; e < i + 4; e++) {
      const v = x[e];
      const s = (v - first) * perStep;
      // clamp(s, 0, m) + 0.5 with arithmetic, exact for s < 2m: a `c ? a : b` value or
      // Math.min/max measured several ns per element slower in V8.
      const u = (s + Math.abs(s)) * 0.5;
      const over = u - m;
      const r = u - (over + Math.abs(over)) * 0.5 + 0.5;
      const j = r | 0;
      const f = r - j;
      if (!(f > margin && f < upper && s < limit)) {
        if (firstBad < 0) firstBad = e; // NaN lands here too: every comparison is false
      }
      code[e] = j;
      out[e] = levels[j];
      if (!(v >= first && v <= hi)) {
        if (count < cap) outside[count] = e;
        count++;
      }
    }
  }
  for (; i < n; i++) {
    const v = x[i];
    const s = (v - first) * perStep;
    const u = (s + Math.abs(s)) * 0.5;
    const over = u - m;
    const r = u - (over + Math.abs(over)) * 0.5 + 0.5;
    const j = r | 0;
    const f = r - j;
    if (!(f > margin && f < upper && s < limit)) {
      if (firstBad < 0) firstBad = i;
    }
    code[i] = j;
    out[i] = levels[j];
    if (!(v >= first && v <= hi)) {
      if (count < cap) outside[count] = i;
      count++;
    }
  }
  if (firstBad >= 0) fixUp(x, levels, bound, out, code, firstBad);
  return count;
}

/** The rare case: from the first unproven guess on, walk each wrong one to its level (NaN: the top). */
function fixUp(x: FloatArray, levels: Float64Array, bound: Float64Array, out: FloatArray, code: Codes, from: number): void {
  const m = levels.length - 1;
  for (let i = from; i < x.length; i++) {
    const v = x[i];
    let j = code[i];
    if (v >= bound[j] && v < bound[j + 1]) continue;
    if (v !== v) j = m;
    else {
      while (j < m && v >= bound[j + 1]) j++;
      while (j > 0 && v < bound[j]) j--;
    }
    code[i] = j;
    out[i] = levels[j];
  }
}
