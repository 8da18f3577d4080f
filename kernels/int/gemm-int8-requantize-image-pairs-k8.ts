// gemmInt8RequantizeImagePairs (gemm-int8-requantize-image-pairs.ts) for depth K = 8, the expand
// layers of small MobileNets (8 input channels): bit for bit the same image-pair planes.
//
// Why: at K = 8 the general kernel's inner loop runs 8 times per tile, and its index
// arithmetic, bounds checks and loop control cost about as much as the multiply-adds. Here the
// depth is unrolled (fixed offsets from one row base per row) and the output stage is trimmed:
// the clamp's "+ qmax" of both lanes is one constant added to the packed pair,
// code0 + 2^26·code1 = m0 + 2^26·m1 + qmax·(1 + 2^26) with m = min(max(v, 0), range) - range.
// Only the folded output stage, n a multiple of 4 and whole pixel pairs run here; the rest (a
// lone last pixel, other stages) is handed to the general kernel.
import type { RequantizeChannelsPlan } from './requantize-channels';
import type { Int8RequantizePanels } from './gemm-int8-requantize';
import { gemmInt8RequantizeImagePairs, type PairPlaneStrides } from './gemm-int8-requantize-image-pairs';
import { IMAGE_PAIR_LANE } from './image-pairs';
import { checkDims, checkLength } from './validate';

const S = 67108864; // 2^26, the channel-pair lane of the panels
const INV_S = 1 / S;
const ROUNDER = 6755399441055744; // 1.5·2^52
const L = IMAGE_PAIR_LANE;

let FOLDED = new Float64Array(64);

/** Whether the K = 8 kernel runs this layer itself (else it hands everything to the general one). */
export function foldsK8(w: Int8RequantizePanels, plan: RequantizeChannelsPlan): boolean {
  if (w.k !== 8 || w.n % 4 !== 0 || !plan.narrow || plan.qmin < 0 || plan.qmax > 255) return false;
  for (let j = 0; j < w.n; j++) {
    if (!(w.bound[j] + Math.abs(plan.bias[j]) < plan.limit[j])) return false;
    const r = 31 - plan.shift[j];
    if (!(w.bound[j] < 2 ** 20 && Math.abs(plan.bias[j]) < 2 ** 20 && Math.abs(plan.low[j]) * 2 ** r < 2 ** 51)) return false;
  }
  return true;
}

