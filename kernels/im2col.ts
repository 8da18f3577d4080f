// im2col turns a convolution into a matrix product: every kernel tap of every input channel
// becomes one row of a "column" matrix whose columns are the output pixels, so that
// y[cOut, outH*outW] = w[cOut, cIn*kh*kw] · col[cIn*kh*kw, outH*outW]. col2im is its adjoint:
// it adds each column entry back onto the input pixel it was read from (the backward pass).
//
// Row r = (c*kh + i)*kw + j of col, column oy*outW + ox, holds
//   x[c, oy*strideH - padH + i*dilationH, ox*strideW - padW + j*dilationW]   (0 outside the image).
// For each row and output row the in-image pixels form one contiguous run of ox, computed once,
// so the inner loops have no bounds tests.
import { Conv2dParams, conv2dOutputSize } from './conv2d-params';
import { FloatArray } from './float-array';

/** First ox whose input column ox*stride + offset is >= 0, and one past the last one < size. */
function validRange(offset: number, stride: number, size: number, outSize: number): [number, number] {
  const start = offset >= 0 ? 0 : Math.ceil(-offset / stride);
  const end = Math.min(outSize, Math.floor((size - 1 - offset) / stride) + 1);
  return [Math.min(start, outSize), Math.max(end, 0)];
}

/**
 * Writes the column matrix of `channels` input channels of one image, starting at x[xOffset]
 * (each channel an h×w plane), into col[colOffset ...] as a [channels*kh*kw, outH*outW]
 * row-major matrix. Overwrites every element of that matrix.
 */
export function im2col(
  p: Conv2dParams, x: FloatArray, xOffset: number, channels: number, col: FloatArray, colOffset = 0,
): void {
  const { h, w, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW } = p;
  const { outH, outW } = conv2dOutputSize(p);
  const plane = h * w;
  const outSize = outH * outW;
  let row = colOffset;
  for (let c = 0; c < channels; c++) {
    const xc = xOffset + c * plane;
    for (let i = 0; i < kh; i++) {
      const rowOffset = i * dilationH - padH;
      for (let j = 0; j < kw; j++, row += outSize) {
        const colShift = j * dilationW - padW;
        const [oxStart, oxEnd] = validRange(colShift, strideW, w, outW);
        for (let oy = 0; oy < outH; oy++) {
          const iy = oy * strideH + rowOffset;
          const dst = row + oy * outW;
          if (iy < 0 || iy >= h) {
            col.fill(0, dst, dst + outW);
            continue;
          }
          for (let ox = 0; ox < oxStart; ox++) col[dst + ox] = 0;
          let src = xc + iy * w + oxStart * strideW + colShift;
          if (strideW === 1) {
            for (let ox = oxStart; ox < oxEnd; ox++, src++) col[dst + ox] = x[src];
          } else {
            for (let ox = oxStart; ox < oxEnd; ox++, src += strideW) col[dst + ox] = x[src];
          }
          for (let ox = Math.max(oxEnd, oxStart); ox < outW; ox++) col[dst + ox] = 0;
        }
      }
    }
  }
}

/**
 * The adjoint of `im2col`: adds every entry of the [channels*kh*kw, outH*outW] matrix at
 * col[colOffset ...] onto the input pixel it was read from, in dx starting at dx[dxOffset].
 * Accumulates: callers zero dx first when they want a fresh gradient.
 */
export function col2im(
  p: Conv2dParams, col: FloatArray, colOffset: number, channels: number, dx: FloatArray, dxOffset = 0,
): void {
  const { h, w, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW } = p;
  const { outH, outW } = conv2dOutputSize(p);
  const plane = h * w;
  const outSize = outH * outW;
  let row = colOffset;
  for (let c = 0; c < channels; c++) {
    const xc = dxOffset + c * plane;
    for (let i = 0; i < kh; i++) {
      const rowOffset = i * dilationH - padH;
      for (let j = 0; j < kw; j++, row += outSize) {
        const colShift = j * dilationW - padW;
        const [oxStart, oxEnd] = validRange(colShift, strideW, w, outW);
        if (oxStart >= oxEnd) continue;
        for (let oy = 0; oy < outH; oy++) {
          const iy = oy * strideH + rowOffset;
          if (iy < 0 || iy >= h) continue;
          const srcRow = row + oy * outW;
          let dst = xc + iy * w + oxStart * strideW + colShift;
          if (strideW === 1) {
            for (let ox = oxStart; ox < oxEnd; ox++, dst++) dx[dst] += col[srcRow + ox];
          } else {
            for (let ox = oxStart; ox < oxEnd; ox++, dst += strideW) dx[dst] += col[srcRow + ox];
          }
        }
      }
    }
  }
}
