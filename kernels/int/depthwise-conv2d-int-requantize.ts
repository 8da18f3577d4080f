// Depthwise convolution with the output stage fused in: bit for bit
// requantizeChannels(depthwiseConv2dIntReference(...)) (NHWC uint8 codes with a zero point, int8
// weights [kh][kw][cOut], output codes or int32 as the plan says), with no int32 tensor in between.
// Channel multipliers are allowed (groups == cIn, cOut = m·cIn; output channel o reads input
// channel floor(o / m)), which makes a dense conv on a single input channel (a first layer on
// grayscale images) the case cIn = 1.
//
// It works one channel plane at a time, as the float depthwise kernels do (plane-correlate.ts):
// the channel's h×w codes are gathered from the NHWC tensor into a zero-bordered float64 plane
// of x - z (the zero point leaves the inner loop and the border needs no tests), the kernel's
// weights and the channel's output-stage constants sit in registers, and each output is a
// kh·kw-term sum of plane values (exact: small integers) requantized on the spot and stored at
// its NHWC place. In NHWC order the weights and constants would change with every element; per
// plane they are loop invariants, which is what makes this several times faster than
// depthwise-conv2d-int.ts followed by requantize-channels.ts.
//
// The output stage's fast path needs |acc + bias| below the channel's limit; |acc| is at most
// 255·Σ|w|, so that is decided once per channel. A channel that fails it takes the checked path
// per element (requantize-channels.ts, with the exact BigInt fallback).
import { conv2dOutputSize, type Conv2dParams } from '../conv2d-params';
import { checkDepthwiseInt } from './depthwise-conv2d-int-reference';
import { requantizeChannels, type RequantizeChannelsPlan } from './requantize-channels';
import { checkLength } from './validate';

let PLANE = new Float64Array(4096);
const ONE = new Int32Array(1);

/**
 * Tensor layouts: 'nhwc' (channels innermost, the runtime's default) or 'planes' ([n][c][h][w],
 * what this kernel reads and writes fastest; the fused GEMM can write it for its depthwise
 * consumer, see gemm-int8-requantize.ts).
 */
export interface DepthwiseLayouts {
  input?: 'nhwc' | 'planes';
  output?: 'nhwc' | 'planes';
}

