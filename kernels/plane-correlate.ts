// Single-plane correlation loops for the direct (non-GEMM) convolution kernels in
// depthwise-conv2d.ts. Each works on a float64 "padded" plane: the input plane copied into the
// interior of a zero-bordered scratch plane, so every tap of every output is in bounds and the
// inner loops test nothing:
//   out[oy, ox] = sum_ij w[i, j] * pad[oy*sH + i*dH, ox*sW + j*dW].
// Float64 scratch: loads need no float->double conversion (~15% faster measured) and the hot
// loops see one array type. 3x3 dilation-1 kernels (MobileNet's) keep the nine weights in locals;
// at stride 1 a sliding window loads 3 new inputs per output instead of 9.
import { FloatArray } from './float-array';

/**
 * Copies the h×w plane at src[srcOffset] into `pad` (row width pw) with its top-left corner at
 * (top, left). Only the interior is written: the border keeps whatever zeros it had.
 */
export function copyIntoPadded(
  src: FloatArray, srcOffset: number, h: number, w: number, pad: Float64Array, pw: number, top: number, left: number,
): void {
  for (let y = 0; y < h; y++) {
    const s = srcOffset + y * w;
    const d = (y + top) * pw + left;
    for (let x = 0; x < w; x++) pad[d + x] = src[s + x];
  }
}

/**
 * out[oy, ox] = start + sum_ij wt[wOff + 3i + j] * pad[oy*sH + i, ox*sW + j] for a 3x3 kernel,
 * where start is `bias`, or the value already in out when `accumulate`. (The start value is
 * filled in beforehand: choosing it per element inside the loop measured 2x slower.)
 */
export function correlate3x3(
  pad: Float64Array, pw: number, wt: FloatArray, wOff: number, out: FloatArray, outOff: number,
  outH: number, outW: number, sH: number, sW: number, bias: number, accumulate: boolean,
): void {
  const w00 = wt[wOff], w01 = wt[wOff + 1], w02 = wt[wOff + 2];
  const w10 = wt[wOff + 3], w11 = wt[wOff + 4], w12 = wt[wOff + 5];
  const w20 = wt[wOff + 6], w21 = wt[wOff + 7], w22 = wt[wOff + 8];
  if (!accumulate) out.fill(bias, outOff, outOff + outH * outW);
  for (let oy = 0; oy < outH; oy++) {
    const r0 = oy * sH * pw;
    const r1 = r0 + pw;
    const r2 = r1 + pw;
    const o = outOff + oy * outW;
    if (sW === 1) {
      // Columns ox and ox+1 of the window, carried over from the previous output.
      let a0 = pad[r0], a1 = pad[r1], a2 = pad[r2];
      let b0 = pad[r0 + 1], b1 = pad[r1 + 1], b2 = pad[r2 + 1];
      for (let ox = 0; ox < outW; ox++) {
        const c0 = pad[r0 + ox + 2], c1 = pad[r1 + ox + 2], c2 = pad[r2 + ox + 2];
        out[o + ox] +=
          w00 * a0 + w01 * b0 + w02 * c0 +
          w10 * a1 + w11 * b1 + w12 * c1 +
          w20 * a2 + w21 * b2 + w22 * c2;
        a0 = b0; a1 = b1; a2 = b2;
        b0 = c0; b1 = c1; b2 = c2;
      }
    } else {
      for (let ox = 0, q = 0; ox < outW; ox++, q += sW) {
        out[o + ox] +=
          w00 * pad[r0 + q] + w01 * pad[r0 + q + 1] + w02 * pad[r0 + q + 2] +
          w10 * pad[r1 + q] + w11 * pad[r1 + q + 1] + w12 * pad[r1 + q + 2] +
          w20 * pad[r2 + q] + w21 * pad[r2 + q + 1] + w22 * pad[r2 + q + 2];
      }
    }
  }
}

/** Any kernel size, stride and dilation: one pass over the output plane per tap. */
export function correlateTaps(
  pad: Float64Array, pw: number, wt: FloatArray, wOff: number, kh: number, kw: number,
  sH: number, sW: number, dH: number, dW: number,
  out: FloatArray, outOff: number, outH: number, outW: number, bias: number, accumulate: boolean,
): void {
  if (!accumulate) out.fill(bias, outOff, outOff + outH * outW);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const wv = wt[wOff + i * kw + j];
      for (let oy = 0; oy < outH; oy++) {
        let src = (oy * sH + i * dH) * pw + j * dW;
        const o = outOff + oy * outW;
        for (let ox = 0; ox < outW; ox++, src += sW) out[o + ox] += wv * pad[src];
      }
    }
  }
}

/**
 * The adjoint of correlateTaps: pad[oy*sH + i*dH, ox*sW + j*dW] += w[i, j] * g[oy, ox] for every
 * tap, sending each output gradient back to the padded input positions it read.
 */
