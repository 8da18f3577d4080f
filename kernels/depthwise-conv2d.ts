// Depthwise convolution (groups == cIn == cOut: each channel convolved with its own kh×kw
// kernel), forward and backward. im2col + GEMM would be a product with k = kh*kw, far too thin
// to pay for the packing, so these are direct loops over one channel plane at a time.
//
// Every plane is first copied into a zero-bordered float64 scratch plane (workspace), so the
// inner loops never test bounds: out[oy, ox] = sum of w[i, j] * padded[oy*strideH + i*dilationH,
// ox*strideW + j*dilationW]. (Float64 scratch: no float->double conversion per load, ~15%
// faster, and one array type in the hot loops.) The 3x3 dilation-1 kernels (MobileNet's) get
// loops with the nine weights in locals and, at stride 1, a sliding window that loads 3 new
// inputs per output instead of 9; other shapes use a per-tap loop that walks whole output rows.
//
// At stride 1 the input gradient is itself a correlation: dx = dy (zero-padded by
// (k-1)*dilation - pad) correlated with the kernel flipped in both axes, so it reuses the forward
// loops. Other strides scatter each dy back through the taps.
//
// Outputs are overwritten (y, dx, dw and dbias), like the dense conv kernels.
import { Conv2dParams, conv2dOutputSize, conv2dShapes, checkConvArray, isDepthwise, validateConv2dParams } from './conv2d-params';
import { FloatArray } from './float-array';
import { defaultWorkspace, Workspace } from './workspace';

function checkDepthwise(fn: string, p: Conv2dParams): void {
  validateConv2dParams(p, fn);
  if (!isDepthwise(p)) {
    throw new Error(`${fn}: needs groups == cIn == cOut, got groups ${p.groups}, cIn ${p.cIn}, cOut ${p.cOut}`);
  }
}

/** Size of the zero-bordered plane that holds every tap any output reads. */
function paddedSize(p: Conv2dParams, outH: number, outW: number): { ph: number; pw: number } {
  return {
    ph: Math.max(p.h + p.padH, (outH - 1) * p.strideH + (p.kh - 1) * p.dilationH + 1),
    pw: Math.max(p.w + p.padW, (outW - 1) * p.strideW + (p.kw - 1) * p.dilationW + 1),
  };
}

/**
 * Copies the h×w plane at src[srcOffset] into the interior of the ph×pw plane `pad` (top-left
 * corner at row padH, column padW). The border must already be zero; it is never written here.
 */
function copyIntoPadded(
  src: FloatArray, srcOffset: number, h: number, w: number, pad: Float64Array, pw: number, padH: number, padW: number,
): void {
  for (let y = 0; y < h; y++) {
    const s = srcOffset + y * w;
    const d = (y + padH) * pw + padW;
    for (let x = 0; x < w; x++) pad[d + x] = src[s + x];
  }
}

/** y = depthwise conv(x, w) + bias; w is [C, 1, kh, kw]. */
export function depthwiseConv2d(
  p: Conv2dParams, x: FloatArray, w: FloatArray, bias: FloatArray | null, y: FloatArray, ws: Workspace = defaultWorkspace,
): void {
  checkDepthwise('depthwiseConv2d', p);
  const shapes = conv2dShapes(p);
  checkConvArray('depthwiseConv2d', 'x', x, shapes.x);
  checkConvArray('depthwiseConv2d', 'w', w, shapes.w);
  checkConvArray('depthwiseConv2d', 'y', y, shapes.y);
  if (bias) checkConvArray('depthwiseConv2d', 'bias', bias, shapes.bias);
  const { outH, outW } = conv2dOutputSize(p);
  const { ph, pw } = paddedSize(p, outH, outW);
  const pad = ws.get('f64', ph * pw);
  pad.fill(0, 0, ph * pw); // the border stays zero for every plane of this call
  const taps = p.kh * p.kw;
  for (let b = 0; b < p.n; b++) {
    for (let c = 0; c < p.cIn; c++) {
      const plane = b * p.cIn + c;
      copyIntoPadded(x, plane * p.h * p.w, p.h, p.w, pad, pw, p.padH, p.padW);
      const yOff = plane * outH * outW;
      const bv = bias ? bias[c] : 0;
      if (is3x3(p)) {
        correlate3x3(pad, pw, w, c * 9, y, yOff, outH, outW, p.strideH, p.strideW, bv);
      } else {
        correlateTaps(pad, pw, w, c * taps, p.kh, p.kw, p.strideH, p.strideW, p.dilationH, p.dilationW, y, yOff, outH, outW, bv);
      }
    }
  }
}

function is3x3(p: Conv2dParams): boolean {
  return p.kh === 3 && p.kw === 3 && p.dilationH === 1 && p.dilationW === 1;
}

