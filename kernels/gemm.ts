// Fast fp32/fp64 GEMM in plain TypeScript: C = op(A)·op(B) (+ C), the workhorse under linear
// layers and im2col convolution. `gemmReference` (gemm-reference.ts) is the definition it must
// match.
//
// The structure is the classic Goto/BLIS one: C is cut into NC-wide column blocks, the depth
// into KC-long slices and the rows into MC-tall blocks; each block of B (KC×NC) and of A (MC×KC)
// is first copied ("packed") into a contiguous Float64Array in exactly the order the inner
// kernel reads it, then an 8x4 micro-kernel computes each 8x4 tile of C over the slice.
//
// Three things make it fast in V8, all measured on the 2-core AMD EPYC of this project
// (N=512, GFLOP/s, best of interleaved runs on a shared machine; the naive i-k-j loop runs at
// 0.4-0.75):
//  1. The packing buffers are module-level constants of fixed size. V8 then compiles their
//     address and length into the kernel as constants: a load becomes one instruction plus a
//     well-predicted bounds check, instead of re-reading the array's map, base and length each
//     iteration (4x4 register kernel: 2.3 with buffers passed as arguments, 3.6 as constants).
//  2. The 8x4 accumulators live in a small constant Float64Array (`TILE`), not in 32 local
//     variables. x64 has 16 double registers and V8 computes all products of an iteration
//     before any sum, so register tiles bigger than about 3x3 spill chaotically (best register
//     tile: 3x4 at ~4.0). Explicit memory accumulators are updated in source order with
//     load-multiply-add-store, which the CPU pipelines well (8x4: ~5.0).
//  3. Two depth steps are folded into each accumulator update (acc += a0*b0 + a1*b1), halving
//     the accumulator traffic (8x4: ~6.5; ~7 with the first step assigning instead of zeroing
//     the tile first). The packed panels are padded to an even depth with zeros so the kernel
//     needs no odd tail.
// Float64 panels beat Float32 ones (no float->double conversion per load) and keep float64
// callers (gradient checks) exact to double rounding. Not re-entrant across threads by design:
// each worker has its own module instance and so its own buffers.
import { FloatArray } from './float-array';
import { GemmOptions, resolveGemmArgs } from './gemm-options';

export { GemmOptions } from './gemm-options';

/** Micro-tile: rows of A × columns of B per kernel call. */
const MR = 8;
const NR = 4;
/** Block sizes: a KC×NR panel of B (8 KB) stays in L1, an MC×KC block of A (128 KB) in L2. */
const MC = 64;
const KC = 256;
const NC = 512;

const PACKED_A = new Float64Array(MC * KC);
const PACKED_B = new Float64Array(KC * NC);
const TILE = new Float64Array(MR * NR);

/**
 * C[m×n] = op(A)·op(B), or C += op(A)·op(B) with `beta: 1`. Row-major; see `GemmOptions`.
 * Accepts Float32Array or Float64Array for each operand. Sums are formed in doubles over each
 * KC-long depth slice; when k > KC the slices are added up in C (so in C's precision).
 */
export function gemm(
  m: number, n: number, k: number, a: FloatArray, b: FloatArray, c: FloatArray, opts: GemmOptions = {},
): void {
  const args = resolveGemmArgs('gemm', m, n, k, a, b, c, opts);
  const { transA, transB, beta, aOffset, bOffset, cOffset, lda, ldb, ldc } = args;
  if (m === 0 || n === 0) return;
  if (k === 0) {
    // An empty sum: C = 0 (beta 0) or C unchanged (beta 1).
    if (beta === 0) for (let i = 0; i < m; i++) c.fill(0, cOffset + i * ldc, cOffset + i * ldc + n);
    return;
  }
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      const kcEven = kc + (kc & 1);
      // The first depth slice applies beta; later slices add to what earlier ones wrote.
      const accumulate = pc > 0 || beta === 1;
      packB(b, bOffset, ldb, transB, pc, kc, kcEven, jc, nc);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        packA(a, aOffset, lda, transA, ic, mc, pc, kc, kcEven);
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = Math.min(NR, nc - jr);
          for (let ir = 0; ir < mc; ir += MR) {
            const rows = Math.min(MR, mc - ir);
            kernel8x4(kcEven, ir * kcEven, jr * kcEven);
            storeTile(c, cOffset + (ic + ir) * ldc + jc + jr, ldc, rows, cols, accumulate);
          }
        }
      }
    }
  }
}

