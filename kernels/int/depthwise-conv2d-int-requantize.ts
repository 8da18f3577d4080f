// Depthwise convolution with the output stage fused in: bit for bit
// requantizeChannels(depthwiseConv2dIntReference(...)) (uint8 codes with a zero point, int8
// weights [kh][kw][cOut], output codes or int32 as the plan says), with no int32 tensor in between.
// Channel multipliers are allowed (groups == cIn, cOut = m·cIn; output channel o reads input
// channel floor(o / m)), which makes a dense conv on a single input channel (a first layer on
// grayscale images) the case cIn = 1.
//
// It works one channel plane at a time, as the float depthwise kernels do (plane-correlate.ts):
// the kernel's weights and the channel's output-stage constants sit in registers, each output is
// a kh·kw-term sum (exact: small integers) requantized on the spot, and 3x3 kernels at stride 1
// slide a window (three new values per output instead of nine). In NHWC order the weights and
// constants would change with every element; per plane they are loop invariants.
//
// Layouts (the runtime picks them so that tensors between GEMMs and depthwise layers need no
// reshuffling): 'nhwc', 'planes' ([n][c][h][w]) and 'padded' ([n][c][h + 2ph][w + 2pw], the
// border holding the zero point). A padded input with the kernel's own padding is read in place:
// border taps are z, and Σ (x - z)·w = Σ x·w - z·Σ w, so the zero point joins the constants.
// Other inputs are first copied, as x - z, into the interior of a zero-bordered float64 plane.
//
// The output stage's fast path needs |acc + bias| below the channel's limit; |acc| is at most
// 255·Σ|w|, so that is decided once per channel. A channel that fails it takes the checked path
// per element (requantize-channels.ts, with the exact BigInt fallback).
import { conv2dOutputSize, type Conv2dParams } from '../conv2d-params';
import { checkDepthwiseInt } from './depthwise-conv2d-int-reference';
import { requantizeChannels, type RequantizeChannelsPlan } from './requantize-channels';
import { checkLength } from './validate';

export type PlaneLayout = 'nhwc' | 'planes' | 'padded';

export interface DepthwiseLayouts {
  input?: PlaneLayout;
  output?: PlaneLayout;
  /** Border of a 'padded' output, [rows, columns] (its consumer's padding). */
  outputPad?: [number, number];
}

/** Elements of a [n, h, w, c] tensor in a layout (with `pad` for 'padded'). */
export function layoutSize(layout: PlaneLayout, n: number, h: number, w: number, c: number, pad: [number, number] = [0, 0]): number {
  return layout === 'padded' ? n * c * (h + 2 * pad[0]) * (w + 2 * pad[1]) : n * h * w * c;
}

let PLANE = new Float64Array(4096);
const ONE = new Int32Array(1);

