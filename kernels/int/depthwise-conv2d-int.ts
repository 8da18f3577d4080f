// Integer depthwise convolution, fast: bit for bit depthwiseConv2dIntReference (NHWC uint8 codes
// with a zero point, int8 weights [kh][kw][C], int32 NHWC output).
//
// - Channels innermost: every tap of an output pixel is a contiguous run of C codes, read with
//   unit stride, as NEON kernels (XNNPACK's dwconv) read them.
// - The zero point leaves the inner loop: Σ (x - z)·w = Σ x·w - z·Σ w, with z·Σ_taps w[c]
//   precomputed per channel. That holds only where every tap is inside the image; border pixels
//   take a loop over their valid taps with (x - z) explicitly.
// - 3x3 (dilation 1), the MobileNet case, is written out: nine products summed in registers and
//   one store per output, instead of nine read-modify-write passes over the output row.
import { conv2dOutputSize, type Conv2dParams } from '../conv2d-params';
import { checkDepthwiseInt } from './depthwise-conv2d-int-reference';

/** Images [imageStart, imageStart + imageCount) of the batch; the others are left untouched. */
export function depthwiseConv2dInt(
  p: Conv2dParams, x: Uint8Array, zeroPoint: number, w: Int8Array, out: Int32Array, imageStart = 0, imageCount = p.n - imageStart,
): Int32Array {
  checkDepthwiseInt('depthwiseConv2dInt', p, x, zeroPoint, w, out);
  if (!Number.isInteger(imageStart) || !Number.isInteger(imageCount) || imageStart < 0 || imageCount < 0 || imageStart + imageCount > p.n) {
    throw new Error(`depthwiseConv2dInt: images [${imageStart}, ${imageStart + imageCount}) are not inside a batch of ${p.n}`);
  }
  const { h, w: width, cIn: C, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW } = p;
  const { outH, outW } = conv2dOutputSize(p);
  const taps = kh * kw;
  const zw = new Int32Array(C);
  for (let t = 0; t < taps; t++) for (let c = 0; c < C; c++) zw[c] += w[t * C + c];
  for (let c = 0; c < C; c++) zw[c] *= zeroPoint;
  const rowStride = width * C;
  const is3x3 = kh === 3 && kw === 3 && dilationH === 1 && dilationW === 1;
  for (let b = imageStart; b < imageStart + imageCount; b++) {
    for (let oy = 0; oy < outH; oy++) {
      const iy0 = oy * strideH - padH;
      const rowsInside = iy0 >= 0 && iy0 + (kh - 1) * dilationH < h;
      for (let ox = 0; ox < outW; ox++) {
        const ix0 = ox * strideW - padW;
        const o = ((b * outH + oy) * outW + ox) * C;
        const inside = rowsInside && ix0 >= 0 && ix0 + (kw - 1) * dilationW < width;
        if (inside && is3x3) {
          const r0 = ((b * h + iy0) * width + ix0) * C;
          const r1 = r0 + rowStride;
          const r2 = r1 + rowStride;
          for (let c = 0; c < C; c++) {
            const s =
              x[r0 + c] * w[c] + x[r0 + C + c] * w[C + c] + x[r0 + 2 * C + c] * w[2 * C + c] +
              x[r1 + c] * w[3 * C + c] + x[r1 + C + c] * w[4 * C + c] + x[r1 + 2 * C + c] * w[5 * C + c] +
              x[r2 + c] * w[6 * C + c] + x[r2 + C + c] * w[7 * C + c] + x[r2 + 2 * C + c] * w[8 * C + c];
            out[o + c] = s - zw[c];
          }
        } else if (inside) {
          for (let c = 0; c < C; c++) out[o + c] = -zw[c];
          for (let ky = 0; ky < kh; ky++) {
            for (let kx = 0; kx < kw; kx++) {
              const i = ((b * h + iy0 + ky * dilationH) * width + ix0 + kx * dilationW) * C;
              const t = (ky * kw + kx) * C;
              for (let c = 0; c < C; c++) out[o + c] += x[i + c] * w[t + c];
            }
          }
        } else {
          for (let c = 0; c < C; c++) out[o + c] = 0;
          for (let ky = 0; ky < kh; ky++) {
            const iy = iy0 + ky * dilationH;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ix0 + kx * dilationW;
              if (ix < 0 || ix >= width) continue;
              const i = ((b * h + iy) * width + ix) * C;
              const t = (ky * kw + kx) * C;
              for (let c = 0; c < C; c++) out[o + c] += (x[i + c] - zeroPoint) * w[t + c];
            }
          }
        }
      }
    }
  }
  return out;
}