// The building blocks below are exported for gemm-batched.ts, which composes them in another
// loop order; they work on this module's buffers.

/**
 * The tile and block sizes and the packed-A capacity (in doubles), for gemm-batched.ts. An
 * object rather than exported constants: TypeScript compiles every use of an exported const
 * inside its own module to a property load from `exports`, which made this file 3x slower.
 */
export const GEMM_BLOCKING = { MR, NR, KC, NC, packedASize: MC * KC } as const;

/**
 * Packs rows ic..ic+mc, depth pc..pc+kc of op(A) into PACKED_A as MR-row panels, each laid out
 * depth-major (MR values per depth step), rows past the edge and depth kc..kcEven zero.
 */
export function packA(
  a: FloatArray, aOffset: number, lda: number, transA: boolean,
  ic: number, mc: number, pc: number, kc: number, kcEven: number,
): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = Math.min(MR, mc - ir);
    const panel = ir * kcEven;
    if (rows < MR || kc < kcEven) PACKED_A.fill(0, panel, panel + MR * kcEven);
    if (transA) {
      // Stored k×m: one depth step of the panel is a contiguous run of `rows` values.
      for (let t = 0; t < kc; t++) {
        const src = aOffset + (pc + t) * lda + ic + ir;
        const dst = panel + t * MR;
        for (let i = 0; i < rows; i++) PACKED_A[dst + i] = a[src + i];
      }
    } else {
      // Stored m×k: one row of the panel is a contiguous run of `kc` values.
      for (let i = 0; i < rows; i++) {
        const src = aOffset + (ic + ir + i) * lda + pc;
        let dst = panel + i;
        for (let t = 0; t < kc; t++, dst += MR) PACKED_A[dst] = a[src + t];
      }
    }
  }
}

/**
 * Packs depth pc..pc+kc, columns jc..jc+nc of op(B) into PACKED_B as NR-column panels, each
 * depth-major (NR values per depth step), columns past the edge and depth kc..kcEven zero.
 */
export function packB(
  b: FloatArray, bOffset: number, ldb: number, transB: boolean,
  pc: number, kc: number, kcEven: number, jc: number, nc: number,
): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = Math.min(NR, nc - jr);
    const panel = jr * kcEven;
    if (cols < NR || kc < kcEven) PACKED_B.fill(0, panel, panel + NR * kcEven);
    if (transB) {
      // Stored n×k: one column of the panel is a contiguous run of `kc` values.
      for (let j = 0; j < cols; j++) {
        const src = bOffset + (jc + jr + j) * ldb + pc;
        let dst = panel + j;
        for (let t = 0; t < kc; t++, dst += NR) PACKED_B[dst] = b[src + t];
      }
    } else if (cols === NR) {
      // Stored k×n, full panel: each depth step is 4 contiguous values.
      let src = bOffset + pc * ldb + jc + jr;
      for (let t = 0, dst = panel; t < kc; t++, src += ldb, dst += NR) {
        PACKED_B[dst] = b[src];
        PACKED_B[dst + 1] = b[src + 1];
        PACKED_B[dst + 2] = b[src + 2];
        PACKED_B[dst + 3] = b[src + 3];
      }
    } else {
      // Stored k×n, right edge: `cols` < 4 values per depth step.
      for (let t = 0; t < kc; t++) {
        const src = bOffset + (pc + t) * ldb + jc + jr;
        const dst = panel + t * NR;
        for (let j = 0; j < cols; j++) PACKED_B[dst + j] = b[src + j];
      }
    }
  }
}

