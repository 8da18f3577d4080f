// Depthwise convolution with the output stage fused in, on image-pair planes (image-pairs.ts):
// bit for bit requantizeChannels(depthwiseConv2dIntReference(...)) of each image, like
// depthwise-conv2d-int-requantize.ts, but each multiply-add serves two images.
//
// Channel multipliers are allowed (cOut = m·cIn, output channel c reads input channel
// floor(c / m): a dense conv on one input channel, the first layer on grayscale images), and the
// output may itself be image-pair planes ('pairs', with its consumer's border), for a depthwise
// layer after this one, or image-pair rows ('pair-rows', image-pair-rows.ts), for a pointwise one.
//
// The input planes carry this conv's own padding (border = zero point in both lanes), so a
// channel's raw sum over the taps, Σ x·w, is taken in place and the zero point goes into the
// constants (Σ (x - z)·w = Σ x·w - z·Σ w). Packed, the sum is lo + 2^26·hi with |lo|, |hi| <=
// 255·Σ|w| < 2^25, an exact integer, split as in gemm-int8-requantize.ts. 3x3 kernels with the
// folded output stage (the conditions of depthwise-conv2d-int-requantize.ts) slide a window at
// stride 1; anything else takes a plain loop over the taps and the checked output stage.
import { conv2dOutputSize, type Conv2dParams } from '../conv2d-params';
import { rescaleWithFraction } from './requantize-channels-reference';
import type { RequantizeChannelsPlan } from './requantize-channels';
import { layoutSize, type PlaneLayout } from './depthwise-conv2d-int-requantize';
import { IMAGE_PAIR_LANE, imagePairsSize } from './image-pairs';
import { imagePairRowsSize } from './image-pair-rows';
import { checkLength } from './validate';

const L = IMAGE_PAIR_LANE;
const INV_L = 1 / L;
const ROUNDER = 6755399441055744; // 1.5·2^52: x + ROUNDER - ROUNDER rounds x (|x| < 2^51) to an integer

let WC = new Float64Array(0);

