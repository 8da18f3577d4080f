// gemmInt8Requantize (gemm-int8-requantize.ts) for a pointwise layer whose output feeds a
// depthwise layer, written as image-pair planes: the output codes v0 of image b and v1 of image
// b + 1 at the same channel and pixel are stored as one double v0 + 2^26·v1 (image-pairs.ts).
//
// Why: a depthwise layer's weights and output-stage constants depend only on the channel, so one
// multiply by w of a packed input serves both images (depthwise-conv2d-int-image-pairs.ts); the
// packing is done here, where both codes come out of the same tile, for one store per two codes.
//
// The tile is 2 pixels x 2 images (4 rows of A, read in place from the two images' NHWC rows)
// by 4 channels, on the channel-pair panels of prepackInt8Requantize. Full tiles with the folded
// output stage are written out; partial tiles (an odd pixel count, N not a multiple of 4) and
// other output stages go through the plain fast / checked stage.
import { rescaleWithFraction } from './requantize-channels-reference';
import type { RequantizeChannelsPlan } from './requantize-channels';
import type { Int8RequantizePanels } from './gemm-int8-requantize';
import { IMAGE_PAIR_LANE } from './image-pairs';
import { checkDims, checkLength } from './validate';

const S = 67108864; // 2^26, the channel-pair lane of the panels
const INV_S = 1 / S;
const ROUNDER = 6755399441055744; // 1.5·2^52: x + ROUNDER - ROUNDER rounds x (|x| < 2^51) to an integer
const L = IMAGE_PAIR_LANE;

/** Where pixel i of channel j goes: out[start + i + floor(i / wrap)·gap + j·column]. */
export interface PairPlaneStrides {
  start: number;
  /** Distance between channel planes. */
  column: number;
  /** Pixels per image row, and the border skipped after each (2·padding). */
  wrap: number;
  gap: number;
}

let FOLDED = new Float64Array(64);
const TILE = new Float64Array(16);
const CODES = new Float64Array(16);

/**
 * Pixels [0, pixels) of two images, A rows at a[a0 + i·k] (image b) and a[a1 + i·k] (image b + 1;
 * a1 = a0 for a lone last image, whose high lane is then a copy), into out as v0 + 2^26·v1.
 * The plan's range must fit uint8.
 */