/** Same arguments and result as gemmInt8RequantizeImagePairs. */
export function gemmInt8RequantizeImagePairsK8(
  pixels: number, a: Uint8Array, a0: number, a1: number, w: Int8RequantizePanels, plan: RequantizeChannelsPlan, out: Float64Array, strides: PairPlaneStrides,
): void {
  if (!foldsK8(w, plan)) {
    gemmInt8RequantizeImagePairs(pixels, a, a0, a1, w, plan, out, strides);
    return;
  }
  const { n, pairs } = w;
  const { start, column, wrap, gap } = strides;
  checkDims('gemmInt8RequantizeImagePairsK8', { pixels, a0, a1, start, column, gap });
  if (!(Number.isInteger(wrap) && wrap > 0)) throw new Error(`gemmInt8RequantizeImagePairsK8: wrap must be a positive integer, got ${wrap}`);
  if (plan.channels !== n) throw new Error(`gemmInt8RequantizeImagePairsK8: the output stage has ${plan.channels} channels, the weights ${n}`);
  checkLength('gemmInt8RequantizeImagePairsK8', 'a', a, Math.max(a0, a1) + pixels * 8, `${pixels}x8 from ${a0} and ${a1}`);
  const at = (i: number): number => start + i + Math.floor(i / wrap) * gap;
  if (pixels > 0) checkLength('gemmInt8RequantizeImagePairsK8', 'out', out, at(pixels - 1) + (n - 1) * column + 1, `${pixels} pixels x ${n} channel planes`);
  if (FOLDED.length < n) FOLDED = new Float64Array(n);
  for (let j = 0; j < n; j++) FOLDED[j] = plan.bias[j] * plan.scale[j] + plan.addend[j] + plan.low[j];
  const K = FOLDED;
  const scale = plan.scale;
  const range = plan.qmax - plan.qmin;
  const QQ = plan.qmax * (1 + L);
  const even = pixels & ~1;
  for (let i = 0; i < even; i += 2) {
    // Rows (pixel i, image b), (i, b + 1), (i + 1, b), (i + 1, b + 1).
    const r0 = a0 + i * 8;
    const r1 = a1 + i * 8;
    const r2 = r0 + 8;
    const r3 = r1 + 8;
    const o0 = at(i);
    const o1 = at(i + 1);
    for (let j = 0; j < n; j += 4) {
      const w0 = (j >> 1) * 8;
      const w1 = w0 + 8;
      let s00 = 0, s01 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0, s30 = 0, s31 = 0;
      let b0: number, b1: number, x0: number, x1: number, x2: number, x3: number;
      b0 = pairs[w0 + 0]; b1 = pairs[w1 + 0];
      x0 = a[r0 + 0]; x1 = a[r1 + 0]; x2 = a[r2 + 0]; x3 = a[r3 + 0];
      s00 += x0 * b0; s01 += x0 * b1; s10 += x1 * b0; s11 += x1 * b1;
      s20 += x2 * b0; s21 += x2 * b1; s30 += x3 * b0; s31 += x3 * b1;
      b0 = pairs[w0 + 1]; b1 = pairs[w1 + 1];
      x0 = a[r0 + 1]; x1 = a[r1 + 1]; x2 = a[r2 + 1]; x3 = a[r3 + 1];
      s00 += x0 * b0; s01 += x0 * b1; s10 += x1 * b0; s11 += x1 * b1;
      s20 += x2 * b0; s21 += x2 * b1; s30 += x3 * b0; s31 += x3 * b1;
      b0 = pairs[w0 + 2]; b1 = pairs[w1 + 2];
      x0 = a[r0 + 2]; x1 = a[r1 + 2]; x2 = a[r2 + 2]; x3 = a[r3 + 2];
      s00 += x0 * b0; s01 += x0 * b1; s10 += x1 * b0; s11 += x1 * b1;
      s20 += x2 * b0; s21 += x2 * b1; s30 += x3 * b0; s31 += x3 * b1;
      b0 = pairs[w0 + 3]; b1 = pairs[w1 + 3];
      x0 = a[r0 + 3]; x1 = a[r1 + 3]; x2 = a[r2 + 3]; x3 = a[r3 + 3];
      s00 += x0 * b0; s01 += x0 * b1; s10 += x1 * b0; s11 += x1 * b1;
      s20 += x2 * b0; s21 += x2 * b1; s30 += x3 * b0; s31 += x3 * b1;
      b0 = pairs[w0 + 4]; b1 = pairs[w1 + 4];
      x0 = a[r0 + 4]; x1 = a[r1 + 4]; x2 = a[r2 + 4]; x3 = a[r3 + 4];
      s00 += x0 * b0; s01 += x0 * b1; s10 += x1 * b0; s11 += x1 * b1;
      s20 += x2 * b0; s21 += x2 * b1; s30 += x3 * b0; s31 += x3 * b1;
      b0 = pairs[w0 + 5]; b1 = pairs[w1 + 5];
      x0 = a[r0 + 5]; x1 = a[r1 + 5]; x2 = a[r2 + 5]; x3 = a[r3 + 5];
      s00 += x0 * b0; s01 += x0 * b1; s10 += x1 * b0; s11 += x1 * b1;
      s20 += x2 * b0; s21 += x2 * b1; s30 += x3 * b0; s31 += x3 * b1;
      b0 = pairs[w0 + 6]; b1 = pairs[w1 + 6];
      x0 = a[r0 + 6]; x1 = a[r1 + 6]; x2 = a[r2 + 6]; x3 = a[r3 + 6];
      s00 += x0 * b0; s01 += x0 * b1; s10 += x1 * b0; s11 += x1 * b1;
      s20 += x2 * b0; s21 += x2 * b1; s30 += x3 * b0; s31 += x3 * b1;
      b0 = pairs[w0 + 7]; b1 = pairs[w1 + 7];
      x0 = a[r0 + 7]; x1 = a[r1 + 7]; x2 = a[r2 + 7]; x3 = a[r3 + 7];
      s00 += x0 * b0; s01 += x0 * b1; s10 += x1 * b0; s11 += x1 * b1;
      s20 += x2 * b0; s21 += x2 * b1; s30 += x3 * b0; s31 += x3 * b1;
      // Split the pairs as in gemm-int8-requantize.ts: channel j is the low lane of s*0, j + 1
      // its high lane; j + 2, j + 3 likewise from s*1.
      const h00 = s00 * INV_S + ROUNDER - ROUNDER, h10 = s10 * INV_S + ROUNDER - ROUNDER;
      const h20 = s20 * INV_S + ROUNDER - ROUNDER, h30 = s30 * INV_S + ROUNDER - ROUNDER;
      const h01 = s01 * INV_S + ROUNDER - ROUNDER, h11 = s11 * INV_S + ROUNDER - ROUNDER;
      const h21 = s21 * INV_S + ROUNDER - ROUNDER, h31 = s31 * INV_S + ROUNDER - ROUNDER;
      // Per channel: v = floor(acc·scale + K) (bias and low folded into K), clamped to
      // [0, range] with int32 bit operations and shifted down by range; the pair of images gets
      // qmax back once, through QQ.
      {
        const c = j;
        const sc = scale[c], kc = K[c];
        const cc = c * column;
        let v = Math.floor((s00 - h00 * S) * sc + kc) | 0;
        v &= ~(v >> 31); v -= range;
        let u = Math.floor((s10 - h10 * S) * sc + kc) | 0;
        u &= ~(u >> 31); u -= range;
        out[o0 + cc] = (v & (v >> 31)) + L * (u & (u >> 31)) + QQ;
        v = Math.floor((s20 - h20 * S) * sc + kc) | 0;
        v &= ~(v >> 31); v -= range;
        u = Math.floor((s30 - h30 * S) * sc + kc) | 0;
        u &= ~(u >> 31); u -= range;
        out[o1 + cc] = (v & (v >> 31)) + L * (u & (u >> 31)) + QQ;
      }
      {
        const c = j + 1;
        const sc = scale[c], kc = K[c];
        const cc = c * column;
        let v = Math.floor((h00) * sc + kc) | 0;
        v &= ~(v >> 31); v -= range;
        let u = Math.floor((h10) * sc + kc) | 0;
        u &= ~(u >> 31); u -= range;
        out[o0 + cc] = (v & (v >> 31)) + L * (u & (u >> 31)) + QQ;
        v = Math.floor((h20) * sc + kc) | 0;
        v &= ~(v >> 31); v -= range;
        u = Math.floor((h30) * sc + kc) | 0;
        u &= ~(u >> 31); u -= range;
        out[o1 + cc] = (v & (v >> 31)) + L * (u & (u >> 31)) + QQ;
      }
      {
        const c = j + 2;
        const sc = scale[c], kc = K[c];
        const cc = c * column;
        let v = Math.floor((s01 - h01 * S) * sc + kc) | 0;
        v &= ~(v >> 31); v -= range;
        let u = Math.floor((s11 - h11 * S) * sc + kc) | 0;
        u &= ~(u >> 31); u -= range;
        out[o0 + cc] = (v & (v >> 31)) + L * (u & (u >> 31)) + QQ;
        v = Math.floor((s21 - h21 * S) * sc + kc) | 0;
        v &= ~(v >> 31); v -= range;
        u = Math.floor((s31 - h31 * S) * sc + kc) | 0;
        u &= ~(u >> 31); u -= range;
        out[o1 + cc] = (v & (v >> 31)) + L * (u & (u >> 31)) + QQ;
      }
      {
        const c = j + 3;
        const sc = scale[c], kc = K[c];
        const cc = c * column;
        let v = Math.floor((h01) * sc + kc) | 0;
        v &= ~(v >> 31); v -= range;
        let u = Math.floor((h11) * sc + kc) | 0;
        u &= ~(u >> 31); u -= range;
        out[o0 + cc] = (v & (v >> 31)) + L * (u & (u >> 31)) + QQ;
        v = Math.floor((h21) * sc + kc) | 0;
        v &= ~(v >> 31); v -= range;
        u = Math.floor((h31) * sc + kc) | 0;
        u &= ~(u >> 31); u -= range;
        out[o1 + cc] = (v & (v >> 31)) + L * (u & (u >> 31)) + QQ;
      }
    }
  }
  if (even < pixels) {
    // The lone last pixel: the general kernel, on that pixel alone.
    gemmInt8RequantizeImagePairs(1, a, a0 + even * 8, a1 + even * 8, w, plan, out, { start: at(even), column, wrap: 1, gap: 0 });
  }
}
