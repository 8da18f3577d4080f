// The geometry of 2-D max and average pooling over NCHW activations, shared by the pooling
// kernels and their references.

export interface Pool2dParams {
  n: number;
  c: number;
  h: number;
  w: number;
  kh: number;
  kw: number;
  strideH: number;
  strideW: number;
  /** Implicit padding on both sides; at most half the kernel, so no window is all padding. */
  padH: number;
  padW: number;
}

/** Fills the usual defaults: stride equal to the kernel, no padding. */
export function pool2dParams(
  p: Pick<Pool2dParams, 'n' | 'c' | 'h' | 'w' | 'kh' | 'kw'> & Partial<Pool2dParams>,
): Pool2dParams {
  return { strideH: p.kh, strideW: p.kw, padH: 0, padW: 0, ...p };
}

/** floor((size + 2*pad - k) / stride) + 1 (no ceil mode). */
export function pool2dOutputSize(p: Pool2dParams): { outH: number; outW: number } {
  return {
    outH: Math.floor((p.h + 2 * p.padH - p.kh) / p.strideH) + 1,
    outW: Math.floor((p.w + 2 * p.padW - p.kw) / p.strideW) + 1,
  };
}

function need(fn: string, name: string, value: unknown, min: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new Error(`${fn}: ${name} must be an integer >= ${min}, got ${value}`);
  }
}

/** Throws an error naming the function and the bad value if `p` is not a valid geometry. */
export function validatePool2dParams(p: Pool2dParams, fn: string): void {
  if (typeof p !== 'object' || p === null) throw new Error(`${fn}: params must be an object, got ${p}`);
  for (const k of ['n', 'c', 'h', 'w', 'kh', 'kw', 'strideH', 'strideW'] as const) need(fn, k, p[k], 1);
  need(fn, 'padH', p.padH, 0);
  need(fn, 'padW', p.padW, 0);
  if (2 * p.padH > p.kh || 2 * p.padW > p.kw) {
    throw new Error(`${fn}: padding ${p.padH}x${p.padW} is more than half the kernel ${p.kh}x${p.kw}`);
  }
  const { outH, outW } = pool2dOutputSize(p);
  if (outH < 1 || outW < 1) {
    throw new Error(`${fn}: kernel ${p.kh}x${p.kw} does not fit input ${p.h}x${p.w} with padding ${p.padH}x${p.padW}`);
  }
}

/** Throws unless `arr` is a typed array of the right kind with at least `length` elements. */
export function checkPoolArray(
  fn: string, name: string, arr: ArrayLike<number>, shape: number[], kind: 'float' | 'int32' = 'float',
): void {
  const ok = kind === 'int32' ? arr instanceof Int32Array : arr instanceof Float32Array || arr instanceof Float64Array;
  if (!ok) throw new Error(`${fn}: ${name} must be ${kind === 'int32' ? 'an Int32Array' : 'a Float32Array or Float64Array'}`);
  const length = shape.reduce((a, b) => a * b, 1);
  if (arr.length < length) {
    throw new Error(`${fn}: ${name} has ${arr.length} elements, need ${length} for [${shape.join(', ')}]`);
  }
}