export function depthwiseConv2dIntImagePairs(
  p: Conv2dParams, x: Float64Array, zeroPoint: number, w: Int8Array, plan: RequantizeChannelsPlan, out: Uint8Array | Int32Array | Float64Array,
  layouts: { output?: PlaneLayout | 'pairs' | 'pair-rows'; outputPad?: [number, number] } = {},
): void {
  const { n, h, w: width, cIn, cOut, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW } = p;
  const fn = 'depthwiseConv2dIntImagePairs';
  if (p.groups !== cIn || cOut % cIn !== 0) throw new Error(`${fn}: needs groups == cIn and cOut a multiple of cIn, got groups ${p.groups}, cIn ${cIn}, cOut ${cOut}`);
  const mult = cOut / cIn;
  if (!Number.isInteger(zeroPoint) || zeroPoint < 0 || zeroPoint > 255) throw new Error(`${fn}: zeroPoint must be an integer in [0, 255], got ${zeroPoint}`);
  const outLayout = layouts.output ?? 'nhwc';
  const rows = outLayout === 'pair-rows';
  const packed = outLayout === 'pairs' || rows;
  if (packed !== out instanceof Float64Array) throw new Error(`${fn}: image-pair output needs a Float64Array and only it, got ${out.constructor.name} for '${outLayout}'`);
  const [oph, opw] = outLayout === 'padded' || outLayout === 'pairs' ? layouts.outputPad ?? [0, 0] : [0, 0];
  const { outH, outW } = conv2dOutputSize(p);
  const inH = h + 2 * padH;
  const inW = width + 2 * padW;
  const C = cOut;
  const taps = kh * kw;
  checkLength(fn, 'x', x, imagePairsSize(n, h, width, cIn, [padH, padW]), `image-pair planes of [${n}, ${h}, ${width}, ${cIn}] with border ${padH}, ${padW}`);
  checkLength(fn, 'w', w, taps * C, `[${kh}, ${kw}, ${C}]`);
  const outSize = rows ? imagePairRowsSize(n, outH * outW * C) : packed ? imagePairsSize(n, outH, outW, C, [oph, opw]) : layoutSize(outLayout as PlaneLayout, n, outH, outW, C, [oph, opw]);
  checkLength(fn, 'out', out, outSize, `${outLayout} [${n}, ${outH}, ${outW}, ${C}]`);
  if (plan.channels !== C) throw new Error(`${fn}: the output stage has ${plan.channels} channels, the layer ${C}`);
  if (!(out instanceof Int32Array) && (plan.qmin < 0 || plan.qmax > 255)) throw new Error(`${fn}: range [${plan.qmin}, ${plan.qmax}] does not fit ${packed ? 'image-pair codes' : 'a Uint8Array output'}`);
  const { qmin, qmax } = plan;
  const is3x3 = kh === 3 && kw === 3 && dilationH === 1 && dilationW === 1;
  if (WC.length < taps * C) WC = new Float64Array(taps * C);
  const sums = new Float64Array(C);
  const fast = new Uint8Array(C);
  const folded = new Uint8Array(C);
  const K = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    let absSum = 0;
    for (let t = 0; t < taps; t++) {
      const v = w[t * C + c];
      WC[c * taps + t] = v;
      absSum += Math.abs(v);
      sums[c] += v;
    }
    if (!(255 * absSum < 2 ** 25)) throw new Error(`${fn}: channel ${c} has 255·Σ|w| = ${255 * absSum}, not below 2^25: its image lanes would not be exact`);
    const bias = plan.bias[c] - zeroPoint * sums[c];
    fast[c] = 255 * absSum + Math.abs(plan.bias[c]) < plan.limit[c] ? 1 : 0;
    // The fold of depthwise-conv2d-int-requantize.ts, with the zero point inside the bias.
    const r = 31 - plan.shift[c];
    const ok = fast[c] && plan.narrow && is3x3 && 255 * absSum < 2 ** 19 && Math.abs(plan.bias[c]) + 255 * absSum < 2 ** 20 &&
      Math.abs(bias) < 2 ** 20 && Math.abs(plan.low[c]) * 2 ** r < 2 ** 51;
    folded[c] = ok ? 1 : 0;
    K[c] = bias * plan.scale[c] + plan.addend[c] + plan.low[c];
  }
  const nhwc = outLayout === 'nhwc' || rows;
  const step = nhwc ? C : 1;
  const rowStep = nhwc ? outW * C : outW + 2 * opw;
  const outBase = (b: number, c: number): number =>
    nhwc ? (rows ? b >> 1 : b) * outH * outW * C + c
      : (((packed ? b >> 1 : b) * C + c) * (outH + 2 * oph) + oph) * (outW + 2 * opw) + opw;
  for (let b = 0; b < n; b += 2) {
    // A lone last image writes its high lane (a copy) first, then the real low lane over it.
    const b1 = b + 1 < n ? b + 1 : b;
    for (let c = 0; c < C; c++) {
      const base = ((b >> 1) * cIn + Math.floor(c / mult)) * inH * inW;
      if (folded[c] && packed) {
        correlate3x3ImagePairsPacked(x, base, inW, outH, outW, strideH, strideW, WC, c * taps, plan.scale[c], K[c], qmin, qmax, out as Float64Array, outBase(b, c), rowStep, step);
        continue;
      }
      if (folded[c]) {
        correlate3x3ImagePairs(x, base, inW, outH, outW, strideH, strideW, WC, c * taps, plan.scale[c], K[c], qmin, qmax, out as Uint8Array | Int32Array, outBase(b, c), outBase(b1, c), rowStep, step);
        continue;
      }
      const zs = zeroPoint * sums[c];
      for (let oy = 0; oy < outH; oy++) {
        for (let ox = 0; ox < outW; ox++) {
          let s = 0;
          for (let ky = 0; ky < kh; ky++) {
            const row = base + (oy * strideH + ky * dilationH) * inW + ox * strideW;
            for (let kx = 0; kx < kw; kx++) s += x[row + kx * dilationW] * WC[c * taps + ky * kw + kx];
          }
          const hi = s * INV_L + ROUNDER - ROUNDER;
          const o = oy * rowStep + ox * step;
          if (packed) {
            out[outBase(b, c) + o] = stage(s - hi * L - zs, c, plan, fast[c]) + L * stage(hi - zs, c, plan, fast[c]);
            continue;
          }
          out[outBase(b1, c) + o] = stage(hi - zs, c, plan, fast[c]);
          out[outBase(b, c) + o] = stage(s - hi * L - zs, c, plan, fast[c]);
        }
      }
    }
  }
}

/** requantize-channels.ts on one accumulator of channel c (checked unless `fast`). */
function stage(acc: number, c: number, plan: RequantizeChannelsPlan, fast: number): number {
  const x = (acc + plan.bias[c]) | 0;
  const lim = plan.limit[c];
  const v = (fast || (x < lim && x > -lim) ? Math.floor(x * plan.scale[c] + plan.addend[c]) : rescaleWithFraction(x, plan.multiplier[c], plan.shift[c], plan.fraction[c])) + plan.offset[c];
  return v < plan.qmin ? plan.qmin : v > plan.qmax ? plan.qmax : v;
}

