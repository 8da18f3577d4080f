// The output stage of requantize-channels.ts as one multiply-add, a truncation and a table
// lookup, for a layer whose accumulators are known to lie in a range: out = codes[(s·scale + c) | 0]
// with s the raw sum of a channel, bit for bit requantizeChannelsReference.
//
// Why: the fast stage's floor, int32 conversion and six bit operations of the clamp cost more
// than a 3x3 depthwise sum or an 8-deep GEMM sum per output (measured: a third to a half of the
// kernels' time). A clamp is a monotone map of the unclamped value, so a table holds it; and
// when the value is made non-negative by an offset folded into the constant, truncation (| 0)
// is the floor.
//
// Exactness, per channel j with r = 31 - shift and m the multiplier: the reference is
//   clamp(floor(N0(s) / 2^r) + offset, qmin, qmax),
//   N0(s) = (s + bias)·m + fraction·2^(r-16) + 2^(r-1),   (s + bias below the plan's limit)
// Let N(s) = N0(s) + (offset - qmin + OFF)·2^r, an integer linear in s. If |s·m|, |N(0)| and
// |N(s)| at both ends of the reachable range [sMin, sMax] are below 2^53, then s·scale (scale =
// m·2^-r) and c = N(0)·2^-r are exact doubles and so is their sum N(s)·2^-r (linear in s: below
// 2^53 in between too). If N(s) >= 0 at both ends, truncation is the floor:
//   (s·scale + c) | 0 = floor(N(s)/2^r) = floor(N0(s)/2^r) + offset - qmin + OFF,
// and codes[i] = qmin + clamp(i - OFF, 0, qmax - qmin) is the reference output. All of it is
// checked with BigInt when the stage is prepared; a layer failing any check keeps the other stage.
import type { RequantizeChannelsPlan } from './requantize-channels';
import { IMAGE_PAIR_LANE } from './image-pairs';

export interface TruncationStage {
  /** N(0)·2^-r per channel: the constant of the multiply-add. */
  constant: Float64Array;
  /** codes[i] = qmin + clamp(i - OFF, 0, qmax - qmin) for every reachable index i (empty if clampFree). */
  codes: Float64Array;
  /** 2^26·codes[i]: the high lane of an image pair. */
  highCodes: Float64Array;
  /**
   * Whether no reachable value is clamped (e.g. an int32 output already narrowed to its
   * reachable range): then the output is simply index + qmin - OFF (= base).
   */
  clampFree: boolean;
  base: number;
}

/** Largest table: indices beyond this (huge reachable ranges) keep the bit-operation clamp. */
const MAX_TABLE = 65536;
const LIMIT = 2n ** 53n;

const floorDiv = (a: bigint, r: bigint): bigint => a >> r; // BigInt >> floors

/**
 * The stage for channels with raw sums s in [sMin[j], sMax[j]] and the plan's bias replaced by
 * `bias` (e.g. with a zero-point term moved in), or null when a check fails.
 */
export function prepareTruncationStage(
  plan: RequantizeChannelsPlan, bias: ArrayLike<number>, sMin: ArrayLike<number>, sMax: ArrayLike<number>,
): TruncationStage | null {
  const C = plan.channels;
  const ends: bigint[][] = [];
  let off = 0n;
  for (let j = 0; j < C; j++) {
    // The reference's fast path (no int32 wrap or saturation) at both ends.
    for (const s of [sMin[j], sMax[j]]) if (!(Math.abs(s + bias[j]) < plan.limit[j])) return null;
    const r = BigInt(31 - plan.shift[j]);
    if (r < 16n) return null;
    const m = BigInt(plan.multiplier[j]);
    const n0 = (s: number): bigint => (BigInt(s) + BigInt(bias[j])) * m + (BigInt(plan.fraction[j]) << (r - 16n)) + (1n << (r - 1n)) + (BigInt(plan.offset[j] - plan.qmin) << r);
    const lo = floorDiv(n0(sMin[j]), r);
    const hi = floorDiv(n0(sMax[j]), r);
    const least = lo < hi ? lo : hi;
    if (-least > off) off = -least;
    ends.push([n0(sMin[j]), n0(sMax[j]), n0(0), r, m]);
  }
  const constant = new Float64Array(C);
  let size = 0n;
  let clampFree = true;
  const range = BigInt(plan.qmax - plan.qmin);
  for (let j = 0; j < C; j++) {
    const [a, b, z, r, m] = ends[j];
    const shift = off << r;
    for (const n of [a + shift, b + shift]) {
      if (n < 0n || n >= LIMIT) return null;
      const i = floorDiv(n, r);
      if (i + 1n > size) size = i + 1n;
      if (i - off < 0n || i - off > range) clampFree = false;
    }
    const c = z + shift;
    if (c >= LIMIT || -c >= LIMIT) return null;
    for (const s of [sMin[j], sMax[j]]) if (BigInt(Math.abs(s)) * (m < 0n ? -m : m) >= LIMIT) return null;
    constant[j] = Number(c) * 2 ** -Number(r);
  }
  // Indices must be int32 (| 0); a table is needed, and kept small, only where something clamps.
  if (size > 2n ** 31n || (!clampFree && size > BigInt(MAX_TABLE))) return null;
  const OFF = Number(off);
  const codes = new Float64Array(clampFree ? 0 : Number(size));
  const highCodes = new Float64Array(codes.length);
  for (let i = 0; i < codes.length; i++) {
    codes[i] = plan.qmin + Math.min(plan.qmax - plan.qmin, Math.max(0, i - OFF));
    highCodes[i] = IMAGE_PAIR_LANE * codes[i];
  }
  return { constant, codes, highCodes, clampFree, base: plan.qmin - OFF };
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
