// Max pooling on NHWC integer tensors (uint8 codes or int32). Requantization onto a grid is
// monotone, so the max of codes is the code of the max: pooling codes equals pooling the real
// values and quantizing afterwards, exactly. Padding taps are skipped (as -inf padding would).
import { pool2dOutputSize, validatePool2dParams, type Pool2dParams } from '../pool2d-params';
import { checkLength } from './validate';

export function maxPool2dInt<T extends Uint8Array | Int32Array>(p: Pool2dParams, x: T, out: T): T {
  validatePool2dParams(p, 'maxPool2dInt');
  const { n, c: C, h, w: width, kh, kw, strideH, strideW, padH, padW } = p;
  const { outH, outW } = pool2dOutputSize(p);
  checkLength('maxPool2dInt', 'x', x, n * h * width * C, `NHWC [${n}, ${h}, ${width}, ${C}]`);
  checkLength('maxPool2dInt', 'out', out, n * outH * outW * C, `NHWC [${n}, ${outH}, ${outW}, ${C}]`);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < outH; oy++) {
      const y0 = Math.max(0, oy * strideH - padH);
      const y1 = Math.min(h, oy * strideH - padH + kh);
      for (let ox = 0; ox < outW; ox++) {
        const x0 = Math.max(0, ox * strideW - padW);
        const x1 = Math.min(width, ox * strideW - padW + kw);
        const o = ((b * outH + oy) * outW + ox) * C;
        // Padding is at most half the kernel, so (y0, x0) is always a tap inside the image.
        const first = ((b * h + y0) * width + x0) * C;
        for (let c = 0; c < C; c++) out[o + c] = x[first + c];
        for (let iy = y0; iy < y1; iy++) {
          for (let ix = x0; ix < x1; ix++) {
            const i = ((b * h + iy) * width + ix) * C;
            for (let c = 0; c < C; c++) if (x[i + c] > out[o + c]) out[o + c] = x[i + c];
          }
        }
      }
    }
  }
  return out;
}