/**
 * TILE[8×4] = (A panel at aStart)·(B panel at bStart) over an even depth `kcEven` (>= 2).
 * Each step consumes two depth steps: A(i, t) and A(i, t+1) for the 8 rows, B(t, j) and
 * B(t+1, j) for the 4 columns. Written out in full on purpose: V8 does not unroll loops, and a
 * loop over the rows measured 3x slower. The first step assigns TILE rather than zeroing it
 * beforehand, which measured ~10% faster at every size tried (16x196x9 up to 512^3).
 */
export function kernel8x4(kcEven: number, aStart: number, bStart: number): void {
  {
    const p = aStart;
    const q = bStart;
    const b00 = PACKED_B[q], b01 = PACKED_B[q + 1], b02 = PACKED_B[q + 2], b03 = PACKED_B[q + 3];
    const b10 = PACKED_B[q + 4], b11 = PACKED_B[q + 5], b12 = PACKED_B[q + 6], b13 = PACKED_B[q + 7];
    let a0 = PACKED_A[p], a1 = PACKED_A[p + 8]; // row 0 at depth t and t+1
    TILE[0] = a0 * b00 + a1 * b10;
    TILE[1] = a0 * b01 + a1 * b11;
    TILE[2] = a0 * b02 + a1 * b12;
    TILE[3] = a0 * b03 + a1 * b13;
    a0 = PACKED_A[p + 1]; a1 = PACKED_A[p + 9]; // row 1
    TILE[4] = a0 * b00 + a1 * b10;
    TILE[5] = a0 * b01 + a1 * b11;
    TILE[6] = a0 * b02 + a1 * b12;
    TILE[7] = a0 * b03 + a1 * b13;
    a0 = PACKED_A[p + 2]; a1 = PACKED_A[p + 10]; // row 2
    TILE[8] = a0 * b00 + a1 * b10;
    TILE[9] = a0 * b01 + a1 * b11;
    TILE[10] = a0 * b02 + a1 * b12;
    TILE[11] = a0 * b03 + a1 * b13;
    a0 = PACKED_A[p + 3]; a1 = PACKED_A[p + 11]; // row 3
    TILE[12] = a0 * b00 + a1 * b10;
    TILE[13] = a0 * b01 + a1 * b11;
    TILE[14] = a0 * b02 + a1 * b12;
    TILE[15] = a0 * b03 + a1 * b13;
    a0 = PACKED_A[p + 4]; a1 = PACKED_A[p + 12]; // row 4
    TILE[16] = a0 * b00 + a1 * b10;
    TILE[17] = a0 * b01 + a1 * b11;
    TILE[18] = a0 * b02 + a1 * b12;
    TILE[19] = a0 * b03 + a1 * b13;
    a0 = PACKED_A[p + 5]; a1 = PACKED_A[p + 13]; // row 5
    TILE[20] = a0 * b00 + a1 * b10;
    TILE[21] = a0 * b01 + a1 * b11;
    TILE[22] = a0 * b02 + a1 * b12;
    TILE[23] = a0 * b03 + a1 * b13;
    a0 = PACKED_A[p + 6]; a1 = PACKED_A[p + 14]; // row 6
    TILE[24] = a0 * b00 + a1 * b10;
    TILE[25] = a0 * b01 + a1 * b11;
    TILE[26] = a0 * b02 + a1 * b12;
    TILE[27] = a0 * b03 + a1 * b13;
    a0 = PACKED_A[p + 7]; a1 = PACKED_A[p + 15]; // row 7
    TILE[28] = a0 * b00 + a1 * b10;
    TILE[29] = a0 * b01 + a1 * b11;
    TILE[30] = a0 * b02 + a1 * b12;
    TILE[31] = a0 * b03 + a1 * b13;
  }
  const aEnd = aStart + kcEven * MR;
  for (let p = aStart + 2 * MR, q = bStart + 2 * NR; p < aEnd; p += 2 * MR, q += 2 * NR) {
    const b00 = PACKED_B[q], b01 = PACKED_B[q + 1], b02 = PACKED_B[q + 2], b03 = PACKED_B[q + 3];
    const b10 = PACKED_B[q + 4], b11 = PACKED_B[q + 5], b12 = PACKED_B[q + 6], b13 = PACKED_B[q + 7];
    let a0 = PACKED_A[p], a1 = PACKED_A[p + 8]; // row 0 at depth t and t+1
    TILE[0] += a0 * b00 + a1 * b10;
    TILE[1] += a0 * b01 + a1 * b11;
    TILE[2] += a0 * b02 + a1 * b12;
    TILE[3] += a0 * b03 + a1 * b13;
    a0 = PACKED_A[p + 1]; a1 = PACKED_A[p + 9]; // row 1
    TILE[4] += a0 * b00 + a1 * b10;
    TILE[5] += a0 * b01 + a1 * b11;
    TILE[6] += a0 * b02 + a1 * b12;
    TILE[7] += a0 * b03 + a1 * b13;
    a0 = PACKED_A[p + 2]; a1 = PACKED_A[p + 10]; // row 2
    TILE[8] += a0 * b00 + a1 * b10;
    TILE[9] += a0 * b01 + a1 * b11;
    TILE[10] += a0 * b02 + a1 * b12;
    TILE[11] += a0 * b03 + a1 * b13;
    a0 = PACKED_A[p + 3]; a1 = PACKED_A[p + 11]; // row 3
    TILE[12] += a0 * b00 + a1 * b10;
    TILE[13] += a0 * b01 + a1 * b11;
    TILE[14] += a0 * b02 + a1 * b12;
    TILE[15] += a0 * b03 + a1 * b13;
    a0 = PACKED_A[p + 4]; a1 = PACKED_A[p + 12]; // row 4
    TILE[16] += a0 * b00 + a1 * b10;
    TILE[17] += a0 * b01 + a1 * b11;
    TILE[18] += a0 * b02 + a1 * b12;
    TILE[19] += a0 * b03 + a1 * b13;
    a0 = PACKED_A[p + 5]; a1 = PACKED_A[p + 13]; // row 5
    TILE[20] += a0 * b00 + a1 * b10;
    TILE[21] += a0 * b01 + a1 * b11;
    TILE[22] += a0 * b02 + a1 * b12;
    TILE[23] += a0 * b03 + a1 * b13;
    a0 = PACKED_A[p + 6]; a1 = PACKED_A[p + 14]; // row 6
    TILE[24] += a0 * b00 + a1 * b10;
    TILE[25] += a0 * b01 + a1 * b11;
    TILE[26] += a0 * b02 + a1 * b12;
    TILE[27] += a0 * b03 + a1 * b13;
    a0 = PACKED_A[p + 7]; a1 = PACKED_A[p + 15]; // row 7
    TILE[28] += a0 * b00 + a1 * b10;
    TILE[29] += a0 * b01 + a1 * b11;
    TILE[30] += a0 * b02 + a1 * b12;
    TILE[31] += a0 * b03 + a1 * b13;
  }
}

/** Writes (or adds) the top-left rows×cols of TILE into C at `at` with row stride ldc. */
export function storeTile(c: FloatArray, at: number, ldc: number, rows: number, cols: number, accumulate: boolean): void {
  if (cols === NR) {
    // Full-width rows (all but the right edge): four explicit stores per row.
    if (accumulate) {
      for (let i = 0, t = 0; i < rows; i++, t += NR, at += ldc) {
        c[at] += TILE[t]; c[at + 1] += TILE[t + 1]; c[at + 2] += TILE[t + 2]; c[at + 3] += TILE[t + 3];
      }
    } else {
      for (let i = 0, t = 0; i < rows; i++, t += NR, at += ldc) {
        c[at] = TILE[t]; c[at + 1] = TILE[t + 1]; c[at + 2] = TILE[t + 2]; c[at + 3] = TILE[t + 3];
      }
    }
    return;
  }
  for (let i = 0, t = 0; i < rows; i++, t += NR, at += ldc) {
    if (accumulate) for (let j = 0; j < cols; j++) c[at + j] += TILE[t + j];
    else for (let j = 0; j < cols; j++) c[at + j] = TILE[t + j];
  }
}
