// Depthwise convolution, forward and backward: every input channel is its own group
// (groups == cIn), convolved with cOut/cIn kernels of its own (the channel multiplier; 1 for
// the classic depthwise conv of MobileNet). Output channel o reads input channel
// floor(o / multiplier); weights are [cOut, 1, kh, kw]. A dense conv with a single input channel
// (a first layer on grayscale images) is the same computation with groups = cIn = 1.
//
// im2col + GEMM would be a product with k = kh*kw, too thin to pay for packing, so these are
// direct loops over one plane at a time (plane-correlate.ts). Each input plane is copied once
// into a zero-bordered scratch plane and then serves all of its multiplier outputs.
//
// At stride 1 the input gradient is itself a correlation: dx = dy (zero-padded by
// (k-1)*dilation - pad) correlated with the kernel flipped in both axes, so it reuses the fast
// forward loops. 3x3 at stride 2 gathers each input pixel's 1, 2 or 4 contributions directly;
// other strides scatter each dy back through the taps.
//
// Outputs (y, dx, dw) are overwritten, like the dense conv kernels.
import { Conv2dParams, conv2dOutputSize, conv2dShapes, checkConvArray, validateConv2dParams } from './conv2d-params';
import { FloatArray } from './float-array';
import {
  copyIntoPadded, correlate3x3, correlateTaps, gatherInput3x3s2, scatterTaps, weightGrad3x3, weightGradTaps,
} from './plane-correlate';
import { defaultWorkspace, Workspace } from './workspace';

function checkDepthwise(fn: string, p: Conv2dParams): void {
  validateConv2dParams(p, fn);
  if (p.groups !== p.cIn) {
    throw new Error(`${fn}: needs one input channel per group (groups == cIn), got groups ${p.groups}, cIn ${p.cIn}`);
  }
}

function is3x3(p: Conv2dParams): boolean {
  return p.kh === 3 && p.kw === 3 && p.dilationH === 1 && p.dilationW === 1;
}

/** Size of the zero-bordered plane that holds every tap any output reads. */
function paddedSize(p: Conv2dParams, outH: number, outW: number): { ph: number; pw: number } {
  return {
    ph: Math.max(p.h + p.padH, (outH - 1) * p.strideH + (p.kh - 1) * p.dilationH + 1),
    pw: Math.max(p.w + p.padW, (outW - 1) * p.strideW + (p.kw - 1) * p.dilationW + 1),
  };
}