/**
 * One 3x3 image-pair plane correlated with the nine weights wc[wAt..] and requantized into two
 * images' outputs: out = clamp(floor(lane·scale + K)), K holding the bias, the zero point and
 * low = offset - qmin (so the clamp is to [0, qmax - qmin] in int32 bit operations).
 */
function correlate3x3ImagePairs(
  src: Float64Array, base: number, rowWidth: number, outH: number, outW: number, strideH: number, strideW: number,
  wc: Float64Array, wAt: number, scale: number, K: number, qmin: number, qmax: number,
  out: Uint8Array | Int32Array, outBase0: number, outBase1: number, rowStep: number, step: number,
): void {
  const w0 = wc[wAt], w1 = wc[wAt + 1], w2 = wc[wAt + 2], w3 = wc[wAt + 3], w4 = wc[wAt + 4];
  const w5 = wc[wAt + 5], w6 = wc[wAt + 6], w7 = wc[wAt + 7], w8 = wc[wAt + 8];
  const range = qmax - qmin;
  for (let oy = 0; oy < outH; oy++) {
    const r0 = base + oy * strideH * rowWidth;
    const r1 = r0 + rowWidth;
    const r2 = r1 + rowWidth;
    let at0 = outBase0 + oy * rowStep;
    let at1 = outBase1 + oy * rowStep;
    if (strideW === 1) {
      // Columns ox and ox+1 of the window carried over from the previous output.
      let a0 = src[r0], a1 = src[r1], a2 = src[r2];
      let b0 = src[r0 + 1], b1 = src[r1 + 1], b2 = src[r2 + 1];
      for (let ox = 0; ox < outW; ox++, at0 += step, at1 += step) {
        const c0 = src[r0 + ox + 2], c1 = src[r1 + ox + 2], c2 = src[r2 + ox + 2];
        const s = a0 * w0 + b0 * w1 + c0 * w2 + a1 * w3 + b1 * w4 + c1 * w5 + a2 * w6 + b2 * w7 + c2 * w8;
        a0 = b0; a1 = b1; a2 = b2;
        b0 = c0; b1 = c1; b2 = c2;
        const hi = s * INV_L + ROUNDER - ROUNDER;
        let v = Math.floor(hi * scale + K) | 0;
        v &= ~(v >> 31);
        v -= range;
        out[at1] = (v & (v >> 31)) + qmax;
        v = Math.floor((s - hi * L) * scale + K) | 0;
        v &= ~(v >> 31);
        v -= range;
        out[at0] = (v & (v >> 31)) + qmax;
      }
      continue;
    }
    if (strideW === 2) {
      // Column 2·ox + 2 of this window is column 0 of the next one: 6 loads per output, not 9.
      let a0 = src[r0], a1 = src[r1], a2 = src[r2];
      for (let ox = 0, q = 0; ox < outW; ox++, q += 2, at0 += step, at1 += step) {
        const b0 = src[r0 + q + 1], b1 = src[r1 + q + 1], b2 = src[r2 + q + 1];
        const c0 = src[r0 + q + 2], c1 = src[r1 + q + 2], c2 = src[r2 + q + 2];
        const s = a0 * w0 + b0 * w1 + c0 * w2 + a1 * w3 + b1 * w4 + c1 * w5 + a2 * w6 + b2 * w7 + c2 * w8;
        a0 = c0; a1 = c1; a2 = c2;
        const hi = s * INV_L + ROUNDER - ROUNDER;
        let v = Math.floor(hi * scale + K) | 0;
        v &= ~(v >> 31);
        v -= range;
        out[at1] = (v & (v >> 31)) + qmax;
        v = Math.floor((s - hi * L) * scale + K) | 0;
        v &= ~(v >> 31);
        v -= range;
        out[at0] = (v & (v >> 31)) + qmax;
      }
      continue;
    }
    for (let ox = 0, q = 0; ox < outW; ox++, q += strideW, at0 += step, at1 += step) {
      const s =
        src[r0 + q] * w0 + src[r0 + q + 1] * w1 + src[r0 + q + 2] * w2 +
        src[r1 + q] * w3 + src[r1 + q + 1] * w4 + src[r1 + q + 2] * w5 +
        src[r2 + q] * w6 + src[r2 + q + 1] * w7 + src[r2 + q + 2] * w8;
      const hi = s * INV_L + ROUNDER - ROUNDER;
      let v = Math.floor(hi * scale + K) | 0;
      v &= ~(v >> 31);
      v -= range;
      out[at1] = (v & (v >> 31)) + qmax;
      v = Math.floor((s - hi * L) * scale + K) | 0;
      v &= ~(v >> 31);
      v -= range;
      out[at0] = (v & (v >> 31)) + qmax;
    }
  }
}