export function depthwiseConv2dIntRequantize(
  p: Conv2dParams, x: Uint8Array, zeroPoint: number, w: Int8Array, plan: RequantizeChannelsPlan, out: Uint8Array | Int32Array,
  layouts: DepthwiseLayouts = {},
): void {
  const planesIn = layouts.input === 'planes';
  const planesOut = layouts.output === 'planes';
  const { n, h, w: width, cIn, cOut, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW } = p;
  if (p.groups !== cIn || cOut % cIn !== 0) {
    throw new Error(`depthwiseConv2dIntRequantize: needs groups == cIn and cOut a multiple of cIn, got groups ${p.groups}, cIn ${cIn}, cOut ${cOut}`);
  }
  // The shared checks, on the equivalent multiplier-1 geometry for x (w and out are checked here).
  checkDepthwiseInt('depthwiseConv2dIntRequantize', { ...p, cOut: cIn }, x, zeroPoint, new Int8Array(kh * kw * cIn), null);
  const { outH, outW } = conv2dOutputSize(p);
  checkLength('depthwiseConv2dIntRequantize', 'w', w, kh * kw * cOut, `[${kh}, ${kw}, ${cOut}]`);
  checkLength('depthwiseConv2dIntRequantize', 'out', out, n * outH * outW * cOut, `NHWC [${n}, ${outH}, ${outW}, ${cOut}]`);
  if (plan.channels !== cOut) throw new Error(`depthwiseConv2dIntRequantize: the output stage has ${plan.channels} channels, the layer ${cOut}`);
  const mult = cOut / cIn;
  const bytes = out instanceof Uint8Array;
  if (bytes && (plan.qmin < 0 || plan.qmax > 255)) {
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
  const wc = new Float64Array(taps);
  const is3x3 = kh === 3 && kw === 3 && dilationH === 1 && dilationW === 1;
  const { qmin, qmax } = plan;
  const range = qmax - qmin;
  const C = cOut;
  for (let b = 0; b < n; b++) {
    for (let c = 0; c < C; c++) {
      if (c % mult === 0) {
        // Gather input channel c/mult of image b as x - z into the plane's interior; it serves
        // output channels c .. c + mult - 1.
        const ci = c / mult;
        for (let y = 0; y < h; y++) {
          const dst = (y + padH) * pw + padW;
          if (planesIn) {
            const src = ((b * cIn + ci) * h + y) * width;
            for (let xx = 0; xx < width; xx++) plane[dst + xx] = x[src + xx] - zeroPoint;
          } else {
            const src = (b * h + y) * width * cIn + ci;
            for (let xx = 0; xx < width; xx++) plane[dst + xx] = x[src + xx * cIn] - zeroPoint;
          }
        }
      }
      let absSum = 0;
      for (let t = 0; t < taps; t++) {
        wc[t] = w[t * C + c];
        absSum += Math.abs(wc[t]);
      }
      const bias = plan.bias[c];
      const scale = plan.scale[c];
      const addend = plan.addend[c];
      const low = plan.low[c];
      const offset = plan.offset[c];
      const fast = 255 * absSum + Math.abs(bias) < plan.limit[c];
      // Output (oy, ox) of this channel is out[outBase + oy·rowStep + ox·step].
      const outBase = planesOut ? (b * C + c) * outH * outW : b * outH * outW * C + c;
      const step = planesOut ? 1 : C;
      const rowStep = outW * step;
      if (fast && bytes && is3x3) {
        const w0 = wc[0], w1 = wc[1], w2 = wc[2], w3 = wc[3], w4 = wc[4], w5 = wc[5], w6 = wc[6], w7 = wc[7], w8 = wc[8];
        const o8 = out as Uint8Array;
        for (let oy = 0; oy < outH; oy++) {
          const r0 = oy * strideH * pw;
          const r1 = r0 + pw;
          const r2 = r1 + pw;
          let at = outBase + oy * rowStep;
          if (strideW === 1) {
            // Columns ox and ox+1 of the window carried over from the previous output: three
            // new plane values per output instead of nine (as plane-correlate.ts does).
            let a0 = plane[r0], a1 = plane[r1], a2 = plane[r2];
            let b0 = plane[r0 + 1], b1 = plane[r1 + 1], b2 = plane[r2 + 1];
            for (let ox = 0; ox < outW; ox++, at += step) {
              const c0 = plane[r0 + ox + 2], c1 = plane[r1 + ox + 2], c2 = plane[r2 + ox + 2];
              const s = a0 * w0 + b0 * w1 + c0 * w2 + a1 * w3 + b1 * w4 + c1 * w5 + a2 * w6 + b2 * w7 + c2 * w8;
              a0 = b0; a1 = b1; a2 = b2;
              b0 = c0; b1 = c1; b2 = c2;
              // clamp to [qmin, qmax] with int32 bit operations (see requantize-channels.ts)
              let v = (Math.floor((s + bias) * scale + addend) + low) | 0;
              v &= ~(v >> 31);
              v -= range;
              o8[at] = (v & (v >> 31)) + range + qmin;
            }
            continue;
          }
          for (let ox = 0, q = 0; ox < outW; ox++, q += strideW, at += step) {
            const s =
              plane[r0 + q] * w0 + plane[r0 + q + 1] * w1 + plane[r0 + q + 2] * w2 +
              plane[r1 + q] * w3 + plane[r1 + q + 1] * w4 + plane[r1 + q + 2] * w5 +
              plane[r2 + q] * w6 + plane[r2 + q + 1] * w7 + plane[r2 + q + 2] * w8;
            let v = (Math.floor((s + bias) * scale + addend) + low) | 0;
            v &= ~(v >> 31);
            v -= range;
            o8[at] = (v & (v >> 31)) + range + qmin;
          }
        }
        continue;
      }
      for (let oy = 0; oy < outH; oy++) {
        for (let ox = 0; ox < outW; ox++) {
          const at = oy * strideH * pw + ox * strideW;
          let s = 0;
          for (let t = 0; t < taps; t++) s += plane[at + tapOffset[t]] * wc[t];
          const at2 = outBase + oy * rowStep + ox * step;
          if (fast) {
            const v = Math.floor((s + bias) * scale + addend) + offset;
            out[at2] = v < qmin ? qmin : v > qmax ? qmax : v;
          } else {
            // The checked output stage on a one-channel view of this channel's constants.
            ONE[0] = s;
            requantizeOneChannel(ONE, plan, c, out, at2);
          }
        }
      }
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