export function scatterTaps(
  g: FloatArray, gOff: number, outH: number, outW: number, wt: FloatArray, wOff: number, kh: number, kw: number,
  sH: number, sW: number, dH: number, dW: number, pad: Float64Array, pw: number,
): void {
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const wv = wt[wOff + i * kw + j];
      for (let oy = 0; oy < outH; oy++) {
        let dst = (oy * sH + i * dH) * pw + j * dW;
        const src = gOff + oy * outW;
        for (let ox = 0; ox < outW; ox++, dst += sW) pad[dst] += wv * g[src + ox];
      }
    }
  }
}

/**
 * Weight gradient of one plane pair: sums[sOff + i*kw + j] += sum over outputs of
 * g[oy, ox] * pad[oy*sH + i*dH, ox*sW + j*dW].
 */
export function weightGradTaps(
  pad: Float64Array, pw: number, g: FloatArray, gOff: number, outH: number, outW: number,
  kh: number, kw: number, sH: number, sW: number, dH: number, dW: number, sums: Float64Array, sOff: number,
): void {
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      let s = 0;
      for (let oy = 0; oy < outH; oy++) {
        let src = (oy * sH + i * dH) * pw + j * dW;
        const d = gOff + oy * outW;
        for (let ox = 0; ox < outW; ox++, src += sW) s += g[d + ox] * pad[src];
      }
      sums[sOff + i * kw + j] += s;
    }
  }
}

/**
 * weightGradTaps for a 3x3 kernel with dilation 1, one kernel row i at a time: the row's three
 * taps share each g load and, at stride 1, slide along the padded input row, loading one new
 * value per output.
 */
export function weightGrad3x3(
  pad: Float64Array, pw: number, g: FloatArray, gOff: number, outH: number, outW: number,
  sH: number, sW: number, sums: Float64Array, sOff: number,
): void {
  for (let i = 0; i < 3; i++) {
    let s0 = 0, s1 = 0, s2 = 0;
    for (let oy = 0; oy < outH; oy++) {
      const r = (oy * sH + i) * pw;
      const o = gOff + oy * outW;
      if (sW === 1) {
        let a = pad[r], b = pad[r + 1];
        for (let ox = 0; ox < outW; ox++) {
          const c = pad[r + ox + 2];
          const d = g[o + ox];
          s0 += d * a;
          s1 += d * b;
          s2 += d * c;
          a = b;
          b = c;
        }
      } else {
        for (let ox = 0, q = r; ox < outW; ox++, q += sW) {
          const d = g[o + ox];
          s0 += d * pad[q];
          s1 += d * pad[q + 1];
          s2 += d * pad[q + 2];
        }
      }
    }
    sums[sOff + 3 * i] += s0;
    sums[sOff + 3 * i + 1] += s1;
    sums[sOff + 3 * i + 2] += s2;
  }
}

/**
 * Input gradient of a 3x3, stride-2, dilation-1 correlation, gathered instead of scattered:
 * dx[iy, ix] = start + sum over the taps (i, j) and outputs (oy, ox) with 2*oy + i = iy + padH
 * and 2*ox + j = ix + padW of w[i, j] * g[oy, ox], where start is 0, or the value already in dx
 * when `accumulate`. `q` holds g with one zero row and column on every side (row width
 * outW + 2), so in padded coordinates (r, c) = (iy + padH, ix + padW): an even r takes kernel
 * rows 0 and 2 from q rows r/2 + 1 and r/2, an odd r kernel row 1 from q row (r + 1)/2; columns
 * likewise. Each dx element is written once, with 2.25 products on average.
 */
export function gatherInput3x3s2(
  q: Float64Array, outW: number, wt: FloatArray, wOff: number, dx: FloatArray, dxOff: number,
  h: number, w: number, padH: number, padW: number, accumulate: boolean,
): void {
  const qw = outW + 2;
  if (!accumulate) dx.fill(0, dxOff, dxOff + h * w);
  for (let iy = 0; iy < h; iy++) {
    const r = iy + padH;
    // Up to two contributing kernel rows: (q row, weight row).
    const even = (r & 1) === 0;
    const rowA = (even ? (r >> 1) + 1 : (r + 1) >> 1) * qw;
    const rowB = (r >> 1) * qw; // used only for even r
    const wa = wOff + (even ? 0 : 3);
    const a0 = wt[wa], a1 = wt[wa + 1], a2 = wt[wa + 2];
    const b0 = even ? wt[wOff + 6] : 0, b1 = even ? wt[wOff + 7] : 0, b2 = even ? wt[wOff + 8] : 0;
    const o = dxOff + iy * w;
    for (let ix = 0; ix < w; ix++) {
      const c = ix + padW;
      let s: number;
      if ((c & 1) === 0) {
        const hi = (c >> 1) + 1;
        const lo = c >> 1;
        s = a0 * q[rowA + hi] + a2 * q[rowA + lo];
        if (even) s += b0 * q[rowB + hi] + b2 * q[rowB + lo];
      } else {
        const mid = (c + 1) >> 1;
        s = a1 * q[rowA + mid];
        if (even) s += b1 * q[rowB + mid];
      }
      dx[o + ix] += s;
    }
  }
}
