// The fast lookup-table GEMM for 1..4-bit weights: bit-for-bit what gemmLutMirror returns
// (Σ_t (c_t - z)·a_t reduced mod 2^32), with the same bit-plane method, tuned for V8:
//
// 1. Groups of 8 activations, 256-entry tables. One lookup replaces 8 multiply-adds per bit-plane
//    (the NEON mirror uses 4 because TBL has 16-entry tables). A 256-entry table is the sum of a
//    16-entry table of the low 4 activations and one of the high 4 (T[hi·16 + lo] = L[lo] +
//    H[hi]), so building it costs one add per entry; it is built once per activation row block
//    and reused by every one of the N weight rows.
// 2. Three activation rows per double. Table entries are exact integers of at most 8·128 = 2^10
//    in magnitude (exact int16 values); the entries of three activation rows are stored as one
//    double e0 + S·e1 + S²·e2 with S = 2^18, so one load and one add serve three rows. A depth
//    block of GB groups is chosen so every lane's sum stays below 2^16 = S/4: the three lanes are
//    then recovered exactly (l2 = round(x/S²), then l1, then l0) and the whole double stays an
//    integer below 2^53, so no operation rounds. With four such doubles per lookup index the
//    micro-tile is 12 activation rows, and each weight index byte is loaded once for all twelve
//    (measured ~10% faster than 9 rows; more accumulators start to spill registers).
// 3. Bit-planes folded with exact multiplies: x += T[i0] + 2·T[i1] (+ 4·T[i2] + 8·T[i3]), one
//    specialised loop per bit count (V8 does not unroll loops). The loops leave their four sums
//    per weight row in a buffer; a separate pass splits the lanes (rounding with the 1.5·2^52
//    trick, exact here because no lane sits near a half) and adds them into C.
// The weight zero point is applied once per output: - z·Σ_t a_t, with Math.imul (wrapping).
import { checkLutWeights } from './gemm-lut-mirror';
import { checkDims, checkLength, outputFor } from './validate';

export interface LutFastPanels {
  kind: 'lut-fast';
  n: number;
  k: number;
  bits: number;
  zeroPoint: number;
  /** Groups of 8 depth values: ceil(k/8). */
  groups: number;
  /** Index bytes [row][group][plane]: bit t of the byte is bit `plane` of the code at 8·group + t. */
  index: Uint8Array;
}

const S = 262144; // 2^18, lane spacing
const S2 = S * S;
const INV_S = 1 / S;
const INV_S2 = 1 / S2;
const LANES = 3; // activation rows per double
const TRIPLES = 4; // doubles per table entry
const MR = LANES * TRIPLES; // activation rows per micro-tile
const MAX_GB = 32;
const TAB = new Float64Array(MAX_GB * 256 * TRIPLES); // [group][index][triple]
const L = new Float64Array(16 * TRIPLES); // subset sums of the low 4 activations of a group
const H = new Float64Array(16 * TRIPLES); // and of the high 4
/** x + ROUNDER - ROUNDER rounds a double below 2^51 in magnitude to the nearest integer. */
const ROUNDER = 6755399441055744; // 1.5·2^52
/** Lane-packed sums of one depth block: SUMS[TRIPLES·j + triple] for weight row j (grown on demand). */
let SUMS = new Float64Array(TRIPLES * 1024);

/** Groups per depth block for `bits`: keeps every lane's sum, ≤ GB·1024·(2^bits - 1), below 2^16. */
function groupsPerBlock(bits: number): number {
  return Math.min(MAX_GB, Math.floor(63 / (2 ** bits - 1)));
}

/** Prepack N×K codes (each in [0, 2^bits), weight = code - zeroPoint) for gemmLutFast. */
export function prepackLutFast(codes: Uint8Array, n: number, k: number, bits: number, zeroPoint = 2 ** (bits - 1)): LutFastPanels {
  checkLutWeights('prepackLutFast', codes, n, k, bits, zeroPoint);
  const groups = Math.ceil(k / 8);
  const index = new Uint8Array(n * groups * bits);
  for (let j = 0; j < n; j++) {
    for (let g = 0; g < groups; g++) {
      for (let i = 0; i < bits; i++) {
        let byte = 0;
        for (let t = 0; t < 8 && 8 * g + t < k; t++) byte |= ((codes[j * k + 8 * g + t] >> i) & 1) << t;
        index[(j * groups + g) * bits + i] = byte;
      }
    }
  }
  return { kind: 'lut-fast', n, k, bits, zeroPoint, groups, index };
}

