// The fast int8 GEMM: out[M×N] = A[M×K] · Wᵀ (W is N×K, one output channel per row), int32 with
// the wrap of int32 accumulators. It returns exactly what the SDOT and SMMLA mirrors return, bit
// for bit, at a fraction of their cost. Any plain JS technique is allowed here; these are used:
//
// 1. Two output channels per double ("SWAR" in a float64). A weight pair is stored as one double
//    w0 + S·w1 with S = 2^26; a·(w0 + S·w1) = a·w0 + S·a·w1, so one multiply-add does two
//    multiply-accumulates. Over a depth slice of KC = 256 the low sum stays below 2^23 in
//    magnitude (|a·w| <= 255·128 < 2^15, uint8 activations included), so it never reaches S/2 and
//    the two sums are recovered exactly: hi = round(x / S), lo = x - hi·S. Every intermediate is
//    an integer below 2^50, so every double operation is exact.
// 2. Integer sums wrapped once. Products are summed exactly in doubles; the int32 wrap is applied
//    once per slice with `| 0` (ToInt32 is reduction mod 2^32, the same ring as the hardware's
//    wrapping adds, so wrapping once equals wrapping at every step).
// 3. The structure of kernels/gemm.ts (Goto/BLIS blocking, an 8-row micro-tile accumulated in a
//    small constant Float64Array, two depth steps per accumulator update, fixed-size module-level
//    buffers so V8 compiles their addresses as constants). With two channels per double the 8x4
//    tile of doubles is an 8x8 tile of C: twice the multiply-accumulates of the float kernel per
//    instruction.
// Weights are prepacked once (prepackInt8Fast) into panels of 8 channels as channel-pair doubles.
import { checkDims, checkIntRange, checkLength, outputFor } from './validate';

export interface Int8FastPanels {
  kind: 'int8-fast';
  n: number;
  k: number;
  /** Depth padded to even (the kernel consumes two depth steps per iteration). */
  kEven: number;
  /** ceil(n/8) panels × kEven depth steps × 4 channel-pair doubles. */
  data: Float64Array;
}

/** Lane spacing of the channel-pair doubles. */
const S = 67108864; // 2^26
const INV_S = 1 / S;
const MR = 8; // rows of A per micro-tile
const NP = 4; // channel-pair doubles per micro-tile (8 channels)
const KC = 256; // depth slice: bounds the low lane below 2^23 and keeps a panel slice in L1
const MC = 64; // rows of A per block (64·256 doubles = 128 KB, in L2)

const PACKED_A = new Float64Array(MC * KC);
const PANEL = new Float64Array(KC * NP);
const TILE = new Float64Array(MR * NP);

/** Prepack W (N×K int8 values, row-major) into channel-pair panels; done once per weight matrix. */
export function prepackInt8Fast(w: ArrayLike<number>, n: number, k: number): Int8FastPanels {
  checkDims('prepackInt8Fast', { n, k });
  checkLength('prepackInt8Fast', 'w', w, n * k, `${n}x${k}`);
  checkIntRange('prepackInt8Fast', 'w', w, n * k, -128, 127); // the lane bound assumes int8 weights
  const kEven = k + (k & 1);
  const panels = Math.ceil(n / (2 * NP));
  const data = new Float64Array(panels * kEven * NP);
  for (let p = 0; p < panels; p++) {
    for (let j = 0; j < NP; j++) {
      const c0 = p * 2 * NP + 2 * j;
      const c1 = c0 + 1;
      for (let t = 0; t < k; t++) {
        const w0 = c0 < n ? w[c0 * k + t] : 0;
        const w1 = c1 < n ? w[c1 * k + t] : 0;
        data[(p * kEven + t) * NP + j] = w0 + S * w1;
      }
    }
  }
  return { kind: 'int8-fast', n, k, kEven, data };
}

/** out[M×N] = A[M×K] · Wᵀ as int32 (wrapping), A int8 or uint8; equals gemmInt8SdotMirror. */
export function gemmInt8Fast(
  m: number, n: number, k: number, a: Int8Array | Uint8Array, w: Int8FastPanels, out?: Int32Array,
): Int32Array {
  checkDims('gemmInt8Fast', { m, n, k });
  if (w.n !== n || w.k !== k) throw new Error(`gemmInt8Fast: panels are for ${w.n}x${w.k} weights, called with n=${n}, k=${k}`);
  checkLength('gemmInt8Fast', 'a', a, m * k, `${m}x${k}`);
  const c = outputFor('gemmInt8Fast', out, m, n);
  if (k === 0) {
    c.fill(0, 0, m * n);
    return c;
  }
  const panels = Math.ceil(n / (2 * NP));
  for (let pc = 0; pc < k; pc += KC) {
    const kc = Math.min(KC, k - pc);
    const kcEven = kc + (kc & 1);
    for (let ic = 0; ic < m; ic += MC) {
      const mc = Math.min(MC, m - ic);
      packA(a, k, ic, mc, pc, kc, kcEven);
      for (let p = 0; p < panels; p++) {
        // This slice of the prepacked panel is contiguous: copy it into the constant buffer.
        const from = (p * w.kEven + pc) * NP;
        PANEL.set(w.data.subarray(from, from + kcEven * NP));
        const col = p * 2 * NP;
        const cols = Math.min(2 * NP, n - col);
        for (let ir = 0; ir < mc; ir += MR) {
          kernel8x4(kcEven, ir * kcEven);
          storeTile(c, (ic + ir) * n + col, n, Math.min(MR, mc - ir), cols, pc > 0);
        }
      }
    }
  }
  return c;
}

