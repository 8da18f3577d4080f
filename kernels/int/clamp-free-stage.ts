// The output stage of requantize-channels.ts as one multiply-add and a truncation, for a layer
// whose accumulators are known to lie in a range where nothing clamps (an int32 residual branch
// narrowed to its reachable range, reachable-range.ts): out = ((s·scale + c) | 0) + base with s
// the raw sum of a channel, bit for bit requantizeChannelsReference.
//
// Why: the fast stage's floor and the six bit operations of the clamp are wasted where the
// clamp can never act; made non-negative by an offset folded into the constant, the value's
// truncation (| 0) is its floor. (A table lookup for layers that do clamp was tried too: it
// measured slower than the bit-operation clamp, in the GEMMs and the depthwise kernels.)
//
// Exactness, per channel j with r = 31 - shift and m the multiplier: the reference is
//   clamp(floor(N0(s) / 2^r) + offset, qmin, qmax),
//   N0(s) = (s + bias)·m + fraction·2^(r-16) + 2^(r-1),   (s + bias below the plan's limit)
// Let N(s) = N0(s) + (offset - qmin + OFF)·2^r, an integer linear in s. If |s·m|, |N(0)| and
// |N(s)| at both ends of the reachable range [sMin, sMax] are below 2^53, then s·scale (scale =
// m·2^-r) and c = N(0)·2^-r are exact doubles and so is their sum N(s)·2^-r (linear in s: below
// 2^53 in between too). If N(s) >= 0 at both ends, truncation is the floor:
//   (s·scale + c) | 0 = floor(N(s)/2^r) = floor(N0(s)/2^r) + offset - qmin + OFF,
// and if that lies in [OFF, OFF + qmax - qmin] at both ends (monotone in s) nothing clamps, so
// the output is that index + qmin - OFF. All of it is checked with BigInt when the stage is
// prepared; a layer failing any check keeps the other stage.
import type { RequantizeChannelsPlan } from './requantize-channels';

export interface ClampFreeStage {
  /** N(0)·2^-r per channel: the constant of the multiply-add. */
  constant: Float64Array;
  /** qmin - OFF: added to the truncated value. */
  base: number;
}

const LIMIT = 2n ** 53n;

/**
 * The stage for channels with raw sums s in [sMin[j], sMax[j]] and the plan's bias replaced by
 * `bias` (e.g. with a zero-point term moved in), or null when some value could clamp or a check
 * fails.
 */
export function prepareClampFreeStage(
  plan: RequantizeChannelsPlan, bias: ArrayLike<number>, sMin: ArrayLike<number>, sMax: ArrayLike<number>,
): ClampFreeStage | null {
  const C = plan.channels;
  const ends: bigint[][] = [];
  let off = 0n;
  for (let j = 0; j < C; j++) {
    // The reference's fast path (no int32 wrap or saturation) at both ends.
    for (const s of [sMin[j], sMax[j]]) if (!(Math.abs(s + bias[j]) < plan.limit[j])) return null;
    const r = BigInt(31 - plan.shift[j]);
    if (r < 16n) return null;
    const m = BigInt(plan.multiplier[j]);
    for (const s of [sMin[j], sMax[j]]) if (BigInt(Math.abs(s)) * (m < 0n ? -m : m) >= LIMIT) return null;
    const n0 = (s: number): bigint => (BigInt(s) + BigInt(bias[j])) * m + (BigInt(plan.fraction[j]) << (r - 16n)) + (1n << (r - 1n)) + (BigInt(plan.offset[j] - plan.qmin) << r);
    for (const s of [sMin[j], sMax[j]]) {
      const i = n0(s) >> r; // BigInt >> floors
      if (-i > off) off = -i;
    }
    ends.push([n0(sMin[j]), n0(sMax[j]), n0(0), r]);
  }
  const constant = new Float64Array(C);
  const range = BigInt(plan.qmax - plan.qmin);
  for (let j = 0; j < C; j++) {
    const [a, b, z, r] = ends[j];
    const shift = off << r;
    for (const n of [a + shift, b + shift]) {
      if (n < 0n || n >= LIMIT) return null;
      const i = (n >> r) - off;
      if (i < 0n || i > range) return null; // would clamp
    }
    const c = z + shift;
    if (c >= LIMIT || -c >= LIMIT) return null;
    constant[j] = Number(c) * 2 ** -Number(r);
  }
  // Indices are int32 (| 0): below 2^31 since they stay within [OFF, OFF + range].
  if (off + range >= 2n ** 31n) return null;
  return { constant, base: plan.qmin - Number(off) };
}

/** Per channel of W [n][k] (int8): the least and greatest Σ_t x_t·w_t over codes x in [0, 255]. */
export function rawSumRange(w: ArrayLike<number>, n: number, k: number): { sMin: Float64Array; sMax: Float64Array } {
  const sMin = new Float64Array(n);
  const sMax = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    for (let t = 0; t < k; t++) {
      const v = w[j * k + t];
      if (v < 0) sMin[j] += 255 * v;
      else sMax[j] += 255 * v;
    }
  }
  return { sMin, sMax };
}
