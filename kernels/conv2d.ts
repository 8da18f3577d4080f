// Dense and grouped 2-D convolution, forward and backward, as matrix products per image and group:
//   forward          y_g[cOut/G, P]   = w_g[cOut/G, K] · col_g[K, P]
//   backward input   dcol_g[K, P]     = w_gᵀ · dy_g,   then col2im adds dcol back into dx
//   backward weight  dw_g[cOut/G, K] += dy_g · col_gᵀ  (summed over the batch)
// with K = (cIn/G)*kh*kw, P = outH*outW and col the im2col matrix (im2col.ts). A 1x1, stride-1,
// unpadded convolution needs no im2col at all: the input plane block already is col, so all
// images go to one strided batched product (gemm-batched.ts) with the weights packed once.
// Convolutions with one input channel per group (groups == cIn: depthwise, with a channel
// multiplier up to 16; up to 8 for the input gradient) go to the direct loops of
// depthwise-conv2d.ts instead: there K = kh*kw is too thin for GEMM to pay for its packing
// (measurements at `useDirect`).
//
// Contract: every output (y, dx, dw, dbias) is overwritten, never accumulated; the autograd
// engine sums fan-out itself. Scratch buffers come from a Workspace, so repeated calls allocate
// nothing.
import { Conv2dParams, conv2dOutputSize, conv2dShapes, checkConvArray, validateConv2dParams } from './conv2d-params';
import {
  depthwiseConv2d, depthwiseConv2dBackwardInput, depthwiseConv2dBackwardWeight,
} from './depthwise-conv2d';
import { FloatArray } from './float-array';
import { gemm } from './gemm';
import { gemmBatched } from './gemm-batched';
import { col2im, im2col } from './im2col';
import { defaultWorkspace, Workspace } from './workspace';

/** 1x1, stride 1, no padding: the input block [cIn/G, h*w] is the column matrix itself. */
function isPointwise(p: Conv2dParams): boolean {
  return p.kh === 1 && p.kw === 1 && p.strideH === 1 && p.strideW === 1 && p.padH === 0 && p.padW === 0;
}

/**
 * Direct plane loops (depthwise-conv2d.ts) for one input channel per group with a small channel
 * multiplier; im2col + GEMM otherwise. Measured forward+backward, N=16, 3x3 pad 1, direct vs
 * im2col+GEMM: depthwise 144 ch 14x14 stride 1 14.2 vs 107 ms, stride 2 8.7 vs 57 ms; 16->32
 * (multiplier 2) 2.9 vs 11.7 ms; 8->64 7x7 1.5 vs 2.3 ms; 1->8 14x14 1.0 vs 1.4 ms. With
 * multiplier 16 and up each input plane feeds enough outputs for GEMM to catch up, first in the
 * input gradient. N=64, CPU time, direct vs GEMM, forward / weight gradient / input gradient:
 * 1->16 28x28 4.4 vs 5.3 / 5.6 vs 6.9 / 6.5 vs 6.5 ms; 1->16 stride 2 1.6 vs 1.7 / 1.6 vs 1.8 /
 * 2.7 vs 1.8; 1->32 28x28 12.7 vs 15.5 / 11.1 vs 13.8 / 17.6 vs 12.3; 1->32 56x56 stride 2
 * 11.3 vs 8.9 / 11.3 vs 11.6 / 20.5 vs 12.3; 1->64 28x28 16.7 vs 16.0 / 21.3 vs 20.6. Hence
 * multipliers up to 16 go direct, except the input gradient (up to 8).
 */
function useDirect(p: Conv2dParams, pass: 'forward' | 'backwardInput' | 'backwardWeight'): boolean {
  return p.groups === p.cIn && p.cOut / p.cIn <= (pass === 'backwardInput' ? 8 : 16);
}

/** y = conv(x, w) + bias (bias may be null). */
export function conv2d(
  p: Conv2dParams, x: FloatArray, w: FloatArray, bias: FloatArray | null, y: FloatArray, ws: Workspace = defaultWorkspace,
): void {
  validateConv2dParams(p, 'conv2d');
  const shapes = conv2dShapes(p);
  checkConvArray('conv2d', 'x', x, shapes.x);
  checkConvArray('conv2d', 'w', w, shapes.w);
  checkConvArray('conv2d', 'y', y, shapes.y);
  if (bias) checkConvArray('conv2d', 'bias', bias, shapes.bias);
  if (useDirect(p, 'forward')) {
    depthwiseConv2d(p, x, w, bias, y, ws);
    return;
  }
  const { outH, outW } = conv2dOutputSize(p);
  const P = outH * outW;
  const cInG = p.cIn / p.groups;
  const cOutG = p.cOut / p.groups;
  const K = cInG * p.kh * p.kw;
  if (isPointwise(p)) {
    // y_b,g = w_g · x_b,g for every image b at once: w_g is packed once (gemm-batched.ts).
    for (let g = 0; g < p.groups; g++) {
      gemmBatched(p.n, cOutG, P, K, w, x, y, {
        strideA: 0, aOffset: g * cOutG * K,
        strideB: p.cIn * P, bOffset: g * cInG * P,
        strideC: p.cOut * P, cOffset: g * cOutG * P,
      });
    }
  } else {
    const col = ws.getLike(x, K * P);
    for (let b = 0; b < p.n; b++) {
      for (let g = 0; g < p.groups; g++) {
        im2col(p, x, (b * p.cIn + g * cInG) * p.h * p.w, cInG, col, 0);
        gemm(cOutG, P, K, w, col, y, { aOffset: g * cOutG * K, cOffset: (b * p.cOut + g * cOutG) * P });
      }
    }
  }
  if (bias) {
    for (let b = 0; b < p.n; b++) {
      for (let o = 0; o < p.cOut; o++) {
        const bv = bias[o];
        const start = (b * p.cOut + o) * P;
        for (let q = start; q < start + P; q++) y[q] += bv;
      }
    }
  }
}

