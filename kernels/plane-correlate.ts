// Single-plane correlation loops for the direct (non-GEMM) convolution kernels in
// depthwise-conv2d.ts. Each works on a float64 "padded" plane: the input plane copied into the
// interior of a zero-bordered scratch plane, so every tap of every output is in bounds and the
// inner loops test nothing:
//   out[oy, ox] = sum_ij w[i, j] * pad[oy*sH + i*dH, ox*sW + j*dW].
// Float64 scratch: loads need no float->double conversion (~15% faster measured) and the hot
// loops see one array type. 3x3 dilation-1 kernels (MobileNet's) keep the nine weights (or, for
// the weight gradient, the nine sums) in locals; at stride 1 the forward's sliding window loads 3
// new inputs per output instead of 9.
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
 * where start is `bias`, or the value already in out when `accumulate`. Separate loops for the
 * two cases, so that none chooses its start value per element (2x slower); assigning bias + sum
 * instead of first filling `out` with the bias and then adding measured ~25% faster. At stride
 * 1 a sliding window loads three new inputs per output instead of nine (in the conv kernel,
 * 28x28 planes: nine loads measured 8-10% slower).
 */
export function correlate3x3(
  pad: Float64Array, pw: number, wt: FloatArray, wOff: number, out: FloatArray, outOff: number,
  outH: number, outW: number, sH: number, sW: number, bias: number, accumulate: boolean,
): void {
  const w00 = wt[wOff], w01 = wt[wOff + 1], w02 = wt[wOff + 2];
  const w10 = wt[wOff + 3], w11 = wt[wOff + 4], w12 = wt[wOff + 5];
  const w20 = wt[wOff + 6], w21 = wt[wOff + 7], w22 = wt[wOff + 8];
  for (let oy = 0; oy < outH; oy++) {
    const r0 = oy * sH * pw;
    const r1 = r0 + pw;
    const r2 = r1 + pw;
    const o = outOff + oy * outW;
    if (sW === 1) {
      // Columns ox and ox+1 of the window, carried over from the previous output.
      let a0 = pad[r0], a1 = pad[r1], a2 = pad[r2];
      let b0 = pad[r0 + 1], b1 = pad[r1 + 1], b2 = pad[r2 + 1];
      if (accumulate) {
        for (let ox = 0; ox < outW; ox++) {
          const c0 = pad[r0 + ox + 2], c1 = pad[r1 + ox + 2], c2 = pad[r2 + ox + 2];
          out[o + ox] += w00 * a0 + w01 * b0 + w02 * c0 + w10 * a1 + w11 * b1 + w12 * c1 + w20 * a2 + w21 * b2 + w22 * c2;
          a0 = b0; a1 = b1; a2 = b2;
          b0 = c0; b1 = c1; b2 = c2;
        }
      } else {
        for (let ox = 0; ox < outW; ox++) {
          const c0 = pad[r0 + ox + 2], c1 = pad[r1 + ox + 2], c2 = pad[r2 + ox + 2];
          out[o + ox] = bias + w00 * a0 + w01 * b0 + w02 * c0 + w10 * a1 + w11 * b1 + w12 * c1 + w20 * a2 + w21 * b2 + w22 * c2;
          a0 = b0; a1 = b1; a2 = b2;
          b0 = c0; b1 = c1; b2 = c2;
        }
      }
    } else if (accumulate) {
      for (let ox = 0, q = 0; ox < outW; ox++, q += sW) {
        out[o + ox] +=
          w00 * pad[r0 + q] + w01 * pad[r0 + q + 1] + w02 * pad[r0 + q + 2] +
          w10 * pad[r1 + q] + w11 * pad[r1 + q + 1] + w12 * pad[r1 + q + 2] +
          w20 * pad[r2 + q] + w21 * pad[r2 + q + 1] + w22 * pad[r2 + q + 2];
      }
    } else {
      for (let ox = 0, q = 0; ox < outW; ox++, q += sW) {
        out[o + ox] = bias +
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
 * weightGradTaps for a 3x3 kernel with dilation 1, in one pass over the outputs: the nine sums
 * stay in locals and each g value is loaded once. (Measured against three passes, one per kernel
 * row with a sliding window: 6.5-8.3 vs 7.5-11 ns per output, planes 28x28 down to 4x4.)
 */
export function weightGrad3x3(
  pad: Float64Array, pw: number, g: FloatArray, gOff: number, outH: number, outW: number,
  sH: number, sW: number, sums: Float64Array, sOff: number,
): void {
  let s00 = 0, s01 = 0, s02 = 0, s10 = 0, s11 = 0, s12 = 0, s20 = 0, s21 = 0, s22 = 0;
  for (let oy = 0; oy < outH; oy++) {
    const r0 = oy * sH * pw;
    const r1 = r0 + pw;
    const r2 = r1 + pw;
    const o = gOff + oy * outW;
    for (let ox = 0, q = 0; ox < outW; ox++, q += sW) {
      const d = g[o + ox];
      s00 += d * pad[r0 + q]; s01 += d * pad[r0 + q + 1]; s02 += d * pad[r0 + q + 2];
      s10 += d * pad[r1 + q]; s11 += d * pad[r1 + q + 1]; s12 += d * pad[r1 + q + 2];
      s20 += d * pad[r2 + q]; s21 += d * pad[r2 + q + 1]; s22 += d * pad[r2 + q + 2];
    }
  }
  sums[sOff] += s00; sums[sOff + 1] += s01; sums[sOff + 2] += s02;
  sums[sOff + 3] += s10; sums[sOff + 4] += s11; sums[sOff + 5] += s12;
  sums[sOff + 6] += s20; sums[sOff + 7] += s21; sums[sOff + 8] += s22;
}

/**
 * Input gradient of a 3x3, stride-2, dilation-1 correlation, gathered instead of scattered:
 * dx[iy, ix] = start + sum over the taps (i, j) and outputs (oy, ox) with 2*oy + i = iy + padH
 * and 2*ox + j = ix + padW of w[i, j] * g[oy, ox], where start is 0, or the value already in dx
 * when `accumulate`. `q` holds g with one zero row and column on every side (row width
 * outW + 2), so in padded coordinates (r, c) = (iy + padH, ix + padW): an even r takes kernel
 * rows 0 and 2 from q rows r/2 + 1 and r/2, an odd r kernel row 1 from q row (r + 1)/2 (its
 * second row's weights are zero); columns likewise. Columns go in pairs (c = 2j, 2j + 1), which
 * read q columns j and j + 1:
 *   dx(2j) = w0·qA[j+1] + w2·qA[j] (+ the same with row B),   dx(2j+1) = w1·qA[j+1] (+ row B),
 * so the loop has no per-element branches (choosing per element measured ~1.5x slower).
 */
export function gatherInput3x3s2(
  q: Float64Array, outW: number, wt: FloatArray, wOff: number, dx: FloatArray, dxOff: number,
  h: number, w: number, padH: number, padW: number, accumulate: boolean,
): void {
  const qw = outW + 2;
  const cEnd = padW + w; // padded columns [padW, cEnd)
  for (let iy = 0; iy < h; iy++) {
    const r = iy + padH;
    const even = (r & 1) === 0;
    // Up to two contributing kernel rows: (q row, weight row); an odd r has only row A.
    const rowA = (even ? (r >> 1) + 1 : (r + 1) >> 1) * qw;
    const rowB = (r >> 1) * qw;
    const wa = wOff + (even ? 0 : 3);
    const a0 = wt[wa], a1 = wt[wa + 1], a2 = wt[wa + 2];
    const b0 = even ? wt[wOff + 6] : 0, b1 = even ? wt[wOff + 7] : 0, b2 = even ? wt[wOff + 8] : 0;
    const o = dxOff + iy * w - padW; // dx index of padded column c is o + c
    let c = padW;
    if (c & 1) {
      // A first odd column on its own.
      const j = c >> 1;
      const v = a1 * q[rowA + j + 1] + b1 * q[rowB + j + 1];
      dx[o + c] = accumulate ? dx[o + c] + v : v;
      c++;
    }
    if (accumulate) {
      for (; c + 1 < cEnd; c += 2) {
        const j = c >> 1;
        const qa0 = q[rowA + j], qa1 = q[rowA + j + 1], qb0 = q[rowB + j], qb1 = q[rowB + j + 1];
        dx[o + c] += a0 * qa1 + a2 * qa0 + b0 * qb1 + b2 * qb0;
        dx[o + c + 1] += a1 * qa1 + b1 * qb1;
      }
    } else {
      for (; c + 1 < cEnd; c += 2) {
        const j = c >> 1;
        const qa0 = q[rowA + j], qa1 = q[rowA + j + 1], qb0 = q[rowB + j], qb1 = q[rowB + j + 1];
        dx[o + c] = a0 * qa1 + a2 * qa0 + b0 * qb1 + b2 * qb0;
        dx[o + c + 1] = a1 * qa1 + b1 * qb1;
      }
    }
    if (c < cEnd) {
      // A last even column on its own.
      const j = c >> 1;
      const v = a0 * q[rowA + j + 1] + a2 * q[rowA + j] + b0 * q[rowB + j + 1] + b2 * q[rowB + j];
      dx[o + c] = accumulate ? dx[o + c] + v : v;
    }
  }
}
