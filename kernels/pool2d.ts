// Max, average and global average pooling over NCHW activations, forward and backward.
// Each window's in-image part is computed once as row and column ranges, so the loops over a
// window never test bounds; padding never contributes to a max and, for averages, only counts in
// the divisor (see `countIncludePad`).
//
// Contracts (the references in pool2d-reference.ts follow the same ones):
//  - every output (y, dx) is overwritten;
//  - max pooling: ties go to the first element in row-major window order; NaN wins (propagates);
//    argmax[i] is the index into x of the element output i took, which is all backward needs;
//  - average pooling: countIncludePad true (the default, PyTorch's) divides by kh*kw even where
//    the window overlaps the padding; false divides by the number of in-image elements.
import { FloatArray } from './float-array';
import { checkNchwShape, NchwShape } from './nchw-shape';
import { Pool2dParams, pool2dOutputSize, validatePool2dParams, checkPoolArray } from './pool2d-params';

function shapes(p: Pool2dParams): { x: number[]; y: number[] } {
  const { outH, outW } = pool2dOutputSize(p);
  return { x: [p.n, p.c, p.h, p.w], y: [p.n, p.c, outH, outW] };
}

/** y = max over each window; argmax records which element of x each output took. */
export function maxPool2d(p: Pool2dParams, x: FloatArray, y: FloatArray, argmax: Int32Array): void {
  validatePool2dParams(p, 'maxPool2d');
  const s = shapes(p);
  checkPoolArray('maxPool2d', 'x', x, s.x);
  checkPoolArray('maxPool2d', 'y', y, s.y);
  checkPoolArray('maxPool2d', 'argmax', argmax, s.y, 'int32');
  const { h, w, kh, kw, strideH, strideW, padH, padW } = p;
  const { outH, outW } = pool2dOutputSize(p);
  let out = 0;
  for (let plane = 0; plane < p.n * p.c; plane++) {
    const base = plane * h * w;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = oy * strideH - padH;
      const yStart = Math.max(0, y0);
      const yEnd = Math.min(h, y0 + kh);
      for (let ox = 0; ox < outW; ox++, out++) {
        const x0 = ox * strideW - padW;
        const xStart = Math.max(0, x0);
        const xEnd = Math.min(w, x0 + kw);
        let bestAt = base + yStart * w + xStart;
        let best = x[bestAt];
        for (let iy = yStart; iy < yEnd; iy++) {
          const row = base + iy * w;
          for (let ix = xStart; ix < xEnd; ix++) {
            const v = x[row + ix];
            // `v !== v` is NaN: it wins, and keeps winning since nothing compares greater.
            if (v > best || (v !== v && best === best)) {
              best = v;
              bestAt = row + ix;
            }
          }
        }
        y[out] = best;
        argmax[out] = bestAt;
      }
    }
  }
}

/** dx = gradient of sum(y·dy): each dy goes to the element its output took. */
export function maxPool2dBackward(p: Pool2dParams, dy: FloatArray, argmax: Int32Array, dx: FloatArray): void {
  validatePool2dParams(p, 'maxPool2dBackward');
  const s = shapes(p);
  checkPoolArray('maxPool2dBackward', 'dy', dy, s.y);
  checkPoolArray('maxPool2dBackward', 'argmax', argmax, s.y, 'int32');
  checkPoolArray('maxPool2dBackward', 'dx', dx, s.x);
  const xSize = p.n * p.c * p.h * p.w;
  dx.fill(0, 0, xSize);
  const ySize = s.y.reduce((a, b) => a * b, 1);
  for (let i = 0; i < ySize; i++) {
    const at = argmax[i];
    if (!(at >= 0 && at < xSize)) throw new Error(`maxPool2dBackward: argmax[${i}] = ${at} is outside x (${xSize} elements)`);
    dx[at] += dy[i];
  }
}

/** The divisor of the window starting at (y0, x0): kh*kw, or its in-image element count. */
function divisor(p: Pool2dParams, y0: number, x0: number, countIncludePad: boolean): number {
  if (countIncludePad) return p.kh * p.kw;
  return (Math.min(p.h, y0 + p.kh) - Math.max(0, y0)) * (Math.min(p.w, x0 + p.kw) - Math.max(0, x0));
}