/** correlate3x3ImagePairs writing image-pair planes or rows (`step` apart): both codes in one store, v0 + 2^26·v1. */
function correlate3x3ImagePairsPacked(
  src: Float64Array, base: number, rowWidth: number, outH: number, outW: number, strideH: number, strideW: number,
  wc: Float64Array, wAt: number, scale: number, K: number, qmin: number, qmax: number, out: Float64Array, outBase: number, rowStep: number, step: number,
): void {
  const w0 = wc[wAt], w1 = wc[wAt + 1], w2 = wc[wAt + 2], w3 = wc[wAt + 3], w4 = wc[wAt + 4];
  const w5 = wc[wAt + 5], w6 = wc[wAt + 6], w7 = wc[wAt + 7], w8 = wc[wAt + 8];
  const range = qmax - qmin;
  // Both lanes' clamped codes minus qmax, then qmax of both at once: + qmax·(1 + 2^26).
  const QQ = qmax * (1 + L);
  // Two output rows at a time where the strides allow (the last odd row below).
  let first = 0;
  if (strideH === 1 && strideW === 1) first = twoRowsStride1(src, base, rowWidth, outH, outW, wc, wAt, scale, K, range, QQ, out, outBase, rowStep, step);
  else if (strideH === 2 && strideW === 2) first = twoRowsStride2(src, base, rowWidth, outH, outW, wc, wAt, scale, K, range, QQ, out, outBase, rowStep, step);
  for (let oy = first; oy < outH; oy++) {
    const r0 = base + oy * strideH * rowWidth;
    const r1 = r0 + rowWidth;
    const r2 = r1 + rowWidth;
    const at = outBase + oy * rowStep;
    if (strideW === 1) {
      // Columns ox and ox+1 of the window carried over from the previous output.
      let a0 = src[r0], a1 = src[r1], a2 = src[r2];
      let b0 = src[r0 + 1], b1 = src[r1 + 1], b2 = src[r2 + 1];
      for (let ox = 0, o = at; ox < outW; ox++, o += step) {
        const c0 = src[r0 + ox + 2], c1 = src[r1 + ox + 2], c2 = src[r2 + ox + 2];
        const s = a0 * w0 + b0 * w1 + c0 * w2 + a1 * w3 + b1 * w4 + c1 * w5 + a2 * w6 + b2 * w7 + c2 * w8;
        a0 = b0; a1 = b1; a2 = b2;
        b0 = c0; b1 = c1; b2 = c2;
        out[o] = packedCodes(s, scale, K, range, QQ);
      }
      continue;
    }
    for (let ox = 0, q = 0, o = at; ox < outW; ox++, q += strideW, o += step) {
      const s =
        src[r0 + q] * w0 + src[r0 + q + 1] * w1 + src[r0 + q + 2] * w2 +
        src[r1 + q] * w3 + src[r1 + q + 1] * w4 + src[r1 + q + 2] * w5 +
        src[r2 + q] * w6 + src[r2 + q + 1] * w7 + src[r2 + q + 2] * w8;
      out[o] = packedCodes(s, scale, K, range, QQ);
    }
  }
}

/**
 * Both lanes of a packed 3x3 sum through the folded output stage, as one packed code pair:
 * clamp(floor(lane·scale + K)) of each lane (see correlate3x3ImagePairs), + qmax of both (QQ).
 */
function packedCodes(s: number, scale: number, K: number, range: number, QQ: number): number {
  const hi = s * INV_L + ROUNDER - ROUNDER;
  let v = Math.floor(hi * scale + K) | 0;
  v &= ~(v >> 31);
  v -= range;
  const hiCode = v & (v >> 31);
  v = Math.floor((s - hi * L) * scale + K) | 0;
  v &= ~(v >> 31);
  v -= range;
  return (v & (v >> 31)) + L * hiCode + QQ;
}

/**
 * Stride 1: output rows oy and oy + 1 together, from input rows oy .. oy + 3, the window's
 * columns carried over as in correlate3x3ImagePairs. Two independent sums and output stages per
 * step instead of one: measured ~25% faster per output than one row at a time (28x28, 16
 * channels, pair-rows output), the one-row loop being bound by its single dependency chain.
 * Returns the number of rows done (outH rounded down to even).
 */
