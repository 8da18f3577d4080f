// The shape of an NCHW activation tensor, for kernels that need no other geometry (global
// pooling, batch normalization).
import { FloatArray } from './float-array';

export interface NchwShape {
  n: number;
  c: number;
  h: number;
  w: number;
}

/** Throws unless every dimension is a positive integer. */
export function checkNchwShape(fn: string, s: NchwShape): void {
  if (typeof s !== 'object' || s === null) throw new Error(`${fn}: shape must be an object, got ${s}`);
  for (const k of ['n', 'c', 'h', 'w'] as const) {
    if (!Number.isInteger(s[k]) || s[k] < 1) throw new Error(`${fn}: ${k} must be an integer >= 1, got ${s[k]}`);
  }
}

/** Throws unless `arr` is a float array with at least the elements of `shape`. */
export function checkFloatArray(fn: string, name: string, arr: FloatArray, shape: number[]): void {
  if (!(arr instanceof Float32Array || arr instanceof Float64Array)) {
    throw new Error(`${fn}: ${name} must be a Float32Array or Float64Array`);
  }
  const length = shape.reduce((a, b) => a * b, 1);
  if (arr.length < length) {
    throw new Error(`${fn}: ${name} has ${arr.length} elements, need ${length} for [${shape.join(', ')}]`);
  }
}