/** dx = gradient of sum(y·dy) with respect to x. */
export function conv2dBackwardInput(
  p: Conv2dParams, dy: FloatArray, w: FloatArray, dx: FloatArray, ws: Workspace = defaultWorkspace,
): void {
  validateConv2dParams(p, 'conv2dBackwardInput');
  const shapes = conv2dShapes(p);
  checkConvArray('conv2dBackwardInput', 'dy', dy, shapes.y);
  checkConvArray('conv2dBackwardInput', 'w', w, shapes.w);
  checkConvArray('conv2dBackwardInput', 'dx', dx, shapes.x);
  if (useDirect(p, 'backwardInput')) {
    depthwiseConv2dBackwardInput(p, dy, w, dx, ws);
    return;
  }
  const { outH, outW } = conv2dOutputSize(p);
  const P = outH * outW;
  const cInG = p.cIn / p.groups;
  const cOutG = p.cOut / p.groups;
  const K = cInG * p.kh * p.kw;
  if (isPointwise(p)) {
    // dx_b,g = w_gᵀ · dy_b,g straight into dx, every image at once.
    for (let g = 0; g < p.groups; g++) {
      gemmBatched(p.n, K, P, cOutG, w, dy, dx, {
        transA: true,
        strideA: 0, aOffset: g * cOutG * K,
        strideB: p.cOut * P, bOffset: g * cOutG * P,
        strideC: p.cIn * P, cOffset: g * cInG * P,
      });
    }
    return;
  }
  const dcol = ws.getLike(dx, K * P);
  dx.fill(0, 0, p.n * p.cIn * p.h * p.w); // col2im accumulates
  for (let b = 0; b < p.n; b++) {
    for (let g = 0; g < p.groups; g++) {
      gemm(K, P, cOutG, w, dy, dcol, { transA: true, aOffset: g * cOutG * K, bOffset: (b * p.cOut + g * cOutG) * P });
      col2im(p, dcol, 0, cInG, dx, (b * p.cIn + g * cInG) * p.h * p.w);
    }
  }
}

/** dw = gradient of sum(y·dy) with respect to w, summed over the batch. */
export function conv2dBackwardWeight(
  p: Conv2dParams, x: FloatArray, dy: FloatArray, dw: FloatArray, ws: Workspace = defaultWorkspace,
): void {
  validateConv2dParams(p, 'conv2dBackwardWeight');
  const shapes = conv2dShapes(p);
  checkConvArray('conv2dBackwardWeight', 'x', x, shapes.x);
  checkConvArray('conv2dBackwardWeight', 'dy', dy, shapes.y);
  checkConvArray('conv2dBackwardWeight', 'dw', dw, shapes.w);
  if (useDirect(p, 'backwardWeight')) {
    depthwiseConv2dBackwardWeight(p, x, dy, dw, ws);
    return;
  }
  const { outH, outW } = conv2dOutputSize(p);
  const P = outH * outW;
  const cInG = p.cIn / p.groups;
  const cOutG = p.cOut / p.groups;
  const K = cInG * p.kh * p.kw;
  if (isPointwise(p)) {
    // dw_g = Σ_b dy_b,g · x_b,gᵀ: the products of all images summed into dw_g (strideC 0).
    for (let g = 0; g < p.groups; g++) {
      gemmBatched(p.n, cOutG, K, P, dy, x, dw, {
        transB: true,
        strideA: p.cOut * P, aOffset: g * cOutG * P,
        strideB: p.cIn * P, bOffset: g * cInG * P,
        strideC: 0, cOffset: g * cOutG * K,
      });
    }
    return;
  }
  const col = ws.getLike(x, K * P);
  for (let b = 0; b < p.n; b++) {
    for (let g = 0; g < p.groups; g++) {
      im2col(p, x, (b * p.cIn + g * cInG) * p.h * p.w, cInG, col, 0);
      // dw_g (+)= dy_g · col_gᵀ; the first image overwrites, the rest add.
      gemm(cOutG, K, P, dy, col, dw, {
        transB: true,
        beta: b === 0 ? 0 : 1,
        aOffset: (b * p.cOut + g * cOutG) * P,
        cOffset: g * cOutG * K,
      });
    }
  }
}

/** dbias[o] = sum of dy over the batch and the pixels of output channel o. */
export function conv2dBackwardBias(p: Conv2dParams, dy: FloatArray, dbias: FloatArray): void {
  validateConv2dParams(p, 'conv2dBackwardBias');
  const shapes = conv2dShapes(p);
  checkConvArray('conv2dBackwardBias', 'dy', dy, shapes.y);
  checkConvArray('conv2dBackwardBias', 'dbias', dbias, shapes.bias);
  const { outH, outW } = conv2dOutputSize(p);
  const P = outH * outW;
  for (let o = 0; o < p.cOut; o++) {
    let s = 0;
    for (let b = 0; b < p.n; b++) {
      const start = (b * p.cOut + o) * P;
      for (let q = start; q < start + P; q++) s += dy[q];
    }
    dbias[o] = s;
  }
}