export function depthwiseConv2dIntRequantize(
  p: Conv2dParams, x: Uint8Array, zeroPoint: number, w: Int8Array, plan: RequantizeChannelsPlan, out: Uint8Array | Int32Array,
  layouts: DepthwiseLayouts = {},
): void {
  const inLayout = layouts.input ?? 'nhwc';
  const outLayout = layouts.output ?? 'nhwc';
  const [oph, opw] = outLayout === 'padded' ? layouts.outputPad ?? [0, 0] : [0, 0];
  const { n, h, w: width, cIn, cOut, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW } = p;
  if (p.groups !== cIn || cOut % cIn !== 0) {
    throw new Error(`depthwiseConv2dIntRequantize: needs groups == cIn and cOut a multiple of cIn, got groups ${p.groups}, cIn ${cIn}, cOut ${cOut}`);
  }
  // The shared checks, on the equivalent multiplier-1 geometry (w, out and padded x are checked here).
  checkDepthwiseInt('depthwiseConv2dIntRequantize', { ...p, cOut: cIn }, inLayout === 'padded' ? null : x, zeroPoint, w, null);
  const { outH, outW } = conv2dOutputSize(p);
  const inH = h + 2 * padH;
  const inW = width + 2 * padW;
  if (inLayout === 'padded') checkLength('depthwiseConv2dIntRequantize', 'x', x, n * cIn * inH * inW, `padded planes [${n}, ${cIn}, ${inH}, ${inW}]`);
  checkLength('depthwiseConv2dIntRequantize', 'w', w, kh * kw * cOut, `[${kh}, ${kw}, ${cOut}]`);
  checkLength('depthwiseConv2dIntRequantize', 'out', out, layoutSize(outLayout, n, outH, outW, cOut, [oph, opw]), `${outLayout} [${n}, ${outH}, ${outW}, ${cOut}]`);
  if (plan.channels !== cOut) throw new Error(`depthwiseConv2dIntRequantize: the output stage has ${plan.channels} channels, the layer ${cOut}`);
  const mult = cOut / cIn;
  if (out instanceof Uint8Array && (plan.qmin < 0 || plan.qmax > 255)) {
    throw new Error(`depthwiseConv2dIntRequantize: range [${plan.qmin}, ${plan.qmax}] does not fit a Uint8Array output`);
  }
  // The zero-bordered plane holds every tap any output reads.
  const ph = Math.max(h + padH, (outH - 1) * strideH + (kh - 1) * dilationH + 1);
  const pw = Math.max(width + padW, (outW - 1) * strideW + (kw - 1) * dilationW + 1);
  if (PLANE.length < ph * pw) PLANE = new Float64Array(ph * pw);
  const plane = PLANE;
  plane.fill(0, 0, ph * pw);
  const taps = kh * kw;
  const tapOffset = new Int32Array(taps);
  for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) tapOffset[ky * kw + kx] = ky * dilationH * pw + kx * dilationW;
  const is3x3 = kh === 3 && kw === 3 && dilationH === 1 && dilationW === 1;
  const { qmin, qmax } = plan;
  const C = cOut;
  // Output (oy, ox) of channel c of image b is out[base + oy·rowStep + ox·step].
  const step = outLayout === 'nhwc' ? C : 1;
  const rowStep = outLayout === 'nhwc' ? outW * C : outW + 2 * opw;
  const outBase = (b: number, c: number): number =>
    outLayout === 'nhwc' ? b * outH * outW * C + c : ((b * C + c) * (outH + 2 * oph) + oph) * (outW + 2 * opw) + opw;
  // Per-channel constants, once per call rather than once per plane (small planes such as 4x4
  // spent more time here than in the correlation): the weights, whether the fast output stage
  // holds (|acc| <= 255·Σ|w|), and the folded constant K.
  if (WC.length < taps * C) WC = new Float64Array(taps * C);
  if (KP.length < C) {
    KP = new Float64Array(C);
    KX = new Float64Array(C);
    MODE = new Uint8Array(C);
  }
  for (let c = 0; c < C; c++) {
    let absSum = 0;
    let sum = 0;
    for (let t = 0; t < taps; t++) {
      const v = w[t * C + c];
      WC[c * taps + t] = v;
      absSum += Math.abs(v);
      sum += v;
    }
    const bias = plan.bias[c];
    const fast = 255 * absSum + Math.abs(bias) < plan.limit[c];
    // Folding bias and low into one constant K: floor((s + bias)·scale + addend) + low equals
    // floor(s·scale + K) with K = bias·scale + addend + low, exactly, when every term's
    // numerator over 2^r (r = 31 - shift) stays below 2^51: |s| < 2^19 (a 3x3 int8 sum),
    // |bias| and |bias - z·Σw| below 2^20, |low|·2^r < 2^51; then all partial sums are exact.
    const r = 31 - plan.shift[c];
    const low = plan.low[c];
    const foldable = fast && plan.narrow && is3x3 && 255 * absSum < 2 ** 19 && Math.abs(bias) + 255 * absSum < 2 ** 20 && Math.abs(low) * 2 ** r < 2 ** 51;
    // 2: folded, read in place from a padded input (the raw sum Σ x·w, the zero point inside K);
    // 1: folded, on the x - z plane; 0: the general loop.
    MODE[c] = foldable ? (inLayout === 'padded' ? 2 : 1) : 0;
    KP[c] = (bias - zeroPoint * sum) * plan.scale[c] + plan.addend[c] + low;
    KX[c] = bias * plan.scale[c] + plan.addend[c] + low;
  }
  let planeFor = -1; // which (image, input channel) the float plane holds
  for (let b = 0; b < n; b++) {
    for (let c = 0; c < C; c++) {
      const ci = Math.floor(c / mult);
      const mode = MODE[c];
      if (mode === 2 && mult > 1 && c + 1 < C && (c + 1) % mult !== 0 && MODE[c + 1] === 2) {
        // Channels c and c + 1 read the same input plane: one multiply serves both (see above).
        for (let t = 0; t < 9; t++) PAIR[t] = WC[c * taps + t] + LANE * WC[(c + 1) * taps + t];
        correlate3x3PairRequantize(x, (b * cIn + ci) * inH * inW, inW, outH, outW, strideH, strideW, PAIR,
          plan.scale[c], KP[c], plan.scale[c + 1], KP[c + 1], qmin, qmax, out, outBase(b, c), outBase(b, c + 1), rowStep, step);
        c++;
        continue;
      }
      if (mode === 2) {
        correlate3x3Requantize(x, (b * cIn + ci) * inH * inW, inW, outH, outW, strideH, strideW, WC, c * taps, plan.scale[c], KP[c], qmin, qmax, out, outBase(b, c), rowStep, step);
        continue;
      }
      if (planeFor !== b * cIn + ci) {
        // Input channel ci of image b as x - z in the plane's interior (it serves mult outputs).
        planeFor = b * cIn + ci;
        for (let y = 0; y < h; y++) {
          const dst = (y + padH) * pw + padW;
          if (inLayout === 'nhwc') {
            const src = (b * h + y) * width * cIn + ci;
            for (let xx = 0; xx < width; xx++) plane[dst + xx] = x[src + xx * cIn] - zeroPoint;
          } else {
            const src = inLayout === 'planes' ? ((b * cIn + ci) * h + y) * width : ((b * cIn + ci) * inH + y + padH) * inW + padW;
            for (let xx = 0; xx < width; xx++) plane[dst + xx] = x[src + xx] - zeroPoint;
          }
        }
      }
      if (mode === 1) {
        correlate3x3Requantize(plane, 0, pw, outH, outW, strideH, strideW, WC, c * taps, plan.scale[c], KX[c], qmin, qmax, out, outBase(b, c), rowStep, step);
        continue;
      }
      const bias = plan.bias[c];
      let absSum = 0;
      for (let t = 0; t < taps; t++) absSum += Math.abs(WC[c * taps + t]);
      const fast = 255 * absSum + Math.abs(bias) < plan.limit[c];
      const scale = plan.scale[c];
      const addend = plan.addend[c];
      const offset = plan.offset[c];
      const base = outBase(b, c);
      for (let oy = 0; oy < outH; oy++) {
        for (let ox = 0; ox < outW; ox++) {
          const at = oy * strideH * pw + ox * strideW;
          let s = 0;
          for (let t = 0; t < taps; t++) s += plane[at + tapOffset[t]] * WC[c * taps + t];
          const o = base + oy * rowStep + ox * step;
          if (fast) {
            const v = Math.floor((s + bias) * scale + addend) + offset;
            out[o] = v < qmin ? qmin : v > qmax ? qmax : v;
          } else {
            // The checked output stage on a one-channel view of this channel's constants.
            ONE[0] = s;
            requantizeOneChannel(ONE, plan, c, out, o);
          }
        }
      }
    }
  }
}