/** Copy rows ic..ic+mc, depth pc..pc+kc of A into PACKED_A as MR-row depth-major panels. */
function packA(a: Int8Array | Uint8Array, k: number, ic: number, mc: number, pc: number, kc: number, kcEven: number): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = Math.min(MR, mc - ir);
    const panel = ir * kcEven;
    if (rows < MR || kc < kcEven) PACKED_A.fill(0, panel, panel + MR * kcEven);
    for (let i = 0; i < rows; i++) {
      const src = (ic + ir + i) * k + pc;
      let dst = panel + i;
      for (let t = 0; t < kc; t++, dst += MR) PACKED_A[dst] = a[src + t];
    }
  }
}

/**
 * TILE[8×4 channel-pair doubles] = (A panel at aStart)·PANEL over an even depth, two depth steps
 * per iteration. Written out in full: V8 does not unroll loops.
 */
function kernel8x4(kcEven: number, aStart: number): void {
  for (let i = 0; i < MR * NP; i++) TILE[i] = 0;
  const aEnd = aStart + kcEven * MR;
  for (let p = aStart, q = 0; p < aEnd; p += 2 * MR, q += 2 * NP) {
    const b00 = PANEL[q], b01 = PANEL[q + 1], b02 = PANEL[q + 2], b03 = PANEL[q + 3];
    const b10 = PANEL[q + 4], b11 = PANEL[q + 5], b12 = PANEL[q + 6], b13 = PANEL[q + 7];
    let a0 = PACKED_A[p], a1 = PACKED_A[p + 8];
    TILE[0] += a0 * b00 + a1 * b10;
    TILE[1] += a0 * b01 + a1 * b11;
    TILE[2] += a0 * b02 + a1 * b12;
    TILE[3] += a0 * b03 + a1 * b13;
    a0 = PACKED_A[p + 1]; a1 = PACKED_A[p + 9];
    TILE[4] += a0 * b00 + a1 * b10;
    TILE[5] += a0 * b01 + a1 * b11;
    TILE[6] += a0 * b02 + a1 * b12;
    TILE[7] += a0 * b03 + a1 * b13;
    a0 = PACKED_A[p + 2]; a1 = PACKED_A[p + 10];
    TILE[8] += a0 * b00 + a1 * b10;
    TILE[9] += a0 * b01 + a1 * b11;
    TILE[10] += a0 * b02 + a1 * b12;
    TILE[11] += a0 * b03 + a1 * b13;
    a0 = PACKED_A[p + 3]; a1 = PACKED_A[p + 11];
    TILE[12] += a0 * b00 + a1 * b10;
    TILE[13] += a0 * b01 + a1 * b11;
    TILE[14] += a0 * b02 + a1 * b12;
    TILE[15] += a0 * b03 + a1 * b13;
    a0 = PACKED_A[p + 4]; a1 = PACKED_A[p + 12];
    TILE[16] += a0 * b00 + a1 * b10;
    TILE[17] += a0 * b01 + a1 * b11;
    TILE[18] += a0 * b02 + a1 * b12;
    TILE[19] += a0 * b03 + a1 * b13;
    a0 = PACKED_A[p + 5]; a1 = PACKED_A[p + 13];
    TILE[20] += a0 * b00 + a1 * b10;
    TILE[21] += a0 * b01 + a1 * b11;
    TILE[22] += a0 * b02 + a1 * b12;
    TILE[23] += a0 * b03 + a1 * b13;
    a0 = PACKED_A[p + 6]; a1 = PACKED_A[p + 14];
    TILE[24] += a0 * b00 + a1 * b10;
    TILE[25] += a0 * b01 + a1 * b11;
    TILE[26] += a0 * b02 + a1 * b12;
    TILE[27] += a0 * b03 + a1 * b13;
    a0 = PACKED_A[p + 7]; a1 = PACKED_A[p + 15];
    TILE[28] += a0 * b00 + a1 * b10;
    TILE[29] += a0 * b01 + a1 * b11;
    TILE[30] += a0 * b02 + a1 * b12;
    TILE[31] += a0 * b03 + a1 * b13;
  }
}

/** Split each channel-pair double of TILE and write (or add, wrapping) rows×cols of C at `at`. */
function storeTile(c: Int32Array, at: number, ldc: number, rows: number, cols: number, accumulate: boolean): void {
  for (let i = 0; i < rows; i++, at += ldc) {
    for (let j = 0; j < cols; j++) {
      const x = TILE[i * NP + (j >> 1)];
      const hi = Math.round(x * INV_S);
      const v = (j & 1) === 0 ? x - hi * S : hi;
      c[at + j] = accumulate ? (c[at + j] + v) | 0 : v | 0;
    }
  }
}