/** y = mean of each window (see `countIncludePad` in the header). */
export function avgPool2d(p: Pool2dParams, x: FloatArray, y: FloatArray, countIncludePad = true): void {
  validatePool2dParams(p, 'avgPool2d');
  const s = shapes(p);
  checkPoolArray('avgPool2d', 'x', x, s.x);
  checkPoolArray('avgPool2d', 'y', y, s.y);
  const { h, w, kh, kw, strideH, strideW, padH, padW } = p;
  const { outH, outW } = pool2dOutputSize(p);
  let out = 0;
  for (let plane = 0; plane < p.n * p.c; plane++) {
    const base = plane * h * w;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = oy * strideH - padH;
      const yStart = Math.max(0, y0);
      const yEnd = Math.min(h, y0 + kh);
      for (let ox = 0; ox < outW; ox++, out++) {
        const x0 = ox * strideW - padW;
        const xStart = Math.max(0, x0);
        const xEnd = Math.min(w, x0 + kw);
        let sum = 0;
        for (let iy = yStart; iy < yEnd; iy++) {
          const row = base + iy * w;
          for (let ix = xStart; ix < xEnd; ix++) sum += x[row + ix];
        }
        y[out] = sum / divisor(p, y0, x0, countIncludePad);
      }
    }
  }
}

/** dx = gradient of sum(y·dy): each dy is shared equally by its window's in-image elements. */
export function avgPool2dBackward(p: Pool2dParams, dy: FloatArray, dx: FloatArray, countIncludePad = true): void {
  validatePool2dParams(p, 'avgPool2dBackward');
  const s = shapes(p);
  checkPoolArray('avgPool2dBackward', 'dy', dy, s.y);
  checkPoolArray('avgPool2dBackward', 'dx', dx, s.x);
  const { h, w, kh, kw, strideH, strideW, padH, padW } = p;
  const { outH, outW } = pool2dOutputSize(p);
  dx.fill(0, 0, p.n * p.c * h * w);
  let out = 0;
  for (let plane = 0; plane < p.n * p.c; plane++) {
    const base = plane * h * w;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = oy * strideH - padH;
      const yStart = Math.max(0, y0);
      const yEnd = Math.min(h, y0 + kh);
      for (let ox = 0; ox < outW; ox++, out++) {
        const x0 = ox * strideW - padW;
        const xStart = Math.max(0, x0);
        const xEnd = Math.min(w, x0 + kw);
        const g = dy[out] / divisor(p, y0, x0, countIncludePad);
        for (let iy = yStart; iy < yEnd; iy++) {
          const row = base + iy * w;
          for (let ix = xStart; ix < xEnd; ix++) dx[row + ix] += g;
        }
      }
    }
  }
}

/** y[b, c] = mean of x[b, c, :, :]; y has n*c elements. */
export function globalAvgPool2d(s: NchwShape, x: FloatArray, y: FloatArray): void {
  checkNchwShape('globalAvgPool2d', s);
  checkPoolArray('globalAvgPool2d', 'x', x, [s.n, s.c, s.h, s.w]);
  checkPoolArray('globalAvgPool2d', 'y', y, [s.n, s.c]);
  const size = s.h * s.w;
  for (let plane = 0; plane < s.n * s.c; plane++) {
    let sum = 0;
    const end = (plane + 1) * size;
    for (let i = plane * size; i < end; i++) sum += x[i];
    y[plane] = sum / size;
  }
}

/** dx[b, c, :, :] = dy[b, c] / (h*w). */
export function globalAvgPool2dBackward(s: NchwShape, dy: FloatArray, dx: FloatArray): void {
  checkNchwShape('globalAvgPool2dBackward', s);
  checkPoolArray('globalAvgPool2dBackward', 'dy', dy, [s.n, s.c]);
  checkPoolArray('globalAvgPool2dBackward', 'dx', dx, [s.n, s.c, s.h, s.w]);
  const size = s.h * s.w;
  for (let plane = 0; plane < s.n * s.c; plane++) dx.fill(dy[plane] / size, plane * size, (plane + 1) * size);
}
