// Integer depthwise convolution, the plain definition. Activations are NHWC uint8 codes with a
// zero point z (real value = scale·(code - z)); weights are int8, tap-major [kh][kw][C] (the
// order the channel-innermost loops read); the int32 output is NHWC:
//   out[b][oy][ox][c] = Σ_{ky,kx inside the image} (x[b][iy][ix][c] - z) · w[ky][kx][c],
//   iy = oy·strideH - padH + ky·dilationH,  ix = ox·strideW - padW + kx·dilationW.
// Taps outside the image are zero-point padding, real 0, so they add nothing. Sums wrap like
// int32 accumulators (they never come close for uint8 x int8 and small kernels).
import { conv2dOutputSize, isDepthwise, validateConv2dParams, type Conv2dParams } from '../conv2d-params';
import { checkLength } from './validate';

/** Checks shared by the reference and the fast kernel. */
export function checkDepthwiseInt(fn: string, p: Conv2dParams, x: Uint8Array | null, zeroPoint: number, w: Int8Array, out: Int32Array | null): void {
  validateConv2dParams(p, fn);
  if (!isDepthwise(p)) throw new Error(`${fn}: needs groups == cIn == cOut, got groups ${p.groups}, cIn ${p.cIn}, cOut ${p.cOut}`);
  if (!Number.isInteger(zeroPoint) || zeroPoint < 0 || zeroPoint > 255) {
    throw new Error(`${fn}: zeroPoint must be an integer in [0, 255], got ${zeroPoint}`);
  }
  const { outH, outW } = conv2dOutputSize(p);
  if (x) checkLength(fn, 'x', x, p.n * p.h * p.w * p.cIn, `NHWC [${p.n}, ${p.h}, ${p.w}, ${p.cIn}]`);
  checkLength(fn, 'w', w, p.kh * p.kw * p.cIn, `[${p.kh}, ${p.kw}, ${p.cIn}]`);
  if (out) checkLength(fn, 'out', out, p.n * outH * outW * p.cOut, `NHWC [${p.n}, ${outH}, ${outW}, ${p.cOut}]`);
}

export function depthwiseConv2dIntReference(p: Conv2dParams, x: Uint8Array, zeroPoint: number, w: Int8Array, out: Int32Array): Int32Array {
  checkDepthwiseInt('depthwiseConv2dIntReference', p, x, zeroPoint, w, out);
  const { n, h, w: width, cIn: C, kh, kw } = p;
  const { outH, outW } = conv2dOutputSize(p);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        for (let c = 0; c < C; c++) {
          let s = 0;
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * p.strideH - p.padH + ky * p.dilationH;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * p.strideW - p.padW + kx * p.dilationW;
              if (ix < 0 || ix >= width) continue;
              s += (x[((b * h + iy) * width + ix) * C + c] - zeroPoint) * w[(ky * kw + kx) * C + c];
            }
          }
          out[((b * outH + oy) * outW + ox) * C + c] = s | 0;
        }
      }
    }
  }
  return out;
}
