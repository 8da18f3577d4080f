// Reference pooling: the definitions as plain loops over every window tap with a bounds test
// per tap, for tests to compare pool2d.ts against. Same contracts (see pool2d.ts): outputs
// overwritten, first maximum wins, NaN propagates, countIncludePad divides by kh*kw.
import { FloatArray } from './float-array';
import { NchwShape } from './nchw-shape';
import { Pool2dParams, pool2dOutputSize, validatePool2dParams } from './pool2d-params';

/** Calls visit(outputIndex, inputIndex or -1 for a padding tap) for every window tap in order. */
function forEachWindowTap(p: Pool2dParams, visit: (yi: number, xi: number) => void): void {
  const { outH, outW } = pool2dOutputSize(p);
  for (let b = 0; b < p.n; b++) {
    for (let c = 0; c < p.c; c++) {
      for (let oy = 0; oy < outH; oy++) {
        for (let ox = 0; ox < outW; ox++) {
          const yi = ((b * p.c + c) * outH + oy) * outW + ox;
          for (let i = 0; i < p.kh; i++) {
            for (let j = 0; j < p.kw; j++) {
              const iy = oy * p.strideH - p.padH + i;
              const ix = ox * p.strideW - p.padW + j;
              const inside = iy >= 0 && iy < p.h && ix >= 0 && ix < p.w;
              visit(yi, inside ? ((b * p.c + c) * p.h + iy) * p.w + ix : -1);
            }
          }
        }
      }
    }
  }
}

function outputSize(p: Pool2dParams): number {
  const { outH, outW } = pool2dOutputSize(p);
  return p.n * p.c * outH * outW;
}

export function maxPool2dReference(p: Pool2dParams, x: FloatArray, y: FloatArray, argmax: Int32Array): void {
  validatePool2dParams(p, 'maxPool2dReference');
  argmax.fill(-1, 0, outputSize(p));
  forEachWindowTap(p, (yi, xi) => {
    if (xi < 0) return;
    const cur = argmax[yi];
    const v = x[xi];
    const take = cur < 0 || (Number.isNaN(v) ? !Number.isNaN(x[cur]) : v > x[cur]);
    if (take) argmax[yi] = xi;
  });
  for (let yi = 0; yi < outputSize(p); yi++) y[yi] = x[argmax[yi]];
}

/** Recomputes each window's maximum from x (independently of any forward argmax). */
export function maxPool2dBackwardReference(p: Pool2dParams, x: FloatArray, dy: FloatArray, dx: FloatArray): void {
  validatePool2dParams(p, 'maxPool2dBackwardReference');
  const argmax = new Int32Array(outputSize(p));
  maxPool2dReference(p, x, new Float64Array(argmax.length), argmax);
  dx.fill(0, 0, p.n * p.c * p.h * p.w);
  for (let yi = 0; yi < argmax.length; yi++) dx[argmax[yi]] += dy[yi];
}

export function avgPool2dReference(p: Pool2dParams, x: FloatArray, y: FloatArray, countIncludePad = true): void {
  validatePool2dParams(p, 'avgPool2dReference');
  const sum = new Float64Array(outputSize(p));
  const count = new Float64Array(outputSize(p));
  forEachWindowTap(p, (yi, xi) => {
    if (xi >= 0) sum[yi] += x[xi];
    if (xi >= 0 || countIncludePad) count[yi] += 1;
  });
  for (let yi = 0; yi < sum.length; yi++) y[yi] = sum[yi] / count[yi];
}

export function avgPool2dBackwardReference(p: Pool2dParams, dy: FloatArray, dx: FloatArray, countIncludePad = true): void {
  validatePool2dParams(p, 'avgPool2dBackwardReference');
  const count = new Float64Array(outputSize(p));
  forEachWindowTap(p, (yi, xi) => { if (xi >= 0 || countIncludePad) count[yi] += 1; });
  const sum = new Float64Array(p.n * p.c * p.h * p.w);
  forEachWindowTap(p, (yi, xi) => { if (xi >= 0) sum[xi] += dy[yi] / count[yi]; });
  for (let i = 0; i < sum.length; i++) dx[i] = sum[i];
}

export function globalAvgPool2dReference(s: NchwShape, x: FloatArray, y: FloatArray): void {
  for (let b = 0; b < s.n; b++) {
    for (let c = 0; c < s.c; c++) {
      let sum = 0;
      for (let i = 0; i < s.h * s.w; i++) sum += x[(b * s.c + c) * s.h * s.w + i];
      y[b * s.c + c] = sum / (s.h * s.w);
    }
  }
}

export function globalAvgPool2dBackwardReference(s: NchwShape, dy: FloatArray, dx: FloatArray): void {
  for (let b = 0; b < s.n; b++) {
    for (let c = 0; c < s.c; c++) {
      for (let i = 0; i < s.h * s.w; i++) dx[(b * s.c + c) * s.h * s.w + i] = dy[b * s.c + c] / (s.h * s.w);
    }
  }
}