/**
 * out[oy, ox] = bias + sum_ij wt[i, j] * pad[oy*sH + i, ox*sW + j] for a 3x3 kernel at
 * wt[wOff]. At stride 1 the three input columns under the kernel slide right by one per output,
 * so each step loads one new column (3 values) and reuses two.
 */
function correlate3x3(
  pad: Float64Array, pw: number, wt: FloatArray, wOff: number, out: FloatArray, outOff: number,
  outH: number, outW: number, sH: number, sW: number, bias: number,
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
      for (let ox = 0; ox < outW; ox++) {
        const c0 = pad[r0 + ox + 2], c1 = pad[r1 + ox + 2], c2 = pad[r2 + ox + 2];
        out[o + ox] = bias +
          w00 * a0 + w01 * b0 + w02 * c0 +
          w10 * a1 + w11 * b1 + w12 * c1 +
          w20 * a2 + w21 * b2 + w22 * c2;
        a0 = b0; a1 = b1; a2 = b2;
        b0 = c0; b1 = c1; b2 = c2;
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
function correlateTaps(
  pad: Float64Array, pw: number, wt: FloatArray, wOff: number, kh: number, kw: number,
  strideH: number, strideW: number, dilationH: number, dilationW: number,
  out: FloatArray, outOff: number, outH: number, outW: number, bias: number,
): void {
  const size = outH * outW;
  out.fill(bias, outOff, outOff + size);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const wv = wt[wOff + i * kw + j];
      for (let oy = 0; oy < outH; oy++) {
        let src = (oy * strideH + i * dilationH) * pw + j * dilationW;
        const o = outOff + oy * outW;
        for (let ox = 0; ox < outW; ox++, src += strideW) out[o + ox] += wv * pad[src];
      }
    }
  }
}

/** dx = gradient of sum(y·dy) with respect to x. */
export function depthwiseConv2dBackwardInput(
  p: Conv2dParams, dy: FloatArray, w: FloatArray, dx: FloatArray, ws: Workspace = defaultWorkspace,
): void {
  checkDepthwise('depthwiseConv2dBackwardInput', p);
  const shapes = conv2dShapes(p);
  checkConvArray('depthwiseConv2dBackwardInput', 'dy', dy, shapes.y);
  checkConvArray('depthwiseConv2dBackwardInput', 'w', w, shapes.w);
  checkConvArray('depthwiseConv2dBackwardInput', 'dx', dx, shapes.x);
  const { kh, kw, dilationH, dilationW, padH, padW } = p;
  const flipTop = (kh - 1) * dilationH - padH;
  const flipLeft = (kw - 1) * dilationW - padW;
  if (p.strideH === 1 && p.strideW === 1 && flipTop >= 0 && flipLeft >= 0) {
    backwardInputByCorrelation(p, dy, w, dx, flipTop, flipLeft, ws);
  } else {
    backwardInputByScatter(p, dy, w, dx, ws);
  }
}

/**
 * Stride 1: dx[iy, ix] = sum_ij w[i, j] * dy[iy + padH - i*dH, ix + padW - j*dW], which is the
 * forward correlation of dy, placed at (flipTop, flipLeft) in a zero plane, with the kernel
 * flipped in both axes.
 */
function backwardInputByCorrelation(
  p: Conv2dParams, dy: FloatArray, w: FloatArray, dx: FloatArray, flipTop: number, flipLeft: number, ws: Workspace,
): void {
  const { kh, kw, dilationH, dilationW, h, w: width } = p;
  const { outH, outW } = conv2dOutputSize(p);
  const ph = h + (kh - 1) * dilationH;
  const pw = width + (kw - 1) * dilationW;
  const pad = ws.get('f64', ph * pw);
  pad.fill(0, 0, ph * pw);
  const taps = kh * kw;
  const flipped = ws.get('f64', taps, 1);
  for (let c = 0; c < p.cIn; c++) {
    for (let t = 0; t < taps; t++) flipped[t] = w[c * taps + taps - 1 - t];
    for (let b = 0; b < p.n; b++) {
      const plane = b * p.cIn + c;
      copyIntoPadded(dy, plane * outH * outW, outH, outW, pad, pw, flipTop, flipLeft);
      const dxOff = plane * h * width;
      if (is3x3(p)) correlate3x3(pad, pw, flipped, 0, dx, dxOff, h, width, 1, 1, 0);
      else correlateTaps(pad, pw, flipped, 0, kh, kw, 1, 1, dilationH, dilationW, dx, dxOff, h, width, 0);
    }
  }
}

/**
 * Any stride: each output pixel sends dy * w[i, j] back to the input pixels its taps read,
 * scattered into a zero-bordered scratch plane whose interior is then copied to dx (the border
 * collects the taps that fell in the padding, and is dropped).
 */
