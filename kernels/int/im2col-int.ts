// im2col for NHWC uint8 codes: row r of the column matrix is output pixel r (batch-major,
// r = (b·outH + oy)·outW + ox), its K = kh·kw·cIn columns the pixel's receptive field in
// (ky, kx, c) order, so a conv is one GEMM with the [cOut, kh, kw, cIn] weight rows
// (gemm-int-reference.ts: A = columns, W = weights). Taps outside the image hold the zero point,
// the code of real 0, so the zero-point correction -z·Σ w is the same for every row and folds
// into the bias (zero-point.ts). For cIn channels the copy of a tap is a run of cIn bytes.
import { conv2dOutputSize, validateConv2dParams, type Conv2dParams } from '../conv2d-params';
import { checkLength } from './validate';

/**
 * Rows [rowStart, rowStart + rowCount) of the column matrix of a dense (groups = 1) conv,
 * written to col[0 ..] as a rowCount x (kh·kw·cIn) row-major matrix.
 */
export function im2colInt(p: Conv2dParams, x: Uint8Array, zeroPoint: number, col: Uint8Array, rowStart = 0, rowCount?: number): Uint8Array {
  validateConv2dParams(p, 'im2colInt');
  if (p.groups !== 1) throw new Error(`im2colInt: needs a dense conv (groups 1), got groups ${p.groups}`);
  if (!Number.isInteger(zeroPoint) || zeroPoint < 0 || zeroPoint > 255) {
    throw new Error(`im2colInt: zeroPoint must be an integer in [0, 255], got ${zeroPoint}`);
  }
  const { n, h, w: width, cIn: C, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW } = p;
  const { outH, outW } = conv2dOutputSize(p);
  const rows = rowCount ?? n * outH * outW - rowStart;
  if (!Number.isInteger(rowStart) || !Number.isInteger(rows) || rowStart < 0 || rows < 0 || rowStart + rows > n * outH * outW) {
    throw new Error(`im2colInt: rows [${rowStart}, ${rowStart + rows}) are not inside the ${n * outH * outW} output pixels`);
  }
  const K = kh * kw * C;
  checkLength('im2colInt', 'x', x, n * h * width * C, `NHWC [${n}, ${h}, ${width}, ${C}]`);
  checkLength('im2colInt', 'col', col, rows * K, `${rows}x${K}`);
  let dst = 0;
  for (let r = rowStart; r < rowStart + rows; r++) {
    const ox = r % outW;
    const oy = Math.floor(r / outW) % outH;
    const b = Math.floor(r / (outW * outH));
    for (let ky = 0; ky < kh; ky++) {
      const iy = oy * strideH - padH + ky * dilationH;
      const rowInside = iy >= 0 && iy < h;
      for (let kx = 0; kx < kw; kx++, dst += C) {
        const ix = ox * strideW - padW + kx * dilationW;
        if (!rowInside || ix < 0 || ix >= width) {
          col.fill(zeroPoint, dst, dst + C);
          continue;
        }
        const src = ((b * h + iy) * width + ix) * C;
        if (C === 1) col[dst] = x[src];
        else col.set(x.subarray(src, src + C), dst);
      }
    }
  }
  return col;
}
