// int4 weights x int8 activations -> int32 as a dotprod kernel runs it (KleidiAI's qsi4 kernels,
// XNNPACK's qc4w): the same 4x16 tile and SDOT by element as gemm-int8-sdot-mirror.ts, but each
// 16-byte weight load holds 32 weights, two per byte, decoded in registers:
//   SHL  #4      low nibble w moves to the top: the int8 byte is w·16
//   AND  #0xF0   high nibble kept in place:     the int8 byte is w·16
// No sign-extension step is needed because nibbles are stored two's complement (see
// pack-int4.ts and its ^0x88 note). SDOT then accumulates 16·Σ a·w, and a final SSHR #4 divides
// by 16. That is exact while |16·Σ| < 2^31 (K <= 131071 even with -128·-8 everywhere); past that
// the hardware result is (16·Σ mod 2^32) >> 4, and so is this mirror's and the fast path's.
//
// Weight panel (packInt4SdotPanels): a byte pairs depth k with k + d (d = `distance`, a multiple
// of 4; 16 is KleidiAI's choice, 4 XNNPACK's). Per panel of 16 channels, per chunk of 2d depth
// values, per group of 4 in the chunk's first half, per block of 4 channels, one register holds
// [ch0 bytes for k..k+3, ch1 ..., ch2 ..., ch3 ...]: the low nibbles form the SDOT operand for
// depth group k..k+3 and the high nibbles the one for k+d..k+d+3.
import { and, dup, ld1, sdotLane, shl, sshr, st1 } from '../neon';
import { padActivations } from './gemm-int8-sdot-mirror';
import { checkDims, checkIntRange, checkLength, outputFor, roundUp } from './validate';

export interface Int4SdotPanels {
  kind: 'int4-sdot-4x16';
  n: number;
  k: number;
  distance: number;
  /** Depth padded to a multiple of both 2·distance (a chunk) and 16 (an activation register). */
  kPadded: number;
  data: Int8Array;
}

const NR = 16;
const MR = 4;

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** Pack W (N×K int4 values in [-8, 7], row-major) into int4 SDOT panels with pairing distance d. */
export function packInt4SdotPanels(w: Int8Array, n: number, k: number, distance = 16): Int4SdotPanels {
  checkDims('packInt4SdotPanels', { n, k });
  if (!Number.isInteger(distance) || distance < 4 || distance % 4 !== 0) {
    throw new Error(`packInt4SdotPanels: distance must be a positive multiple of 4, got ${distance}`);
  }
  checkLength('packInt4SdotPanels', 'w', w, n * k, `${n}x${k}`);
  checkIntRange('packInt4SdotPanels', 'w', w, n * k, -8, 7);
  const chunk = 2 * distance;
  const kPadded = roundUp(k, (chunk * 16) / gcd(chunk, 16));
  const panels = Math.ceil(n / NR);
  const data = new Int8Array(panels * (kPadded / 2) * NR);
  const value = (col: number, t: number) => (col < n && t < k ? w[col * k + t] & 0xf : 0);
  let at = 0;
  for (let p = 0; p < panels; p++) {
    for (let c0 = 0; c0 < kPadded; c0 += chunk) {
      for (let g = 0; g < distance / 4; g++) {
        for (let cb = 0; cb < 4; cb++) {
          for (let c = 0; c < 4; c++) {
            const col = p * NR + 4 * cb + c;
            for (let j = 0; j < 4; j++) {
              const t = c0 + 4 * g + j;
              data[at++] = value(col, t) | (value(col, t + distance) << 4);
            }
          }
        }
      }
    }
  }
  return { kind: 'int4-sdot-4x16', n, k, distance, kPadded, data };
}

/** out[M×N] = A[M×K] · Wᵀ with int4 W as panels; int32 as the hardware computes it (see header). */
export function gemmInt4SdotMirror(m: number, n: number, k: number, a: Int8Array, w: Int4SdotPanels, out?: Int32Array): Int32Array {
  checkDims('gemmInt4SdotMirror', { m, n, k });
  if (w.n !== n || w.k !== k) throw new Error(`gemmInt4SdotMirror: panels are for ${w.n}x${w.k} weights, called with n=${n}, k=${k}`);
  checkLength('gemmInt4SdotMirror', 'a', a, m * k, `${m}x${k}`);
  const c = outputFor('gemmInt4SdotMirror', out, m, n);
  const { kPadded, distance, data } = w;
  const lhs = padActivations(a, m, k, MR, kPadded);
  const acc = Array.from({ length: MR * 4 }, () => new Int32Array(4));
  const va = new Int8Array(16);
  const packed = new Int8Array(16);
  const lo = Array.from({ length: 4 }, () => new Int8Array(16));
  const hi = Array.from({ length: 4 }, () => new Int8Array(16));
  const highMask = dup(new Int8Array(16), 0xf0);
  let panelStart = 0;
  for (let p = 0; p * NR < n; p++, panelStart += (kPadded / 2) * NR) {
    for (let i0 = 0; i0 < m; i0 += MR) {
      for (const r of acc) dup(r, 0);
      let at = panelStart;
      for (let c0 = 0; c0 < kPadded; c0 += 2 * distance) {
        for (let g = 0; g < distance / 4; g++) {
          for (let cb = 0; cb < 4; cb++, at += 16) {
            ld1(packed, data, at);
            shl(lo[cb], packed, 4); // w(k..k+3)·16
            and(hi[cb], packed, highMask); // w(k+d..k+d+3)·16
          }
          // Depth groups k and k + d: which activation register (16 bytes) and which lane.
          for (const [regs, t] of [[lo, c0 + 4 * g], [hi, c0 + distance + 4 * g]] as const) {
            for (let r = 0; r < MR; r++) {
              ld1(va, lhs, (i0 + r) * kPadded + 16 * Math.floor(t / 16));
              for (let cb = 0; cb < 4; cb++) sdotLane(acc[4 * r + cb], regs[cb], va, (t % 16) / 4);
            }
          }
        }
      }
      for (let r = 0; r < MR && i0 + r < m; r++) {
        for (let cb = 0; cb < 4; cb++) {
          const col = p * NR + 4 * cb;
          if (col >= n) continue;
          sshr(acc[4 * r + cb], acc[4 * r + cb], 4); // undo the ·16 of the nibble decode
          st1(c, (i0 + r) * n + col, acc[4 * r + cb], Math.min(4, n - col));
        }
      }
    }
  }
  return c;
}
