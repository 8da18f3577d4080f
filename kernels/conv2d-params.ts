// The geometry of a 2-D convolution, shared by every conv kernel (dense, grouped, depthwise,
// im2col, references): NCHW activations, weights [cOut, cIn / groups, kh, kw].
import { FloatArray } from './float-array';

export interface Conv2dParams {
  /** Batch size. */
  n: number;
  cIn: number;
  h: number;
  w: number;
  cOut: number;
  kh: number;
  kw: number;
  strideH: number;
  strideW: number;
  /** Zero padding added on both sides (top and bottom, left and right). */
  padH: number;
  padW: number;
  /** Spacing between kernel taps (1: adjacent). */
  dilationH: number;
  dilationW: number;
  /** Channels are split into this many independent groups; groups == cIn == cOut is depthwise. */
  groups: number;
}

/** Output height and width: floor((size + 2*pad - dilation*(k-1) - 1) / stride) + 1. */
export function conv2dOutputSize(p: Conv2dParams): { outH: number; outW: number } {
  return {
    outH: Math.floor((p.h + 2 * p.padH - p.dilationH * (p.kh - 1) - 1) / p.strideH) + 1,
    outW: Math.floor((p.w + 2 * p.padW - p.dilationW * (p.kw - 1) - 1) / p.strideW) + 1,
  };
}

/** Fills the usual defaults: stride 1, no padding, no dilation, one group. */
export function conv2dParams(
  p: Pick<Conv2dParams, 'n' | 'cIn' | 'h' | 'w' | 'cOut' | 'kh' | 'kw'> & Partial<Conv2dParams>,
): Conv2dParams {
  return {
    strideH: 1, strideW: 1, padH: 0, padW: 0, dilationH: 1, dilationW: 1, groups: 1, ...p,
  };
}

/**
 * The classic depthwise convolution: one input and one output channel per group. (The kernels
 * of depthwise-conv2d.ts also take channel multipliers: groups == cIn, cOut a multiple of it.)
 */
export function isDepthwise(p: Conv2dParams): boolean {
  return p.groups === p.cIn && p.groups === p.cOut;
}

function need(fn: string, name: string, value: unknown, min: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new Error(`${fn}: ${name} must be an integer >= ${min}, got ${value}`);
  }
}

/** Throws an error naming the function and the offending value if `p` is not a valid geometry. */
export function validateConv2dParams(p: Conv2dParams, fn = 'conv2d'): void {
  if (typeof p !== 'object' || p === null) throw new Error(`${fn}: params must be an object, got ${p}`);
  for (const k of ['n', 'cIn', 'h', 'w', 'cOut', 'kh', 'kw', 'strideH', 'strideW', 'dilationH', 'dilationW', 'groups'] as const) {
    need(fn, k, p[k], 1);
  }
  need(fn, 'padH', p.padH, 0);
  need(fn, 'padW', p.padW, 0);
  if (p.cIn % p.groups !== 0 || p.cOut % p.groups !== 0) {
    throw new Error(`${fn}: groups ${p.groups} must divide both cIn ${p.cIn} and cOut ${p.cOut}`);
  }
  const { outH, outW } = conv2dOutputSize(p);
  if (outH < 1 || outW < 1) {
    throw new Error(
      `${fn}: kernel ${p.kh}x${p.kw} (dilation ${p.dilationH}x${p.dilationW}) does not fit input ` +
        `${p.h}x${p.w} with padding ${p.padH}x${p.padW}`,
    );
  }
}

/** Shapes of the four tensors of a convolution, for checks and messages. */
export function conv2dShapes(p: Conv2dParams): { x: number[]; w: number[]; y: number[]; bias: number[] } {
  const { outH, outW } = conv2dOutputSize(p);
  return {
    x: [p.n, p.cIn, p.h, p.w],
    w: [p.cOut, p.cIn / p.groups, p.kh, p.kw],
    y: [p.n, p.cOut, outH, outW],
    bias: [p.cOut],
  };
}

/** Throws unless `arr` is a float array with at least the elements of `shape`. */
export function checkConvArray(fn: string, name: string, arr: FloatArray, shape: number[]): void {
  if (!(arr instanceof Float32Array || arr instanceof Float64Array)) {
    throw new Error(`${fn}: ${name} must be a Float32Array or Float64Array`);
  }
  const length = shape.reduce((a, b) => a * b, 1);
  if (arr.length < length) {
    throw new Error(`${fn}: ${name} has ${arr.length} elements, need ${length} for [${shape.join(', ')}]`);
  }
}
