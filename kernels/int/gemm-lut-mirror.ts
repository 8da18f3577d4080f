// Lookup-table GEMM for 1..4-bit weights (T-MAC, arXiv 2407.00088), as a NEON kernel would run it,
// with exact int16 tables. Weights are b-bit codes c in [0, 2^b) standing for w = c - z (z the
// weight zero point, 2^(b-1) by default, so 2-bit weights are -2..1). Instead of multiplying, the
// kernel splits the codes into b bit-planes and, per activation row, precomputes for every group
// of 4 activations the table of all 16 subset sums T[idx] = Σ_{j: bit j of idx} a_j. Then
//   Σ_t c_t·a_t = Σ_i 2^i Σ_groups T_group[idx_i],
// where idx_i gathers bit i of the 4 codes of a group: one table lookup replaces 4 multiply-adds
// per bit-plane, so the cost is proportional to the bit count. Finally Σ w·a = Σ c·a - z·Σ a.
//
// Tables (per activation row, per group of 4): entries are at most 4·128 in magnitude, so they are
// exact int16. They are built with 16-bit multiply-adds by element from constant bit-pattern
// vectors (entries 0..7 = a0·bit0 + a1·bit1 + a2·bit2, entries 8..15 = those + a3), then split by
// UZP1/UZP2 into a low-byte and a high-byte 16-entry register, since TBL looks up bytes.
// (T-MAC instead re-quantizes tables to int8, which is lossy; here nothing is lost.) Each entry
// also satisfies T[15 - idx] = T[15] - T[idx], with T[15] the group's sum (T-MAC's "mirror
// consolidation" for ±1 tables, in the 0/1 form used here).
//
// Lookup (per 16 weight rows, per bit-plane, per pair of groups): one 16-byte register holds, for
// 16 rows, the 4-bit index of group g in the low nibble and of group g + 1 in the high nibble
// (AND #0x0F / USHR #4 split them). TBL on the low-byte and the high-byte table, then ZIP1/ZIP2,
// rebuilds 16 int16 partial sums. They accumulate in int16 for up to 64 groups (|sum| <= 64·512 =
// 32768: the most negative sum, -32768, still fits), then drain into int32 with SSHLL #i, which
// also applies the plane's weight 2^i. The zero point is applied at the end with MLS.
//
// Weight panel (packLutPanels): rows in blocks of 16, then bit-planes, then pairs of groups, 16
// bytes each. Depth is padded to a multiple of 8 (a group pair); activations are zero-padded, so
// padded codes select sums of zeros.
import {
  add, and, dup, dupLane, ld1, mls, mlaLane, mulLane, sadalp, saddlp, addv, sshll, sshll2, st1, tbl, ushr, uzp1, uzp2, zip1, zip2,
} from '../neon';
import { checkDims, checkIntRange, checkLength, outputFor, roundUp } from './validate';

export interface LutPanels {
  kind: 'lut-16';
  n: number;
  k: number;
  bits: number;
  /** Weight zero point: w = code - zeroPoint. */
  zeroPoint: number;
  /** Depth padded to a multiple of 8. */
  kPadded: number;
  /** ceil(n/16) blocks × bits planes × kPadded/8 group pairs × 16 bytes. */
  data: Uint8Array;
}

const NR = 16;
/** Groups summed in int16 before draining into int32 (64·(-512) = -32768 still fits). */
const FLUSH_GROUPS = 64;

function checkBits(fn: string, bits: number): void {
  if (!Number.isInteger(bits) || bits < 1 || bits > 4) {
    throw new Error(`${fn}: bits must be an integer in [1, 4], got ${bits}`);
  }
}

/** Validate LUT weights: N×K codes in [0, 2^bits) and an integer zero point. */
export function checkLutWeights(fn: string, codes: Uint8Array, n: number, k: number, bits: number, zeroPoint: number): void {
  checkDims(fn, { n, k });
  checkBits(fn, bits);
  checkLength(fn, 'codes', codes, n * k, `${n}x${k}`);
  checkIntRange(fn, 'codes', codes, n * k, 0, 2 ** bits - 1);
  if (!Number.isInteger(zeroPoint) || Math.abs(zeroPoint) > 255) {
    throw new Error(`${fn}: zeroPoint must be an integer in [-255, 255], got ${zeroPoint}`);
  }
}

/** Pack N×K codes into bit-plane index panels for gemmLutMirror. */
export function packLutPanels(codes: Uint8Array, n: number, k: number, bits: number, zeroPoint = 2 ** (bits - 1)): LutPanels {
  checkLutWeights('packLutPanels', codes, n, k, bits, zeroPoint);
  const kPadded = roundUp(Math.max(k, 1), 8);
  const blocks = Math.ceil(n / NR);
  const data = new Uint8Array(blocks * bits * (kPadded / 8) * NR);
  // The 4-bit index of group g (depth 4g..4g+3) in bit-plane i for one row.
  const nibble = (row: number, g: number, i: number) => {
    let v = 0;
    for (let j = 0; j < 4; j++) {
      const t = 4 * g + j;
      if (row < n && t < k) v |= ((codes[row * k + t] >> i) & 1) << j;
    }
    return v;
  };
  let at = 0;
  for (let b = 0; b < blocks; b++) {
    for (let i = 0; i < bits; i++) {
      for (let q = 0; q < kPadded / 8; q++) {
        for (let r = 0; r < NR; r++) data[at++] = nibble(b * NR + r, 2 * q, i) | (nibble(b * NR + r, 2 * q + 1, i) << 4);
      }
    }
  }
  return { kind: 'lut-16', n, k, bits, zeroPoint, kPadded, data };
}