const LANE = 67108864; // 2^26
const INV_LANE = 1 / LANE;
const ROUNDER = 6755399441055744; // 1.5·2^52: x + ROUNDER - ROUNDER rounds x (|x| < 2^51) to an integer
const PAIR = new Float64Array(9);
let WC = new Float64Array(0);
let KP = new Float64Array(0);
let KX = new Float64Array(0);
let MODE = new Uint8Array(0);

/**
 * One 3x3 plane (rows of `rowWidth` values from src[base]) correlated with the nine weights wc[wAt..] and
 * requantized: out = clamp(floor(s·scale + K)) in [qmin, qmax], with int32 bit operations for the
 * clamp (see requantize-channels.ts; K already holds low = offset - qmin, the range is narrow).
 */
function correlate3x3Requantize(
  src: Float64Array | Uint8Array, base: number, rowWidth: number, outH: number, outW: number, strideH: number, strideW: number,
  wc: Float64Array, wAt: number, scale: number, K: number, qmin: number, qmax: number, out: Uint8Array | Int32Array, outBase: number, rowStep: number, step: number,
): void {
  const w0 = wc[wAt], w1 = wc[wAt + 1], w2 = wc[wAt + 2], w3 = wc[wAt + 3], w4 = wc[wAt + 4];
  const w5 = wc[wAt + 5], w6 = wc[wAt + 6], w7 = wc[wAt + 7], w8 = wc[wAt + 8];
  const range = qmax - qmin;
  for (let oy = 0; oy < outH; oy++) {
    const r0 = base + oy * strideH * rowWidth;
    const r1 = r0 + rowWidth;
    const r2 = r1 + rowWidth;
    let at = outBase + oy * rowStep;
    if (strideW === 1) {
      // Columns ox and ox+1 of the window carried over from the previous output.
      let a0 = src[r0], a1 = src[r1], a2 = src[r2];
      let b0 = src[r0 + 1], b1 = src[r1 + 1], b2 = src[r2 + 1];
      for (let ox = 0; ox < outW; ox++, at += step) {
        const c0 = src[r0 + ox + 2], c1 = src[r1 + ox + 2], c2 = src[r2 + ox + 2];
        const s = a0 * w0 + b0 * w1 + c0 * w2 + a1 * w3 + b1 * w4 + c1 * w5 + a2 * w6 + b2 * w7 + c2 * w8;
        a0 = b0; a1 = b1; a2 = b2;
        b0 = c0; b1 = c1; b2 = c2;
        let v = Math.floor(s * scale + K) | 0;
        v &= ~(v >> 31);
        v -= range;
        out[at] = (v & (v >> 31)) + qmax;
      }
      continue;
    }
    for (let ox = 0, q = 0; ox < outW; ox++, q += strideW, at += step) {
      const s =
        src[r0 + q] * w0 + src[r0 + q + 1] * w1 + src[r0 + q + 2] * w2 +
        src[r1 + q] * w3 + src[r1 + q + 1] * w4 + src[r1 + q + 2] * w5 +
        src[r2 + q] * w6 + src[r2 + q + 1] * w7 + src[r2 + q + 2] * w8;
      let v = Math.floor(s * scale + K) | 0;
      v &= ~(v >> 31);
      v -= range;
      out[at] = (v & (v >> 31)) + qmax;
    }
  }
}

