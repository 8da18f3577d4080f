// slice: a rectangular, optionally strided, sub-block. Python-style ranges: negative indices
// count from the end and out-of-range bounds are clipped. The gradient scatters back into
// zeros of the input's shape.
import { contiguousStrides, gather, scatterAdd, stridedIndices } from '../../kernels/strided-indices';
import { record } from '../autograd/node';
import { Tensor } from '../tensor/tensor';
import { shapeString } from '../tensor/shape';
import { allocFor } from './operand';

/** [start, end) with an optional positive step; null or a missing entry keeps the whole axis. */
export type Range = readonly [number, number?, number?] | null;

export function slice(x: Tensor, ranges: readonly Range[]): Tensor {
  if (ranges.length > x.rank) {
    throw new Error(`slice: ${ranges.length} ranges given for a tensor of shape ${shapeString(x.shape)}`);
  }
  const strides = contiguousStrides(x.shape);
  const shape: number[] = [];
  const viewStrides: number[] = [];
  let offset = 0;
  for (let d = 0; d < x.rank; d++) {
    const size = x.shape[d];
    const r = ranges[d] ?? null;
    const step = r?.[2] ?? 1;
    if (!Number.isInteger(step) || step <= 0) throw new Error(`slice: step on axis ${d} must be a positive integer, got ${step}`);
    const clip = (v: number) => Math.min(size, Math.max(0, v < 0 ? v + size : v));
    const start = r === null ? 0 : clip(r[0]);
    const end = r === null || r[1] === undefined ? size : clip(r[1]);
    const len = Math.max(0, Math.ceil((end - start) / step));
    shape.push(len);
    viewStrides.push(strides[d] * step);
    offset += start * strides[d];
  }
  const index = stridedIndices(shape, viewStrides, offset);
  const out = new Tensor(allocFor(index.length, x), shape);
  gather(x.data, index, out.data);
  return record('slice', [x], out, (g) => {
    const dx = new Tensor(allocFor(x.size, g, x), x.shape);
    scatterAdd(g.data, index, dx.data);
    return [dx];
  });
}