/** out[M×N] = A[M×K] · Wᵀ with W = codes - zeroPoint, through exact int16 lookup tables. */
export function gemmLutMirror(m: number, n: number, k: number, a: Int8Array, w: LutPanels, out?: Int32Array): Int32Array {
  checkDims('gemmLutMirror', { m, n, k });
  if (w.n !== n || w.k !== k) throw new Error(`gemmLutMirror: panels are for ${w.n}x${w.k} weights, called with n=${n}, k=${k}`);
  checkLength('gemmLutMirror', 'a', a, m * k, `${m}x${k}`);
  const c = outputFor('gemmLutMirror', out, m, n);
  const { kPadded, bits, data } = w;
  const groups = kPadded / 4;
  const pairs = kPadded / 8;
  // Constant bit patterns: lane e of bitPattern[j] is bit j of e (entries 0..7).
  const bitPattern = [0, 1, 2].map((j) => Int16Array.from({ length: 8 }, (_, e) => (e >> j) & 1));
  const lowNibbles = dup(new Uint8Array(16), 0x0f);
  const row = new Int8Array(roundUp(kPadded, 16));
  const va = new Int8Array(16);
  const va16 = new Int16Array(8);
  const lower = new Int16Array(8);
  const upper = new Int16Array(8);
  const a3 = new Int16Array(8);
  const tabLo = Array.from({ length: groups }, () => new Uint8Array(16));
  const tabHi = Array.from({ length: groups }, () => new Uint8Array(16));
  const pair16 = new Int16Array(8);
  const sum32 = new Int32Array(4);
  const packed = new Uint8Array(16);
  const idx = [new Uint8Array(16), new Uint8Array(16)];
  const lo = new Uint8Array(16);
  const hi = new Uint8Array(16);
  const part = [new Int16Array(8), new Int16Array(8)];
  const acc16 = [new Int16Array(8), new Int16Array(8)];
  const acc = Array.from({ length: 4 }, () => new Int32Array(4));
  const wide = new Int32Array(4);
  const zp = dup(new Int32Array(4), w.zeroPoint);
  const rowSum = new Int32Array(4);

  for (let i = 0; i < m; i++) {
    // 1. Tables and the row sum of this activation row (zero-padded to whole registers).
    row.fill(0);
    row.set(a.subarray(i * k, i * k + k));
    dup(sum32, 0);
    for (let r = 0; r < Math.ceil(kPadded / 16); r++) {
      ld1(va, row, 16 * r);
      sadalp(sum32, saddlp(pair16, va));
      for (let half = 0; half < 2; half++) {
        // Sign-extend 8 activations (2 groups) to int16.
        (half === 0 ? sshll : sshll2)(va16, va, 0);
        for (let h = 0; h < 2; h++) {
          const g = 4 * r + 2 * half + h;
          if (g >= groups) continue;
          const l = 4 * h; // lanes of this group's a0..a3 in va16
          mulLane(lower, bitPattern[0], va16, l);
          mlaLane(lower, bitPattern[1], va16, l + 1);
          mlaLane(lower, bitPattern[2], va16, l + 2);
          add(upper, lower, dupLane(a3, va16, l + 3));
          uzp1(tabLo[g], lower, upper, 1); // low bytes of entries 0..15
          uzp2(tabHi[g], lower, upper, 1); // high bytes
        }
      }
    }
    dup(rowSum, addv(sum32));

    // 2. Lookups for 16 weight rows at a time.
    for (let b = 0; b * NR < n; b++) {
      for (const r of acc) dup(r, 0);
      for (let plane = 0; plane < bits; plane++) {
        for (const r of acc16) dup(r, 0);
        let pending = 0;
        for (let q = 0; q < pairs; q++) {
          ld1(packed, data, ((b * bits + plane) * pairs + q) * 16);
          and(idx[0], packed, lowNibbles); // group 2q
          ushr(idx[1], packed, 4); // group 2q + 1
          for (let h = 0; h < 2; h++) {
            const g = 2 * q + h;
            tbl(lo, [tabLo[g]], idx[h]);
            tbl(hi, [tabHi[g]], idx[h]);
            zip1(part[0], lo, hi, 1); // int16 sums for rows 0..7
            zip2(part[1], lo, hi, 1); // rows 8..15
            add(acc16[0], acc16[0], part[0]);
            add(acc16[1], acc16[1], part[1]);
          }
          pending += 2;
          if (pending === FLUSH_GROUPS || q === pairs - 1) {
            // Drain into int32, weighting bit-plane i by 2^i.
            add(acc[0], acc[0], sshll(wide, acc16[0], plane));
            add(acc[1], acc[1], sshll2(wide, acc16[0], plane));
            add(acc[2], acc[2], sshll(wide, acc16[1], plane));
            add(acc[3], acc[3], sshll2(wide, acc16[1], plane));
            for (const r of acc16) dup(r, 0);
            pending = 0;
          }
        }
      }
      for (let r4 = 0; r4 < 4; r4++) {
        mls(acc[r4], zp, rowSum); // Σ c·a - z·Σ a
        const col = b * NR + 4 * r4;
        if (col < n) st1(c, i * n + col, acc[r4], Math.min(4, n - col));
      }
    }
  }
  return c;
}