/** out[M×N] = A[M×K] · Wᵀ with W = codes - zeroPoint; equals gemmLutMirror bit for bit. */
export function gemmLutFast(m: number, n: number, k: number, a: Int8Array, w: LutFastPanels, out?: Int32Array): Int32Array {
  checkDims('gemmLutFast', { m, n, k });
  if (w.n !== n || w.k !== k) throw new Error(`gemmLutFast: panels are for ${w.n}x${w.k} weights, called with n=${n}, k=${k}`);
  checkLength('gemmLutFast', 'a', a, m * k, `${m}x${k}`);
  const c = outputFor('gemmLutFast', out, m, n);
  c.fill(0, 0, m * n);
  const { bits, groups, index } = w;
  const gbMax = groupsPerBlock(bits);
  // Activations of one row block as lane-packed doubles: lanes[t·TRIPLES + triple] for depth t.
  const lanes = new Float64Array(groups * 8 * TRIPLES);
  for (let i0 = 0; i0 < m; i0 += MR) {
    const rows = Math.min(MR, m - i0);
    packLanes(a, k, i0, rows, lanes);
    for (let g0 = 0; g0 < groups; g0 += gbMax) {
      const gb = Math.min(gbMax, groups - g0);
      buildTables(lanes, g0, gb);
      if (SUMS.length < TRIPLES * n) SUMS = new Float64Array(TRIPLES * n);
      if (bits === 1) lookup1(n, groups, g0, gb, index);
      else if (bits === 2) lookup2(n, groups, g0, gb, index);
      else if (bits === 3) lookup3(n, groups, g0, gb, index);
      else lookup4(n, groups, g0, gb, index);
      addLanes(c, i0, n, rows);
    }
    // Σ (c - z)·a = Σ c·a - z·Σ a.
    for (let r = 0; r < rows; r++) {
      let sum = 0;
      for (let t = 0; t < k; t++) sum += a[(i0 + r) * k + t];
      const correction = Math.imul(w.zeroPoint, sum);
      for (let j = 0, o = (i0 + r) * n; j < n; j++, o++) c[o] = (c[o] - correction) | 0;
    }
  }
  return c;
}

/** lanes[t·TRIPLES + q] = a[r0][t] + S·a[r0+1][t] + S²·a[r0+2][t] for triple q (rows r0 = i0 + 3q). */
function packLanes(a: Int8Array, k: number, i0: number, rows: number, lanes: Float64Array): void {
  lanes.fill(0);
  for (let r = 0; r < rows; r++) {
    const q = Math.floor(r / LANES);
    const scale = r % LANES === 0 ? 1 : r % LANES === 1 ? S : S2;
    const src = (i0 + r) * k;
    for (let t = 0; t < k; t++) lanes[t * TRIPLES + q] += scale * a[src + t];
  }
}

/** TAB[group][hi·16 + lo][triple] = L[lo] + H[hi] for groups g0..g0+gb-1. */
function buildTables(lanes: Float64Array, g0: number, gb: number): void {
  for (let g = 0; g < gb; g++) {
    const src = (g0 + g) * 8 * TRIPLES;
    for (let q = 0; q < TRIPLES; q++) {
      const o = q * 16;
      // Subset sums of 4 values, entry e = Σ_{bit j of e} v_j, for the low and the high half.
      for (let half = 0; half < 2; half++) {
        const T = half === 0 ? L : H;
        const v0 = lanes[src + (4 * half) * TRIPLES + q];
        const v1 = lanes[src + (4 * half + 1) * TRIPLES + q];
        const v2 = lanes[src + (4 * half + 2) * TRIPLES + q];
        const v3 = lanes[src + (4 * half + 3) * TRIPLES + q];
        T[o] = 0; T[o + 1] = v0; T[o + 2] = v1; T[o + 3] = v0 + v1;
        T[o + 4] = v2; T[o + 5] = v2 + v0; T[o + 6] = v2 + v1; T[o + 7] = v2 + v0 + v1;
        for (let x = 0; x < 8; x++) T[o + 8 + x] = T[o + x] + v3;
      }
    }
    const base = g * 1024;
    for (let hi = 0; hi < 16; hi++) {
      const h0 = H[hi], h1 = H[16 + hi], h2 = H[32 + hi], h3 = H[48 + hi];
      for (let lo = 0, at = base + hi * 64; lo < 16; lo++, at += 4) {
        TAB[at] = L[lo] + h0;
        TAB[at + 1] = L[16 + lo] + h1;
        TAB[at + 2] = L[32 + lo] + h2;
        TAB[at + 3] = L[48 + lo] + h3;
      }
    }
  }
}

/** Split SUMS into twelve rows of values and add them (wrapping) into C rows i0..i0+rows-1. */
function addLanes(c: Int32Array, i0: number, n: number, rows: number): void {
  const sums = SUMS;
  for (let q = 0; q < TRIPLES; q++) {
    const r = 3 * q;
    if (r >= rows) break;
    const o0 = (i0 + r) * n;
    if (r + 3 <= rows) {
      // All three lanes are real rows: the common case, without per-element checks.
      const o1 = o0 + n;
      const o2 = o1 + n;
      for (let j = 0; j < n; j++) {
        const x = sums[TRIPLES * j + q];
        const l2 = x * INV_S2 + ROUNDER - ROUNDER;
        const rest = x - l2 * S2;
        const l1 = rest * INV_S + ROUNDER - ROUNDER;
        c[o0 + j] = (c[o0 + j] + (rest - l1 * S)) | 0;
        c[o1 + j] = (c[o1 + j] + l1) | 0;
        c[o2 + j] = (c[o2 + j] + l2) | 0;
      }
    } else {
      for (let j = 0; j < n; j++) {
        const x = sums[TRIPLES * j + q];
        const l2 = x * INV_S2 + ROUNDER - ROUNDER;
        const rest = x - l2 * S2;
        const l1 = rest * INV_S + ROUNDER - ROUNDER;
        c[o0 + j] = (c[o0 + j] + (rest - l1 * S)) | 0;
        if (r + 1 < rows) c[o0 + n + j] = (c[o0 + n + j] + l1) | 0;
      }
    }
  }
}

