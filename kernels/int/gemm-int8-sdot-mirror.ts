// int8 x int8 -> int32 GEMM as an ARMv8.2 dotprod kernel runs it: a 4x16 output tile held in 16
// int32x4 accumulators, depth consumed 4 at a time by SDOT by element (XNNPACK's "4x16c4").
// Every arithmetic step is a kernels/neon mirror call, so this is the hardware's exact result.
//
// Weight panel (packSdotPanels): output channels are taken 16 at a time (a panel); for each group
// of 4 depth values and each block of 4 channels, one 16-byte register holds
// [ch0 k0..k3, ch1 k0..k3, ch2 k0..k3, ch3 k0..k3], the operand layout SDOT wants.
// Activations: rows are taken 4 at a time; one 16-byte load of a row covers 4 depth groups, and
// SDOT's lane index picks the group, broadcasting those 4 bytes against a weight register.
// Edges: weights are zero-padded to whole panels and to a depth multiple of 16; activations are
// copied into a zero-padded buffer (what a real kernel's LHS packing or masked loads achieve).
// Zero padding on either side adds 0·x terms, so padding never changes a result.
import { dup, ld1, sdotLane, st1 } from '../neon';
import { checkDims, checkLength, outputFor, roundUp } from './validate';

export interface SdotPanels {
  kind: 'sdot-4x16';
  n: number;
  k: number;
  /** Depth padded to a multiple of 16 (one activation register). */
  kPadded: number;
  /** ceil(n/16) panels × (kPadded/4) groups × 4 blocks × 16 bytes. */
  data: Int8Array;
}

const NR = 16;
const MR = 4;

/** Pack W (N×K int8, row-major) into SDOT panels; done once per weight matrix. */
export function packSdotPanels(w: Int8Array, n: number, k: number): SdotPanels {
  checkDims('packSdotPanels', { n, k });
  checkLength('packSdotPanels', 'w', w, n * k, `${n}x${k}`);
  const kPadded = roundUp(k, 16);
  const groups = kPadded / 4;
  const panels = Math.ceil(n / NR);
  const data = new Int8Array(panels * groups * 4 * 16);
  for (let p = 0; p < panels; p++) {
    for (let g = 0; g < groups; g++) {
      for (let cb = 0; cb < 4; cb++) {
        const at = ((p * groups + g) * 4 + cb) * 16;
        for (let c = 0; c < 4; c++) {
          const col = p * NR + cb * 4 + c;
          for (let j = 0; j < 4; j++) {
            const t = 4 * g + j;
            if (col < n && t < k) data[at + 4 * c + j] = w[col * k + t];
          }
        }
      }
    }
  }
  return { kind: 'sdot-4x16', n, k, kPadded, data };
}

/** Copy A (M×K) into rows padded to a multiple of `mr`, each `kPadded` long, zeros elsewhere. */
export function padActivations(a: Int8Array, m: number, k: number, mr: number, kPadded: number): Int8Array {
  const rows = roundUp(m, mr);
  const out = new Int8Array(rows * kPadded);
  for (let i = 0; i < m; i++) out.set(a.subarray(i * k, i * k + k), i * kPadded);
  return out;
}

/** out[M×N] = A[M×K] · Wᵀ, with W given as SDOT panels; int32, wrapping like the hardware. */
export function gemmInt8SdotMirror(m: number, n: number, k: number, a: Int8Array, w: SdotPanels, out?: Int32Array): Int32Array {
  checkDims('gemmInt8SdotMirror', { m, n, k });
  if (w.n !== n || w.k !== k) throw new Error(`gemmInt8SdotMirror: panels are for ${w.n}x${w.k} weights, called with n=${n}, k=${k}`);
  checkLength('gemmInt8SdotMirror', 'a', a, m * k, `${m}x${k}`);
  const c = outputFor('gemmInt8SdotMirror', out, m, n);
  const { kPadded, data } = w;
  const groups = kPadded / 4;
  const lhs = padActivations(a, m, k, MR, kPadded);
  // The register file of the kernel.
  const acc = Array.from({ length: MR * 4 }, () => new Int32Array(4)); // acc[4r + cb]: row r, channels 4cb..4cb+3
  const va = Array.from({ length: MR }, () => new Int8Array(16)); // one activation register per row
  const vb = Array.from({ length: 4 }, () => new Int8Array(16)); // one weight register per channel block
  for (let i0 = 0; i0 < m; i0 += MR) {
    for (let p = 0; p * NR < n; p++) {
      for (const r of acc) dup(r, 0); // MOVI v.4s, #0
      for (let kb = 0; kb < kPadded; kb += 16) {
        for (let r = 0; r < MR; r++) ld1(va[r], lhs, (i0 + r) * kPadded + kb);
        for (let lane = 0; lane < 4; lane++) {
          const g = kb / 4 + lane;
          for (let cb = 0; cb < 4; cb++) ld1(vb[cb], data, ((p * groups + g) * 4 + cb) * 16);
          for (let r = 0; r < MR; r++) {
            for (let cb = 0; cb < 4; cb++) sdotLane(acc[4 * r + cb], vb[cb], va[r], lane);
          }
        }
      }
      // Store the tile, clipped at the bottom and right edges of C.
      for (let r = 0; r < MR && i0 + r < m; r++) {
        for (let cb = 0; cb < 4; cb++) {
          const col = p * NR + 4 * cb;
          if (col < n) st1(c, (i0 + r) * n + col, acc[4 * r + cb], Math.min(4, n - col));
        }
      }
    }
  }
  return c;
}