export function gemmInt8RequantizeImagePairs(
  pixels: number, a: Uint8Array, a0: number, a1: number, w: Int8RequantizePanels, plan: RequantizeChannelsPlan, out: Float64Array, strides: PairPlaneStrides,
): void {
  const { n, k, pairs } = w;
  const { start, column, wrap, gap } = strides;
  checkDims('gemmInt8RequantizeImagePairs', { pixels, a0, a1, start, column, gap });
  if (!(Number.isInteger(wrap) && wrap > 0)) throw new Error(`gemmInt8RequantizeImagePairs: wrap must be a positive integer, got ${wrap}`);
  if (plan.channels !== n) throw new Error(`gemmInt8RequantizeImagePairs: the output stage has ${plan.channels} channels, the weights ${n}`);
  if (plan.qmin < 0 || plan.qmax > 255) throw new Error(`gemmInt8RequantizeImagePairs: range [${plan.qmin}, ${plan.qmax}] is not a range of codes`);
  checkLength('gemmInt8RequantizeImagePairs', 'a', a, Math.max(a0, a1) + pixels * k, `${pixels}x${k} from ${a0} and ${a1}`);
  const at = (i: number): number => start + i + Math.floor(i / wrap) * gap;
  if (pixels > 0 && n > 0) checkLength('gemmInt8RequantizeImagePairs', 'out', out, at(pixels - 1) + (n - 1) * column + 1, `${pixels} pixels x ${n} channel planes`);
  let checked = false;
  for (let j = 0; j < n; j++) if (!(w.bound[j] + Math.abs(plan.bias[j]) < plan.limit[j])) checked = true;
  // Folding bias and low into one constant per channel, exactly under the conditions of
  // gemm-int8-requantize.ts.
  if (FOLDED.length < n) FOLDED = new Float64Array(n);
  let folded = !checked && plan.narrow;
  for (let j = 0; j < n && folded; j++) {
    const r = 31 - plan.shift[j];
    if (!(w.bound[j] < 2 ** 20 && Math.abs(plan.bias[j]) < 2 ** 20 && Math.abs(plan.low[j]) * 2 ** r < 2 ** 51)) folded = false;
    FOLDED[j] = plan.bias[j] * plan.scale[j] + plan.addend[j] + plan.low[j];
  }
  const K = FOLDED;
  const { scale, qmin, qmax } = plan;
  const range = qmax - qmin;
  // The full tiles add qmax to both lanes at once: codes minus qmax, then + qmax·(1 + 2^26).
  const QQ = qmax * (1 + L);
  for (let i = 0; i < pixels; i += 2) {
    const two = pixels - i > 1;
    // Rows: (pixel i, image b), (i, b + 1), (i + 1, b), (i + 1, b + 1); a lone last pixel
    // reads pixel i again for the second, never stored.
    const r0 = a0 + i * k;
    const r1 = a1 + i * k;
    const r2 = two ? r0 + k : r0;
    const r3 = two ? r1 + k : r1;
    const o0 = at(i);
    const o1 = two ? at(i + 1) : o0;
    for (let j = 0; j < n; j += 4) {
      const w0 = (j >> 1) * k;
      const w1 = w0 + k;
      let s00 = 0, s01 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0, s30 = 0, s31 = 0;
      for (let t = 0; t < k; t++) {
        const b0 = pairs[w0 + t];
        const b1 = pairs[w1 + t];
        const x0 = a[r0 + t];
        const x1 = a[r1 + t];
        const x2 = a[r2 + t];
        const x3 = a[r3 + t];
        s00 += x0 * b0;
        s01 += x0 * b1;
        s10 += x1 * b0;
        s11 += x1 * b1;
        s20 += x2 * b0;
        s21 += x2 * b1;
        s30 += x3 * b0;
        s31 += x3 * b1;
      }
      // Channel j: low lane of s*0, j + 1: its high lane; j + 2, j + 3 likewise from s*1.
      const h00 = s00 * INV_S + ROUNDER - ROUNDER, h10 = s10 * INV_S + ROUNDER - ROUNDER;
      const h20 = s20 * INV_S + ROUNDER - ROUNDER, h30 = s30 * INV_S + ROUNDER - ROUNDER;
      const h01 = s01 * INV_S + ROUNDER - ROUNDER, h11 = s11 * INV_S + ROUNDER - ROUNDER;
      const h21 = s21 * INV_S + ROUNDER - ROUNDER, h31 = s31 * INV_S + ROUNDER - ROUNDER;
      if (folded && two && n - j >= 4) {
        // Per channel: its constants, the four codes (clamped with int32 bit operations, as in
        // requantize-channels.ts), stored as two image pairs.
        {
          const sc = scale[j], kc = K[j];
          const cc = j * column;
          let v = Math.floor((s00 - h00 * S) * sc + kc) | 0;
          v &= ~(v >> 31); v -= range;
          const c0 = v & (v >> 31);
          v = Math.floor((s10 - h10 * S) * sc + kc) | 0;
          v &= ~(v >> 31); v -= range;
          out[o0 + cc] = c0 + L * (v & (v >> 31)) + QQ;
          v = Math.floor((s20 - h20 * S) * sc + kc) | 0;
          v &= ~(v >> 31); v -= range;
          const c2 = v & (v >> 31);
          v = Math.floor((s30 - h30 * S) * sc + kc) | 0;
          v &= ~(v >> 31); v -= range;
          out[o1 + cc] = c2 + L * (v & (v >> 31)) + QQ;
        }
        {
          const c = j + 1;
          const sc = scale[c], kc = K[c];
          const cc = c * column;
          let v = Math.floor(h00 * sc + kc) | 0;
          v &= ~(v >> 31); v -= range;
          const c0 = v & (v >> 31);
          v = Math.floor(h10 * sc + kc) | 0;
          v &= ~(v >> 31); v -= range;
          out[o0 + cc] = c0 + L * (v & (v >> 31)) + QQ;
          v = Math.floor(h20 * sc + kc) | 0;
          v &= ~(v >> 31); v -= range;
          const c2 = v & (v >> 31);
          v = Math.floor(h30 * sc + kc) | 0;
          v &= ~(v >> 31); v -= range;
          out[o1 + cc] = c2 + L * (v & (v >> 31)) + QQ;
        }
        {
          const c = j + 2;
          const sc = scale[c], kc = K[c];
          const cc = c * column;
          let v = Math.floor((s01 - h01 * S) * sc + kc) | 0;
          v &= ~(v >> 31); v -= range;
          const c0 = v & (v >> 31);
          v = Math.floor((s11 - h11 * S) * sc + kc) | 0;
          v &= ~(v >> 31); v -= range;
          out[o0 + cc] = c0 + L * (v & (v >> 31)) + QQ;
          v = Math.floor((s21 - h21 * S) * sc + kc) | 0;
          v &= ~(v >> 31); v -= range;
          const c2 = v & (v >> 31);
          v = Math.floor((s31 - h31 * S) * sc + kc) | 0;
          v &= ~(v >> 31); v -= range;
          out[o1 + cc] = c2 + L * (v & (v >> 31)) + QQ;
        }
        {
          const c = j + 3;
          const sc = scale[c], kc = K[c];
          const cc = c * column;
          let v = Math.floor(h01 * sc + kc) | 0;
          v &= ~(v >> 31); v -= range;
          const c0 = v & (v >> 31);
          v = Math.floor(h11 * sc + kc) | 0;
          v &= ~(v >> 31); v -= range;
          out[o0 + cc] = c0 + L * (v & (v >> 31)) + QQ;
          v = Math.floor(h21 * sc + kc) | 0;
          v &= ~(v >> 31); v -= range;
          const c2 = v & (v >> 31);
          v = Math.floor(h31 * sc + kc) | 0;
          v &= ~(v >> 31); v -= range;
          out[o1 + cc] = c2 + L * (v & (v >> 31)) + QQ;
        }
        continue;
      }
      // Channel q of the tile, row r at TILE[4q + r].
      TILE[0] = s00 - h00 * S; TILE[1] = s10 - h10 * S; TILE[2] = s20 - h20 * S; TILE[3] = s30 - h30 * S;
      TILE[4] = h00; TILE[5] = h10; TILE[6] = h20; TILE[7] = h30;
      TILE[8] = s01 - h01 * S; TILE[9] = s11 - h11 * S; TILE[10] = s21 - h21 * S; TILE[11] = s31 - h31 * S;
      TILE[12] = h01; TILE[13] = h11; TILE[14] = h21; TILE[15] = h31;
      const cols = n - j < 4 ? n - j : 4;
      for (let q = 0; q < cols; q++) {
        const c = j + q;
        for (let r = 0; r < 4; r++) {
          const x = (TILE[4 * q + r] + plan.bias[c]) | 0;
          const lim = plan.limit[c];
          const v = (x < lim && x > -lim ? Math.floor(x * scale[c] + plan.addend[c]) : rescaleWithFraction(x, plan.multiplier[c], plan.shift[c], plan.fraction[c])) + plan.offset[c];
          CODES[4 * q + r] = v < qmin ? qmin : v > qmax ? qmax : v;
        }
        out[o0 + c * column] = CODES[4 * q] + L * CODES[4 * q + 1];
        if (two) out[o1 + c * column] = CODES[4 * q + 2] + L * CODES[4 * q + 3];
      }
    }
  }
}
