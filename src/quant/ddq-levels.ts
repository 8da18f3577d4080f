// The arithmetic of DDQ's levels (see docs/ddq.md), as plain functions over arrays.
//
// A quantizer holds n = 2^K sorted levels q. Precision gates g_1..g_K (g_1 most significant)
// merge adjacent levels: the merged levels are q̃ = Z·U·q with
//     Z·U = ⊗_{i=1..K} (g_i·I_2 + (1 - g_i)·J_2/2),
// where I_2 is the identity and J_2 the all-ones 2x2 matrix. A closed gate (g_i = 0) averages
// the pairs of levels that differ only in bit i. We never build the n x n matrix: applying
// factor i to a vector of length 2^K is one pass over pairs (index, index + 2^(K-i)), so the
// whole product costs K·n operations. The same function gives the backward pass (every factor
// is symmetric, so (Z·U)ᵀ = Z·U) and the exact gate gradients (factor i replaced by I - J/2,
// the derivative of the factor with respect to g_i).
import type { FloatArray } from '../../kernels/float-array';

/** softplus(x) = log(1 + e^x), computed without overflow. */
export function softplus(x: number): number {
  return x > 30 ? x : Math.log1p(Math.exp(x));
}

/** Inverse of softplus, for initialising gaps: log(e^y - 1). */
export function softplusInverse(y: number): number {
  if (!(y > 0)) throw new Error(`softplusInverse: need y > 0, got ${y}`);
  return y > 30 ? y : Math.log(Math.expm1(y));
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** Sorted levels from the first level and n-1 raw gaps: q_i = q_0 + Σ_{k<i} softplus(gap_k). */
export function levelsFromGaps(first: number, gaps: FloatArray, out: Float64Array = new Float64Array(gaps.length + 1)): Float64Array {
  out[0] = first;
  for (let i = 1; i < out.length; i++) out[i] = out[i - 1] + softplus(gaps[i - 1]);
  return out;
}

/**
 * Backward of `levelsFromGaps`: from dL/dq, the gradient of the first level (Σ dL/dq_i) and of
 * each raw gap k (sigmoid(gap_k) · Σ_{i>k} dL/dq_i, since gap k shifts every later level).
 */
export function levelsFromGapsBackward(gaps: FloatArray, dq: Float64Array, dGaps: Float64Array): number {
  let suffix = 0;
  for (let i = dq.length - 1; i >= 1; i--) {
    suffix += dq[i];
    dGaps[i - 1] = sigmoid(gaps[i - 1]) * suffix;
  }
  return suffix + dq[0];
}

/**
 * y = (⊗_i F_i) · v for v of length 2^K, with F_i = g_i·I + (1-g_i)·J/2, or F_i = I - J/2 for
 * i === replace (the derivative of factor i with respect to g_i). Gate 0 acts on the most
 * significant bit of the level index. Gates may be soft (any value in [0, 1]).
 */
export function applyGates(v: Float64Array, gates: readonly number[], replace = -1, out: Float64Array = new Float64Array(v.length)): Float64Array {
  const K = gates.length;
  if (v.length !== 1 << K) throw new Error(`applyGates: ${v.length} levels do not match ${K} gates (need ${1 << K})`);
  out.set(v);
  for (let i = 0; i < K; i++) {
    // Keep weight a, move weight (1 - a)/2 ... written as: pair (x, y) -> (a·x + c·y, c·x + a·y).
    let a: number;
    let c: number;
    if (i === replace) {
      a = 0.5; // I - J/2 = [[1/2, -1/2], [-1/2, 1/2]]
      c = -0.5;
    } else {
      const g = gates[i];
      a = g + (1 - g) / 2;
      c = (1 - g) / 2;
      if (c === 0) continue; // an open gate is the identity
    }
    const stride = 1 << (K - 1 - i);
    for (let base = 0; base < out.length; base += 2 * stride) {
      for (let j = base; j < base + stride; j++) {
        const x = out[j];
        const y = out[j + stride];
        out[j] = a * x + c * y;
        out[j + stride] = c * x + a * y;
      }
    }
  }
  return out;
}

/** Hard monotone gates from logits: g_1 = 1, g_i = g_{i-1}·1[t_i >= 0]. */
export function hardGates(logits: FloatArray): number[] {
  const g = new Array<number>(logits.length);
  let open = 1;
  for (let i = 0; i < logits.length; i++) {
    if (i > 0 && !(logits[i] >= 0)) open = 0;
    g[i] = open;
  }
  return g;
}

/** Bits of a monotone gate vector: the number of open gates. */
export function bitsOf(gates: readonly number[]): number {
  let b = 0;
  for (const g of gates) b += g;
  return b;
}

/**
 * The distinct merged levels for `bits` open (leading) gates: the means of consecutive blocks of
 * 2^(K - bits) levels. Equal to every 2^(K-bits)-th entry of applyGates(q, hard gates).
 */
export function mergedLevels(q: Float64Array, bits: number): Float64Array {
  const block = q.length >> bits;
  if (block < 1 || block << bits !== q.length) throw new Error(`mergedLevels: ${bits} bits do not fit ${q.length} levels`);
  const out = new Float64Array(1 << bits);
  for (let j = 0; j < out.length; j++) {
    let s = 0;
    for (let k = j * block; k < (j + 1) * block; k++) s += q[k];
    out[j] = s / block;
  }
  return out;
}

/**
 * Full-resolution levels (n of them) whose merged levels at log2(merged.length) bits are exactly
 * `merged` (sorted ascending): block j is spread evenly and symmetrically around merged[j], so its
 * mean is merged[j], with a spacing small enough that blocks never overlap (a quarter of the
 * narrowest gap between merged levels, shared over the block). Equal merged levels are first
 * pulled apart by a tiny step, since the levels must stay strictly increasing (softplus gaps).
 */
export function fineLevelsWithBlockMeans(merged: Float64Array, n: number): Float64Array {
  const k = merged.length;
  const block = n / k;
  if (!Number.isInteger(block) || block < 1 || (k & (k - 1)) !== 0) throw new Error(`fineLevelsWithBlockMeans: ${k} merged levels do not split ${n} levels into blocks`);
  const target = Float64Array.from(merged);
  const span = Math.max(target[k - 1] - target[0], Math.abs(target[0]), 1e-6);
  const minGap = span * 1e-6;
  for (let j = 1; j < k; j++) if (!(target[j] - target[j - 1] >= minGap)) target[j] = target[j - 1] + minGap;
  let narrowest = Infinity;
  for (let j = 1; j < k; j++) narrowest = Math.min(narrowest, target[j] - target[j - 1]);
  const step = k > 1 ? narrowest / (4 * block) : span / n;
  const out = new Float64Array(n);
  for (let j = 0; j < k; j++) for (let i = 0; i < block; i++) out[j * block + i] = target[j] + (i - (block - 1) / 2) * step;
  return out;
}

/** Midpoints between neighbouring sorted levels: x belongs to level j when mid[j-1] <= x < mid[j]. */
export function midpoints(levels: Float64Array): Float64Array {
  const mid = new Float64Array(Math.max(0, levels.length - 1));
  for (let j = 0; j < mid.length; j++) mid[j] = (levels[j] + levels[j + 1]) / 2;
  return mid;
}

/**
 * Nearest level for each x (levels sorted ascending), by binary search over the midpoints
 * between neighbours. Ties go to the upper level; values beyond the ends take the end levels.
 * The plain reference for `assignNearest`.
 */
export function assignNearestReference(x: FloatArray, levels: Float64Array, index: Int32Array | Uint8Array | Uint16Array): void {
  const mid = midpoints(levels);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    // Smallest j with v < mid[j]; that is the level index (mid.length if none).
    let lo = 0;
    let hi = mid.length;
    while (lo < hi) {
      const h = (lo + hi) >> 1;
      if (v < mid[h]) hi = h;
      else lo = h + 1;
    }
    index[i] = lo;
  }
}

