// One helper behind every movement op: the flat source index of each element of a strided view.
// Walking `shape` in row-major order, element i sits at offset + sum_d index_d * strides[d].
// Broadcasting (stride 0), permutation (permuted strides), slicing (offset, step strides) and
// reduction (stride 0 on reduced axes) are all this one map with different strides.

/** Row-major (C-order) strides of a contiguous array of the given shape. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d];
  }
  return strides;
}

/** Flat source index for every element of the view (shape, strides, offset), in row-major order. */
export function stridedIndices(shape: readonly number[], strides: readonly number[], offset = 0): Int32Array {
  const rank = shape.length;
  let size = 1;
  for (let d = 0; d < rank; d++) size *= shape[d];
  const out = new Int32Array(size);
  if (size === 0) return out;
  if (rank === 0) {
    out[0] = offset;
    return out;
  }
  // The innermost axis is a simple arithmetic run; an odometer advances the outer axes.
  const inner = shape[rank - 1];
  const innerStride = strides[rank - 1];
  const counter = new Array<number>(rank).fill(0);
  let base = offset;
  for (let start = 0; start < size; start += inner) {
    let p = base;
    for (let j = 0; j < inner; j++, p += innerStride) out[start + j] = p;
    for (let d = rank - 2; d >= 0; d--) {
      counter[d]++;
      base += strides[d];
      if (counter[d] < shape[d]) break;
      base -= counter[d] * strides[d];
      counter[d] = 0;
    }
  }
  return out;
}

/**
 * Strides that read a tensor of shape `from` as if it had shape `to` (NumPy broadcasting):
 * `from` is right-aligned against `to`; its size-1 (and missing) axes get stride 0.
 */
export function broadcastStrides(from: readonly number[], to: readonly number[]): number[] {
  const own = contiguousStrides(from);
  const lead = to.length - from.length;
  const strides = new Array<number>(to.length).fill(0);
  for (let d = 0; d < from.length; d++) strides[lead + d] = from[d] === 1 ? 0 : own[d];
  return strides;
}

/** out[i] = src[index[i]] */
export function gather<A extends Float32Array | Float64Array>(src: A, index: Int32Array, out: A): A {
  for (let i = 0; i < index.length; i++) out[i] = src[index[i]];
  return out;
}

/** out[index[i]] += src[i]  (out is not cleared: scatter-add accumulates) */
export function scatterAdd<A extends Float32Array | Float64Array>(src: A, index: Int32Array, out: A): A {
  for (let i = 0; i < index.length; i++) out[index[i]] += src[i];
  return out;
}