function backwardInputByScatter(p: Conv2dParams, dy: FloatArray, w: FloatArray, dx: FloatArray, ws: Workspace): void {
  const { kh, kw, strideH, strideW, dilationH, dilationW, h, w: width, padH, padW } = p;
  const { outH, outW } = conv2dOutputSize(p);
  const { ph, pw } = paddedSize(p, outH, outW);
  const pad = ws.get('f64', ph * pw);
  for (let b = 0; b < p.n; b++) {
    for (let c = 0; c < p.cIn; c++) {
      const plane = b * p.cIn + c;
      const dyOff = plane * outH * outW;
      pad.fill(0, 0, ph * pw);
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          const wv = w[c * kh * kw + i * kw + j];
          for (let oy = 0; oy < outH; oy++) {
            let dst = (oy * strideH + i * dilationH) * pw + j * dilationW;
            const src = dyOff + oy * outW;
            for (let ox = 0; ox < outW; ox++, dst += strideW) pad[dst] += wv * dy[src + ox];
          }
        }
      }
      const dxOff = plane * h * width;
      for (let y = 0; y < h; y++) {
        const s = (y + padH) * pw + padW;
        const d = dxOff + y * width;
        for (let x = 0; x < width; x++) dx[d + x] = pad[s + x];
      }
    }
  }
}

/** dw[c, i, j] = sum over batch and output pixels of dy * (the input pixel tap (i, j) read). */
export function depthwiseConv2dBackwardWeight(
  p: Conv2dParams, x: FloatArray, dy: FloatArray, dw: FloatArray, ws: Workspace = defaultWorkspace,
): void {
  checkDepthwise('depthwiseConv2dBackwardWeight', p);
  const shapes = conv2dShapes(p);
  checkConvArray('depthwiseConv2dBackwardWeight', 'x', x, shapes.x);
  checkConvArray('depthwiseConv2dBackwardWeight', 'dy', dy, shapes.y);
  checkConvArray('depthwiseConv2dBackwardWeight', 'dw', dw, shapes.w);
  const { kh, kw, strideH, strideW, dilationH, dilationW } = p;
  const { outH, outW } = conv2dOutputSize(p);
  const { ph, pw } = paddedSize(p, outH, outW);
  const pad = ws.get('f64', ph * pw);
  pad.fill(0, 0, ph * pw);
  const taps = kh * kw;
  const sums = ws.get('f64', taps, 1); // one channel's gradient, summed over the batch in double
  for (let c = 0; c < p.cIn; c++) {
    sums.fill(0, 0, taps);
    for (let b = 0; b < p.n; b++) {
      const plane = b * p.cIn + c;
      copyIntoPadded(x, plane * p.h * p.w, p.h, p.w, pad, pw, p.padH, p.padW);
      const dyOff = plane * outH * outW;
      if (is3x3(p)) {
        for (let i = 0; i < 3; i++) weightRow3(pad, pw, i, dy, dyOff, outH, outW, strideH, strideW, sums);
      } else {
        for (let i = 0; i < kh; i++) {
          for (let j = 0; j < kw; j++) {
            let s = 0;
            for (let oy = 0; oy < outH; oy++) {
              let src = (oy * strideH + i * dilationH) * pw + j * dilationW;
              const d = dyOff + oy * outW;
              for (let ox = 0; ox < outW; ox++, src += strideW) s += dy[d + ox] * pad[src];
            }
            sums[i * kw + j] += s;
          }
        }
      }
    }
    for (let t = 0; t < taps; t++) dw[c * taps + t] = sums[t];
  }
}

/**
 * Adds to sums[3i .. 3i+2] the gradients of kernel row i of a 3x3 kernel: the three taps of the
 * row share each dy load and, at stride 1, slide along one padded input row loading one new
 * value per output.
 */
function weightRow3(
  pad: Float64Array, pw: number, i: number, dy: FloatArray, dyOff: number, outH: number, outW: number,
  sH: number, sW: number, sums: Float64Array,
): void {
  let s0 = 0, s1 = 0, s2 = 0;
  for (let oy = 0; oy < outH; oy++) {
    const r = (oy * sH + i) * pw;
    const o = dyOff + oy * outW;
    if (sW === 1) {
      let a = pad[r], b = pad[r + 1];
      for (let ox = 0; ox < outW; ox++) {
        const c = pad[r + ox + 2];
        const d = dy[o + ox];
        s0 += d * a;
        s1 += d * b;
        s2 += d * c;
        a = b;
        b = c;
      }
    } else {
      for (let ox = 0, q = r; ox < outW; ox++, q += sW) {
        const d = dy[o + ox];
        s0 += d * pad[q];
        s1 += d * pad[q + 1];
        s2 += d * pad[q + 2];
      }
    }
  }
  sums[3 * i] += s0;
  sums[3 * i + 1] += s1;
  sums[3 * i + 2] += s2;
}