function twoRowsStride1(
  src: Float64Array, base: number, rowWidth: number, outH: number, outW: number, wc: Float64Array, wAt: number,
  scale: number, K: number, range: number, QQ: number, out: Float64Array, outBase: number, rowStep: number, step: number,
): number {
  const w0 = wc[wAt], w1 = wc[wAt + 1], w2 = wc[wAt + 2], w3 = wc[wAt + 3], w4 = wc[wAt + 4];
  const w5 = wc[wAt + 5], w6 = wc[wAt + 6], w7 = wc[wAt + 7], w8 = wc[wAt + 8];
  let oy = 0;
  for (; oy + 1 < outH; oy += 2) {
    const r0 = base + oy * rowWidth, r1 = r0 + rowWidth, r2 = r1 + rowWidth, r3 = r2 + rowWidth;
    let a0 = src[r0], a1 = src[r1], a2 = src[r2], a3 = src[r3];
    let b0 = src[r0 + 1], b1 = src[r1 + 1], b2 = src[r2 + 1], b3 = src[r3 + 1];
    for (let ox = 0, o = outBase + oy * rowStep; ox < outW; ox++, o += step) {
      const c0 = src[r0 + ox + 2], c1 = src[r1 + ox + 2], c2 = src[r2 + ox + 2], c3 = src[r3 + ox + 2];
      const s = (a0 * w0 + b0 * w1 + c0 * w2) + (a1 * w3 + b1 * w4 + c1 * w5) + (a2 * w6 + b2 * w7 + c2 * w8);
      const t = (a1 * w0 + b1 * w1 + c1 * w2) + (a2 * w3 + b2 * w4 + c2 * w5) + (a3 * w6 + b3 * w7 + c3 * w8);
      a0 = b0; a1 = b1; a2 = b2; a3 = b3;
      b0 = c0; b1 = c1; b2 = c2; b3 = c3;
      out[o] = packedCodes(s, scale, K, range, QQ);
      out[o + rowStep] = packedCodes(t, scale, K, range, QQ);
    }
  }
  return oy;
}

/**
 * Stride 2: output rows oy and oy + 1 together, from input rows 2·oy .. 2·oy + 4 (the middle one
 * shared), column 2·ox + 2 of a window carried over as column 0 of the next. Returns the rows done.
 */
function twoRowsStride2(
  src: Float64Array, base: number, rowWidth: number, outH: number, outW: number, wc: Float64Array, wAt: number,
  scale: number, K: number, range: number, QQ: number, out: Float64Array, outBase: number, rowStep: number, step: number,
): number {
  const w0 = wc[wAt], w1 = wc[wAt + 1], w2 = wc[wAt + 2], w3 = wc[wAt + 3], w4 = wc[wAt + 4];
  const w5 = wc[wAt + 5], w6 = wc[wAt + 6], w7 = wc[wAt + 7], w8 = wc[wAt + 8];
  let oy = 0;
  for (; oy + 1 < outH; oy += 2) {
    const r0 = base + 2 * oy * rowWidth, r1 = r0 + rowWidth, r2 = r1 + rowWidth, r3 = r2 + rowWidth, r4 = r3 + rowWidth;
    let a0 = src[r0], a1 = src[r1], a2 = src[r2], a3 = src[r3], a4 = src[r4];
    for (let ox = 0, q = 0, o = outBase + oy * rowStep; ox < outW; ox++, q += 2, o += step) {
      const b0 = src[r0 + q + 1], b1 = src[r1 + q + 1], b2 = src[r2 + q + 1], b3 = src[r3 + q + 1], b4 = src[r4 + q + 1];
      const c0 = src[r0 + q + 2], c1 = src[r1 + q + 2], c2 = src[r2 + q + 2], c3 = src[r3 + q + 2], c4 = src[r4 + q + 2];
      const s = (a0 * w0 + b0 * w1 + c0 * w2) + (a1 * w3 + b1 * w4 + c1 * w5) + (a2 * w6 + b2 * w7 + c2 * w8);
      const t = (a2 * w0 + b2 * w1 + c2 * w2) + (a3 * w3 + b3 * w4 + c3 * w5) + (a4 * w6 + b4 * w7 + c4 * w8);
      a0 = c0; a1 = c1; a2 = c2; a3 = c3; a4 = c4;
      out[o] = packedCodes(s, scale, K, range, QQ);
      out[o + rowStep] = packedCodes(t, scale, K, range, QQ);
    }
  }
  return oy;
}