/** y = depthwise conv(x, w) + bias. */
export function depthwiseConv2d(
  p: Conv2dParams, x: FloatArray, w: FloatArray, bias: FloatArray | null, y: FloatArray, ws: Workspace = defaultWorkspace,
): void {
  checkDepthwise('depthwiseConv2d', p);
  const shapes = conv2dShapes(p);
  checkConvArray('depthwiseConv2d', 'x', x, shapes.x);
  checkConvArray('depthwiseConv2d', 'w', w, shapes.w);
  checkConvArray('depthwiseConv2d', 'y', y, shapes.y);
  if (bias) checkConvArray('depthwiseConv2d', 'bias', bias, shapes.bias);
  const { n, cIn, cOut, h, w: width, kh, kw, strideH, strideW, dilationH, dilationW } = p;
  const { outH, outW } = conv2dOutputSize(p);
  const { ph, pw } = paddedSize(p, outH, outW);
  const pad = ws.get('f64', ph * pw);
  pad.fill(0, 0, ph * pw); // the border stays zero for every plane of this call
  const mult = cOut / cIn;
  const taps = kh * kw;
  for (let b = 0; b < n; b++) {
    for (let c = 0; c < cIn; c++) {
      copyIntoPadded(x, (b * cIn + c) * h * width, h, width, pad, pw, p.padH, p.padW);
      for (let o = c * mult; o < (c + 1) * mult; o++) {
        const yOff = (b * cOut + o) * outH * outW;
        const bv = bias ? bias[o] : 0;
        if (is3x3(p)) correlate3x3(pad, pw, w, o * 9, y, yOff, outH, outW, strideH, strideW, bv, false);
        else correlateTaps(pad, pw, w, o * taps, kh, kw, strideH, strideW, dilationH, dilationW, y, yOff, outH, outW, bv, false);
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
  const flipTop = (p.kh - 1) * p.dilationH - p.padH;
  const flipLeft = (p.kw - 1) * p.dilationW - p.padW;
  if (p.strideH === 1 && p.strideW === 1 && flipTop >= 0 && flipLeft >= 0) {
    backwardInputByCorrelation(p, dy, w, dx, flipTop, flipLeft, ws);
  } else if (is3x3(p) && p.strideH === 2 && p.strideW === 2) {
    backwardInput3x3Stride2(p, dy, w, dx, ws);
  } else {
    backwardInputByScatter(p, dy, w, dx, ws);
  }
}

/**
 * Stride 1: dx[iy, ix] = sum_o sum_ij w[o, i, j] * dy[o, iy + padH - i*dH, ix + padW - j*dW],
 * the forward correlation of each dy plane, placed at (flipTop, flipLeft) in a zero plane, with
 * its kernel flipped in both axes, summed over the input channel's outputs o.
 */
function backwardInputByCorrelation(
  p: Conv2dParams, dy: FloatArray, w: FloatArray, dx: FloatArray, flipTop: number, flipLeft: number, ws: Workspace,
): void {
  const { n, cIn, cOut, kh, kw, dilationH, dilationW, h, w: width } = p;
  const { outH, outW } = conv2dOutputSize(p);
  const ph = h + (kh - 1) * dilationH;
  const pw = width + (kw - 1) * dilationW;
  const pad = ws.get('f64', ph * pw);
  pad.fill(0, 0, ph * pw);
  const mult = cOut / cIn;
  const taps = kh * kw;
  const flipped = ws.get('f64', cOut * taps, 1);
  for (let o = 0; o < cOut; o++) {
    for (let t = 0; t < taps; t++) flipped[o * taps + t] = w[o * taps + taps - 1 - t];
  }
  for (let b = 0; b < n; b++) {
    for (let c = 0; c < cIn; c++) {
      const dxOff = (b * cIn + c) * h * width;
      for (let m = 0; m < mult; m++) {
        const o = c * mult + m;
        copyIntoPadded(dy, (b * cOut + o) * outH * outW, outH, outW, pad, pw, flipTop, flipLeft);
        const accumulate = m > 0;
        if (is3x3(p)) correlate3x3(pad, pw, flipped, o * 9, dx, dxOff, h, width, 1, 1, 0, accumulate);
        else correlateTaps(pad, pw, flipped, o * taps, kh, kw, 1, 1, dilationH, dilationW, dx, dxOff, h, width, 0, accumulate);
      }
    }
  }
}

/** 3x3 stride 2 (MobileNet's downsampling layers): a gather per input pixel, see gatherInput3x3s2. */
function backwardInput3x3Stride2(p: Conv2dParams, dy: FloatArray, w: FloatArray, dx: FloatArray, ws: Workspace): void {
  const { n, cIn, cOut, h, w: width, padH, padW } = p;
  const { outH, outW } = conv2dOutputSize(p);
  const qh = outH + 2;
  const qw = outW + 2;
  const q = ws.get('f64', qh * qw);
  q.fill(0, 0, qh * qw); // the one-element border stays zero
  const mult = cOut / cIn;
  for (let b = 0; b < n; b++) {
    for (let c = 0; c < cIn; c++) {
      const dxOff = (b * cIn + c) * h * width;
      for (let m = 0; m < mult; m++) {
        const o = c * mult + m;
        copyIntoPadded(dy, (b * cOut + o) * outH * outW, outH, outW, q, qw, 1, 1);
        gatherInput3x3s2(q, outW, w, o * 9, dx, dxOff, h, width, padH, padW, m > 0);
      }
    }
  }
}

/**
 * Any stride: each dy is sent back through the taps into a zero-bordered scratch plane whose
 * interior is then copied to dx (the border collects taps that fell in the padding, dropped).
 */
function backwardInputByScatter(p: Conv2dParams, dy: FloatArray, w: FloatArray, dx: FloatArray, ws: Workspace): void {
  const { n, cIn, cOut, kh, kw, strideH, strideW, dilationH, dilationW, h, w: width, padH, padW } = p;
  const { outH, outW } = conv2dOutputSize(p);
  const { ph, pw } = paddedSize(p, outH, outW);
  const pad = ws.get('f64', ph * pw);
  const mult = cOut / cIn;
  const taps = kh * kw;
  for (let b = 0; b < n; b++) {
    for (let c = 0; c < cIn; c++) {
      pad.fill(0, 0, ph * pw);
      for (let o = c * mult; o < (c + 1) * mult; o++) {
        const dyOff = (b * cOut + o) * outH * outW;
        scatterTaps(dy, dyOff, outH, outW, w, o * taps, kh, kw, strideH, strideW, dilationH, dilationW, pad, pw);
      }
      const dxOff = (b * cIn + c) * h * width;
      for (let y = 0; y < h; y++) {
        const s = (y + padH) * pw + padW;
        const d = dxOff + y * width;
        for (let x = 0; x < width; x++) dx[d + x] = pad[s + x];
      }
    }
  }
}

/** dw[o, 0, i, j] = sum over batch and output pixels of dy[o] * (the input pixel tap (i, j) read). */
export function depthwiseConv2dBackwardWeight(
  p: Conv2dParams, x: FloatArray, dy: FloatArray, dw: FloatArray, ws: Workspace = defaultWorkspace,
): void {
  checkDepthwise('depthwiseConv2dBackwardWeight', p);
  const shapes = conv2dShapes(p);
  checkConvArray('depthwiseConv2dBackwardWeight', 'x', x, shapes.x);
  checkConvArray('depthwiseConv2dBackwardWeight', 'dy', dy, shapes.y);
  checkConvArray('depthwiseConv2dBackwardWeight', 'dw', dw, shapes.w);
  const { n, cIn, cOut, h, w: width, kh, kw, strideH, strideW, dilationH, dilationW } = p;
  const { outH, outW } = conv2dOutputSize(p);
  const { ph, pw } = paddedSize(p, outH, outW);
  const pad = ws.get('f64', ph * pw);
  pad.fill(0, 0, ph * pw);
  const mult = cOut / cIn;
  const taps = kh * kw;
  // All weight gradients, summed over the batch in double; images in memory order.
  const sums = ws.get('f64', cOut * taps, 1);
  sums.fill(0, 0, cOut * taps);
  for (let b = 0; b < n; b++) {
    for (let c = 0; c < cIn; c++) {
      copyIntoPadded(x, (b * cIn + c) * h * width, h, width, pad, pw, p.padH, p.padW);
      for (let o = c * mult; o < (c + 1) * mult; o++) {
        const dyOff = (b * cOut + o) * outH * outW;
        if (is3x3(p)) weightGrad3x3(pad, pw, dy, dyOff, outH, outW, strideH, strideW, sums, o * 9);
        else weightGradTaps(pad, pw, dy, dyOff, outH, outW, kh, kw, strideH, strideW, dilationH, dilationW, sums, o * taps);
      }
    }
  }
  for (let t = 0; t < cOut * taps; t++) dw[t] = sums[t];
}