/**
 * correlate3x3Requantize for two output channels of one input plane (a channel multiplier), the
 * weights packed as wc[t] = w_c[t] + 2^26·w_{c+1}[t]: each product then carries both channels'
 * terms, and since each channel's raw sum Σ x·w is below 255·9·128 < 2^25 in magnitude, the sum
 * s = lo + 2^26·hi is an exact integer (below 2^52) that splits exactly: hi = round(s / 2^26),
 * lo = s - 2^26·hi (as in gemm-int8-requantize.ts). Half the multiply-adds of two planes.
 */
function correlate3x3PairRequantize(
  src: Uint8Array, base: number, rowWidth: number, outH: number, outW: number, strideH: number, strideW: number,
  wc: Float64Array, scale0: number, K0: number, scale1: number, K1: number, qmin: number, qmax: number,
  out: Uint8Array | Int32Array, outBase0: number, outBase1: number, rowStep: number, step: number,
): void {
  const w0 = wc[0], w1 = wc[1], w2 = wc[2], w3 = wc[3], w4 = wc[4], w5 = wc[5], w6 = wc[6], w7 = wc[7], w8 = wc[8];
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
        const hi = s * INV_LANE + ROUNDER - ROUNDER;
        let v = Math.floor((s - hi * LANE) * scale0 + K0) | 0;
        v &= ~(v >> 31);
        v -= range;
        out[at0] = (v & (v >> 31)) + qmax;
        v = Math.floor(hi * scale1 + K1) | 0;
        v &= ~(v >> 31);
        v -= range;
        out[at1] = (v & (v >> 31)) + qmax;
      }
      continue;
    }
    for (let ox = 0, q = 0; ox < outW; ox++, q += strideW, at0 += step, at1 += step) {
      const s =
        src[r0 + q] * w0 + src[r0 + q + 1] * w1 + src[r0 + q + 2] * w2 +
        src[r1 + q] * w3 + src[r1 + q + 1] * w4 + src[r1 + q + 2] * w5 +
        src[r2 + q] * w6 + src[r2 + q + 1] * w7 + src[r2 + q + 2] * w8;
      const hi = s * INV_LANE + ROUNDER - ROUNDER;
      let v = Math.floor((s - hi * LANE) * scale0 + K0) | 0;
      v &= ~(v >> 31);
      v -= range;
      out[at0] = (v & (v >> 31)) + qmax;
      v = Math.floor(hi * scale1 + K1) | 0;
      v &= ~(v >> 31);
      v -= range;
      out[at1] = (v & (v >> 31)) + qmax;
    }
  }
}

/** requantizeChannels for a single value of channel c (the exact checked path). */
function requantizeOneChannel(acc: Int32Array, plan: RequantizeChannelsPlan, c: number, out: Uint8Array | Int32Array, at: number): void {
  const sub: RequantizeChannelsPlan = {
    ...plan, channels: 1,
    bias: plan.bias.subarray(c, c + 1), multiplier: plan.multiplier.subarray(c, c + 1), shift: plan.shift.subarray(c, c + 1),
    fraction: plan.fraction.subarray(c, c + 1), offset: plan.offset.subarray(c, c + 1), scale: plan.scale.subarray(c, c + 1),
    addend: plan.addend.subarray(c, c + 1), limit: plan.limit.subarray(c, c + 1), low: plan.low.subarray(c, c + 1),
  };
  requantizeChannels(1, acc, sub, out, 0, at);
}