// The lookup loops, one per bit count, written for TRIPLES = 4 (1024 = 256 entries × 4 doubles).
function lookup1(n: number, groups: number, g0: number, gb: number, index: Uint8Array): void {
  const sums = SUMS;
  for (let j = 0; j < n; j++) {
    let x0 = 0, x1 = 0, x2 = 0, x3 = 0;
    for (let g = 0, base = 0, w = j * groups + g0; g < gb; g++, base += 1024, w++) {
      const p0 = base + (index[w] << 2);
      x0 += TAB[p0];
      x1 += TAB[p0 + 1];
      x2 += TAB[p0 + 2];
      x3 += TAB[p0 + 3];
    }
    sums[4 * j] = x0;
    sums[4 * j + 1] = x1;
    sums[4 * j + 2] = x2;
    sums[4 * j + 3] = x3;
  }
}

function lookup2(n: number, groups: number, g0: number, gb: number, index: Uint8Array): void {
  const sums = SUMS;
  for (let j = 0; j < n; j++) {
    let x0 = 0, x1 = 0, x2 = 0, x3 = 0;
    for (let g = 0, base = 0, w = (j * groups + g0) * 2; g < gb; g++, base += 1024, w += 2) {
      const p0 = base + (index[w] << 2);
      const p1 = base + (index[w + 1] << 2);
      x0 += TAB[p0] + 2 * TAB[p1];
      x1 += TAB[p0 + 1] + 2 * TAB[p1 + 1];
      x2 += TAB[p0 + 2] + 2 * TAB[p1 + 2];
      x3 += TAB[p0 + 3] + 2 * TAB[p1 + 3];
    }
    sums[4 * j] = x0;
    sums[4 * j + 1] = x1;
    sums[4 * j + 2] = x2;
    sums[4 * j + 3] = x3;
  }
}

function lookup3(n: number, groups: number, g0: number, gb: number, index: Uint8Array): void {
  const sums = SUMS;
  for (let j = 0; j < n; j++) {
    let x0 = 0, x1 = 0, x2 = 0, x3 = 0;
    for (let g = 0, base = 0, w = (j * groups + g0) * 3; g < gb; g++, base += 1024, w += 3) {
      const p0 = base + (index[w] << 2);
      const p1 = base + (index[w + 1] << 2);
      const p2 = base + (index[w + 2] << 2);
      x0 += TAB[p0] + 2 * TAB[p1] + 4 * TAB[p2];
      x1 += TAB[p0 + 1] + 2 * TAB[p1 + 1] + 4 * TAB[p2 + 1];
      x2 += TAB[p0 + 2] + 2 * TAB[p1 + 2] + 4 * TAB[p2 + 2];
      x3 += TAB[p0 + 3] + 2 * TAB[p1 + 3] + 4 * TAB[p2 + 3];
    }
    sums[4 * j] = x0;
    sums[4 * j + 1] = x1;
    sums[4 * j + 2] = x2;
    sums[4 * j + 3] = x3;
  }
}

function lookup4(n: number, groups: number, g0: number, gb: number, index: Uint8Array): void {
  const sums = SUMS;
  for (let j = 0; j < n; j++) {
    let x0 = 0, x1 = 0, x2 = 0, x3 = 0;
    for (let g = 0, base = 0, w = (j * groups + g0) * 4; g < gb; g++, base += 1024, w += 4) {
      const p0 = base + (index[w] << 2);
      const p1 = base + (index[w + 1] << 2);
      const p2 = base + (index[w + 2] << 2);
      const p3 = base + (index[w + 3] << 2);
      x0 += TAB[p0] + 2 * TAB[p1] + 4 * TAB[p2] + 8 * TAB[p3];
      x1 += TAB[p0 + 1] + 2 * TAB[p1 + 1] + 4 * TAB[p2 + 1] + 8 * TAB[p3 + 1];
      x2 += TAB[p0 + 2] + 2 * TAB[p1 + 2] + 4 * TAB[p2 + 2] + 8 * TAB[p3 + 2];
      x3 += TAB[p0 + 3] + 2 * TAB[p1 + 3] + 4 * TAB[p2 + 3] + 8 * TAB[p3 + 3];
    }
    sums[4 * j] = x0;
    sums[4 * j + 1] = x1;
    sums[4 * j + 2] = x2;
    sums[4 * j + 3] = x3;
  }
}
