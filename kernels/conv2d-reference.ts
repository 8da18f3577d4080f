// Reference convolution: the definition written as plain nested loops over every index, with a
// bounds test per tap. Slow on purpose; the fast kernels (conv2d.ts, depthwise-conv2d.ts) are
// tested against these. Same contracts as the fast ones: outputs are overwritten.
//
//   y[b, o, oy, ox] = bias[o] + sum over ci < cIn/groups, i < kh, j < kw of
//       w[o, ci, i, j] * x[b, g*cIn/groups + ci, oy*strideH - padH + i*dilationH,
//                                                ox*strideW - padW + j*dilationW]
//   where g = floor(o / (cOut/groups)) and x is 0 outside the image.
import { Conv2dParams, conv2dOutputSize, validateConv2dParams } from './conv2d-params';
import { FloatArray } from './float-array';

/**
 * Calls `visit(xIndex, wIndex, yIndex)` for every (input pixel, weight, output pixel) triple
 * the definition multiplies together, skipping taps that fall in the padding.
 */
function forEachTap(p: Conv2dParams, visit: (xi: number, wi: number, yi: number) => void): void {
  const { n, cIn, h, w, cOut, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, groups } = p;
  const { outH, outW } = conv2dOutputSize(p);
  const cInG = cIn / groups;
  const cOutG = cOut / groups;
  for (let b = 0; b < n; b++) {
    for (let o = 0; o < cOut; o++) {
      const g = Math.floor(o / cOutG);
      for (let oy = 0; oy < outH; oy++) {
        for (let ox = 0; ox < outW; ox++) {
          const yi = ((b * cOut + o) * outH + oy) * outW + ox;
          for (let ci = 0; ci < cInG; ci++) {
            for (let i = 0; i < kh; i++) {
              for (let j = 0; j < kw; j++) {
                const iy = oy * strideH - padH + i * dilationH;
                const ix = ox * strideW - padW + j * dilationW;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                const xi = ((b * cIn + g * cInG + ci) * h + iy) * w + ix;
                const wi = ((o * cInG + ci) * kh + i) * kw + j;
                visit(xi, wi, yi);
              }
            }
          }
        }
      }
    }
  }
}

function sizes(p: Conv2dParams): { x: number; w: number; y: number } {
  const { outH, outW } = conv2dOutputSize(p);
  return {
    x: p.n * p.cIn * p.h * p.w,
    w: p.cOut * (p.cIn / p.groups) * p.kh * p.kw,
    y: p.n * p.cOut * outH * outW,
  };
}

/** y = conv(x, w) + bias. */
export function conv2dReference(p: Conv2dParams, x: FloatArray, w: FloatArray, bias: FloatArray | null, y: FloatArray): void {
  validateConv2dParams(p, 'conv2dReference');
  const { outH, outW } = conv2dOutputSize(p);
  const sum = new Float64Array(sizes(p).y);
  forEachTap(p, (xi, wi, yi) => { sum[yi] += w[wi] * x[xi]; });
  const plane = outH * outW;
  for (let yi = 0; yi < sum.length; yi++) {
    const o = Math.floor(yi / plane) % p.cOut;
    y[yi] = sum[yi] + (bias ? bias[o] : 0);
  }
}

/** dx = d(sum y·dy)/dx: every tap sends dy[output] * w[tap] back to the input pixel it read. */
export function conv2dBackwardInputReference(p: Conv2dParams, dy: FloatArray, w: FloatArray, dx: FloatArray): void {
  validateConv2dParams(p, 'conv2dBackwardInputReference');
  const sum = new Float64Array(sizes(p).x);
  forEachTap(p, (xi, wi, yi) => { sum[xi] += w[wi] * dy[yi]; });
  for (let i = 0; i < sum.length; i++) dx[i] = sum[i];
}

/** dw = d(sum y·dy)/dw: each weight collects dy[output] * x[input] over the taps it is used in. */
export function conv2dBackwardWeightReference(p: Conv2dParams, x: FloatArray, dy: FloatArray, dw: FloatArray): void {
  validateConv2dParams(p, 'conv2dBackwardWeightReference');
  const sum = new Float64Array(sizes(p).w);
  forEachTap(p, (xi, wi, yi) => { sum[wi] += x[xi] * dy[yi]; });
  for (let i = 0; i < sum.length; i++) dw[i] = sum[i];
}

/** dbias[o] = sum of dy over batch and pixels of channel o. */
export function conv2dBackwardBiasReference(p: Conv2dParams, dy: FloatArray, dbias: FloatArray): void {
  validateConv2dParams(p, 'conv2dBackwardBiasReference');
  const { outH, outW } = conv2dOutputSize(p);
  for (let o = 0; o < p.cOut; o++) {
    let s = 0;
    for (let b = 0; b < p.n; b++) {
      for (let q = 0; q < outH * outW; q++) s += dy[((b * p.cOut + o) * outH * outW) + q];
    }
    dbias[o] = s;
  }
}