/**
 * Same result as `assignNearestReference`, faster on large tensors. A binary search takes one
 * unpredictable branch per halving (8 for 256 levels), and mispredictions dominate its cost.
 * Here a table over 4·m equal buckets between the outer midpoints gives, for each bucket, the
 * number of midpoints below it; one branch-free step up (a bucket of an evenly spread level set
 * holds at most one midpoint) and, rarely, a walk both ways finish the job, so the result is
 * exact whatever the rounding of the bucket index or the spread of the levels. The bucket index
 * is clamped with arithmetic, not `c ? a : b` (a value select measured ~7 ns per element in V8,
 * the whole loop 17 -> 8 ns on ReLU6 outputs at 256 levels).
 */
export function assignNearest(x: FloatArray, levels: Float64Array, index: Int32Array | Uint8Array | Uint16Array): void {
  const mid = midpoints(levels);
  const m = mid.length;
  if (m < 4 || x.length < 4 * m) {
    assignNearestReference(x, levels, index);
    return;
  }
  const buckets = 4 * (m + 1);
  const lo = mid[0];
  const span = mid[m - 1] - lo;
  if (!(span > 0)) {
    assignNearestReference(x, levels, index);
    return;
  }
  const scale = buckets / span;
  const below = new Int32Array(buckets + 1);
  for (let b = 0, j = 0; b <= buckets; b++) {
    const edge = lo + b / scale;
    while (j < m && mid[j] < edge) j++;
    below[b] = j;
  }
  // The midpoints with sentinels: bound[j] = mid[j - 1], bound[0] = -Infinity, bound[m + 1] = +Infinity,
  // so level j is right for v exactly when bound[j] <= v < bound[j + 1].
  const bound = new Float64Array(m + 2);
  bound[0] = -Infinity;
  bound.set(mid, 1);
  bound[m + 1] = Infinity;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v !== v) {
      index[i] = m; // NaN compares false everywhere: the top level, as in the reference
      continue;
    }
    // Bucket position clamped to [0, buckets]: max(t, 0), then min(., buckets), branch-free.
    const t = (v - lo) * scale;
    const u = (t + Math.abs(t)) * 0.5;
    const over = u - buckets;
    let j = below[(u - (over + Math.abs(over)) * 0.5) | 0];
    j += +(v >= bound[j + 1]);
    if (v >= bound[j + 1] || v < bound[j]) {
      // Rare: rounding at a bucket edge, a crowded bucket, or an infinite v.
      while (j < m && v >= bound[j + 1]) j++;
      while (j > 0 && v < bound[j]) j--;
    }
    index[i] = j;
  }
}
