// int8 x int8 -> int32 GEMM as an ARMv8.6 i8mm kernel runs it: a 4x8 output tile held in 8
// int32x4 accumulators, each a 2x2 block of C, depth consumed 8 at a time by SMMLA. Every
// arithmetic step is a kernels/neon mirror call.
//
// SMMLA multiplies a 2x8 matrix (two rows of A, 8 depth values each) by an 8x2 matrix given as
// two 8-byte columns, which are exactly two rows of W (one output channel per row): so the
// weight panel (packSmmlaPanels) stores, per depth group of 8 and per channel pair, the register
// [W[c0][k..k+7], W[c1][k..k+7]], 8 channels (4 pairs) per panel. Activations are packed the
// same way, two rows interleaved per depth group of 8 (as ruy and KleidiAI pack LHS for i8mm).
// Each accumulator ends as [c(r0,c0), c(r0,c1), c(r1,c0), c(r1,c1)]; UZP1/UZP2 on 64-bit
// elements turn two neighbouring accumulators into the two rows of C.
// Edges: zero padding to whole tiles and a depth multiple of 8, which never changes a result.
import { dup, ld1, smmla, st1, uzp1, uzp2 } from '../neon';
import { checkDims, checkLength, outputFor, roundUp } from './validate';

export interface SmmlaPanels {
  kind: 'smmla-4x8';
  n: number;
  k: number;
  /** Depth padded to a multiple of 8. */
  kPadded: number;
  /** ceil(n/8) panels × (kPadded/8) groups × 4 channel pairs × 16 bytes. */
  data: Int8Array;
}

const NR = 8;
const MR = 4;

/**
 * Interleave rows of an R×K matrix in pairs: for each pair and each depth group of 8, 16 bytes
 * [row0 k..k+7, row1 k..k+7]. Rows are padded to an even count, depth to kPadded, with zeros.
 */
function interleavePairs(src: Int8Array, rows: number, k: number, rowsPadded: number, kPadded: number): Int8Array {
  const groups = kPadded / 8;
  const out = new Int8Array(rowsPadded * kPadded);
  for (let pair = 0; pair < rowsPadded / 2; pair++) {
    for (let g = 0; g < groups; g++) {
      for (let h = 0; h < 2; h++) {
        const row = 2 * pair + h;
        for (let j = 0; j < 8; j++) {
          const t = 8 * g + j;
          if (row < rows && t < k) out[(pair * groups + g) * 16 + 8 * h + j] = src[row * k + t];
        }
      }
    }
  }
  return out;
}

/** Pack W (N×K int8, row-major) into SMMLA panels; done once per weight matrix. */
export function packSmmlaPanels(w: Int8Array, n: number, k: number): SmmlaPanels {
  checkDims('packSmmlaPanels', { n, k });
  checkLength('packSmmlaPanels', 'w', w, n * k, `${n}x${k}`);
  const kPadded = roundUp(k, 8);
  // Channel pairs in order are exactly the panel layout: panel p holds pairs 4p..4p+3.
  return { kind: 'smmla-4x8', n, k, kPadded, data: interleavePairs(w, n, k, roundUp(n, NR), kPadded) };
}

/** out[M×N] = A[M×K] · Wᵀ, with W given as SMMLA panels; int32, wrapping like the hardware. */
export function gemmInt8SmmlaMirror(m: number, n: number, k: number, a: Int8Array, w: SmmlaPanels, out?: Int32Array): Int32Array {
  checkDims('gemmInt8SmmlaMirror', { m, n, k });
  if (w.n !== n || w.k !== k) throw new Error(`gemmInt8SmmlaMirror: panels are for ${w.n}x${w.k} weights, called with n=${n}, k=${k}`);
  checkLength('gemmInt8SmmlaMirror', 'a', a, m * k, `${m}x${k}`);
  const c = outputFor('gemmInt8SmmlaMirror', out, m, n);
  const { kPadded, data } = w;
  const groups = kPadded / 8;
  const lhs = interleavePairs(a, m, k, roundUp(m, MR), kPadded);
  const acc = Array.from({ length: 8 }, () => new Int32Array(4)); // acc[4rp + cp]: row pair rp, channel pair cp
  const va = [new Int8Array(16), new Int8Array(16)];
  const vb = Array.from({ length: 4 }, () => new Int8Array(16));
  const row = new Int32Array(4);
  for (let i0 = 0; i0 < m; i0 += MR) {
    for (let p = 0; p * NR < n; p++) {
      for (const r of acc) dup(r, 0);
      for (let g = 0; g < groups; g++) {
        for (let rp = 0; rp < 2; rp++) ld1(va[rp], lhs, ((i0 / 2 + rp) * groups + g) * 16);
        for (let cp = 0; cp < 4; cp++) ld1(vb[cp], data, ((4 * p + cp) * groups + g) * 16);
        for (let rp = 0; rp < 2; rp++) {
          for (let cp = 0; cp < 4; cp++) smmla(acc[4 * rp + cp], va[rp], vb[cp]);
        }
      }
      // De-interleave: UZP1 .2D of channel pairs (0,1) gives row 2rp, channels 0..3; UZP2 row 2rp+1.
      for (let rp = 0; rp < 2; rp++) {
        for (let half = 0; half < 2; half++) {
          const col = p * NR + 4 * half;
          const lo = acc[4 * rp + 2 * half];
          const hi = acc[4 * rp + 2 * half + 1];
          for (let h = 0; h < 2; h++) {
            const i = i0 + 2 * rp + h;
            if (i >= m || col >= n) continue;
            (h === 0 ? uzp1 : uzp2)(row, lo, hi, 8);
            st1(c, i * n + col, row, Math.min(4, n - col));
          }
        }
      }
    }
  }
  return c;
}
