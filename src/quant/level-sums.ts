// Backward of a quantizer whose elements read their level directly (a code per element): the
// straight-through input gradient (g inside [lo, hi], 0 outside) and the per-level gradient
// sums that the level parameters (DDQ's step) need. Both walk x, g and the codes of every
// activation; `straightThroughWithLevelSums` does it in one pass instead of two and gives
// exactly the two separate functions' results (same comparisons, same summation order).
// `levelSumsReference` is the plain definition of the level sums' order.
import type { FloatArray } from '../../kernels/float-array';

type Codes = Uint8Array | Uint16Array | Int32Array;

/**
 * dx[i] = g[i] where lo <= x[i] <= hi, else 0 (NaN: 0), for i in [begin, end). A predictable
 * branch between two stores: a `c ? a : b` value here measured several times slower in V8.
 */
export function straightThrough(x: FloatArray, g: FloatArray, lo: number, hi: number, dx: FloatArray, begin: number, end: number): void {
  for (let i = begin; i < end; i++) {
    const v = x[i];
    if (v >= lo && v <= hi) dx[i] = g[i];
    else dx[i] = 0;
  }
}

/** The four partial sums per level combined: sums[j] = (p0 + p1) + (p2 + p3). */
function combineLanes(part: Float64Array, levels: number): Float64Array {
  const sums = new Float64Array(levels);
  for (let j = 0; j < levels; j++) sums[j] = (part[4 * j] + part[4 * j + 1]) + (part[4 * j + 2] + part[4 * j + 3]);
  return sums;
}

/**
 * sums[j] = Σ g[i] over i in [begin, end) with code[i] = j. Four interleaved partial sums per
 * level (element begin + 4k + r goes to lane r, the tail after the last group of four to lane
 * 0): with one, consecutive elements on the same level (the many zeros after a ReLU) wait for
 * each other's store; four measured 2.2x faster. Fixed order, so deterministic. The plain
 * definition of that order; `levelSums` gives exactly its results.
 */
export function levelSumsReference(code: Codes, g: FloatArray, begin: number, end: number, levels: number): Float64Array {
  const part = new Float64Array(4 * levels);
  let i = begin;
  for (; i + 3 < end; i += 4) {
    for (let r = 0; r < 4; r++) part[4 * code[i + r] + r] += g[i + r];
  }
  for (; i < end; i++) part[4 * code[i]] += g[i];
  return combineLanes(part, levels);
}

/**
 * `levelSumsReference`, same additions in the same order, written out sixteen elements (four
 * groups of four) per iteration: V8 does not unroll loops, and the loop's own overhead (index,
 * bound and exit checks) was a third of the time at four per iteration (activations of a
 * MobileNetV2 step, 13.4 -> 9.0 ms per step in isolation).
 */
export function levelSums(code: Codes, g: FloatArray, begin: number, end: number, levels: number): Float64Array {
  const part = new Float64Array(4 * levels);
  let i = begin;
  for (; i + 15 < end; i += 16) {
    part[4 * code[i]] += g[i];
    part[4 * code[i + 1] + 1] += g[i + 1];
    part[4 * code[i + 2] + 2] += g[i + 2];
    part[4 * code[i + 3] + 3] += g[i + 3];
    part[4 * code[i + 4]] += g[i + 4];
    part[4 * code[i + 5] + 1] += g[i + 5];
    part[4 * code[i + 6] + 2] += g[i + 6];
    part[4 * code[i + 7] + 3] += g[i + 7];
    part[4 * code[i + 8]] += g[i + 8];
    part[4 * code[i + 9] + 1] += g[i + 9];
    part[4 * code[i + 10] + 2] += g[i + 10];
    part[4 * code[i + 11] + 3] += g[i + 11];
    part[4 * code[i + 12]] += g[i + 12];
    part[4 * code[i + 13] + 1] += g[i + 13];
    part[4 * code[i + 14] + 2] += g[i + 14];
    part[4 * code[i + 15] + 3] += g[i + 15];
  }
  for (; i + 3 < end; i += 4) {
    part[4 * code[i]] += g[i];
    part[4 * code[i + 1] + 1] += g[i + 1];
    part[4 * code[i + 2] + 2] += g[i + 2];
    part[4 * code[i + 3] + 3] += g[i + 3];
  }
  for (; i < end; i++) part[4 * code[i]] += g[i];
  return combineLanes(part, levels);
}

/**
 * `straightThrough` and `levelSums` over [begin, end) in one pass: fills dx and returns the
 * sums, bit for bit what the two give separately.
 */
export function straightThroughWithLevelSums(
  x: FloatArray, g: FloatArray, code: Codes, lo: number, hi: number, dx: FloatArray, begin: number, end: number, levels: number,
): Float64Array {
  const part = new Float64Array(4 * levels);
  let i = begin;
  for (; i + 3 < end; i += 4) {
    const g0 = g[i];
    const g1 = g[i + 1];
    const g2 = g[i + 2];
    const g3 = g[i + 3];
    part[4 * code[i]] += g0;
    part[4 * code[i + 1] + 1] += g1;
    part[4 * code[i + 2] + 2] += g2;
    part[4 * code[i + 3] + 3] += g3;
    const v0 = x[i];
    const v1 = x[i + 1];
    const v2 = x[i + 2];
    const v3 = x[i + 3];
    if (v0 >= lo && v0 <= hi) dx[i] = g0;
    else dx[i] = 0;
    if (v1 >= lo && v1 <= hi) dx[i + 1] = g1;
    else dx[i + 1] = 0;
    if (v2 >= lo && v2 <= hi) dx[i + 2] = g2;
    else dx[i + 2] = 0;
    if (v3 >= lo && v3 <= hi) dx[i + 3] = g3;
    else dx[i + 3] = 0;
  }
  for (; i < end; i++) {
    const gi = g[i];
    part[4 * code[i]] += gi;
    const v = x[i];
    if (v >= lo && v <= hi) dx[i] = gi;
    else dx[i] = 0;
  }
  return combineLanes(part, levels);
}
