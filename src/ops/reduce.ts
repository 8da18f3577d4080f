// Reductions over axes (with keepdims): sum, mean, max, min, and variance composed from them.
// Each input element is mapped to its output slot by one index map (stride 0 on reduced
// axes); the forward accumulates through the map and the backward reads back through it.
import { contiguousStrides, gather, scatterAdd, stridedIndices } from '../../kernels/strided-indices';
import { record } from '../autograd/node';
import { Tensor } from '../tensor/tensor';
import { normalizeAxes, sizeOf } from '../tensor/shape';
import { allocFor } from './operand';
import { mul, sub } from './binary';

type Axes = number | readonly number[] | undefined;

interface Plan {
  axes: number[];
  /** Output shape with reduced axes kept as 1. */
  keptShape: number[];
  outShape: number[];
  /** Output slot of every input element. */
  index: Int32Array;
  /** Elements folded into each output slot. */
  count: number;
}

function plan(op: string, x: Tensor, axesArg: Axes, keepdims: boolean): Plan {
  const axes = normalizeAxes(axesArg, x.rank, op);
  const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const strides = contiguousStrides(keptShape).map((s, i) => (axes.includes(i) ? 0 : s));
  const outShape = keepdims ? keptShape : x.shape.filter((_, i) => !axes.includes(i));
  const count = axes.reduce((n, a) => n * x.shape[a], 1);
  return { axes, keptShape, outShape, index: stridedIndices(x.shape, strides), count };
}

/** The upstream gradient spread back over the input: dx[i] = scale * g[slot(i)]. */
function spread(g: Tensor, x: Tensor, p: Plan, scale: number): Tensor {
  const dx = new Tensor(allocFor(x.size, g, x), x.shape);
  gather(g.data, p.index, dx.data);
  if (scale !== 1) for (let i = 0; i < dx.size; i++) dx.data[i] *= scale;
  return dx;
}

export function sum(x: Tensor, axes?: Axes, keepdims = false): Tensor {
  const p = plan('sum', x, axes, keepdims);
  const out = new Tensor(allocFor(sizeOf(p.outShape), x), p.outShape);
  scatterAdd(x.data, p.index, out.data);
  return record('sum', [x], out, (g) => [spread(g, x, p, 1)]);
}

export function mean(x: Tensor, axes?: Axes, keepdims = false): Tensor {
  const p = plan('mean', x, axes, keepdims);
  if (p.count === 0) throw new Error('mean: cannot average over an empty axis');
  const out = new Tensor(allocFor(sizeOf(p.outShape), x), p.outShape);
  scatterAdd(x.data, p.index, out.data);
  for (let i = 0; i < out.size; i++) out.data[i] /= p.count;
  return record('mean', [x], out, (g) => [spread(g, x, p, 1 / p.count)]);
}

/** Maximum over axes; the gradient is shared evenly among tied maxima. */
export function max(x: Tensor, axes?: Axes, keepdims = false): Tensor {
  return extreme('max', x, axes, keepdims, 1);
}

/** Minimum over axes; the gradient is shared evenly among tied minima. */
export function min(x: Tensor, axes?: Axes, keepdims = false): Tensor {
  return extreme('min', x, axes, keepdims, -1);
}

function extreme(op: string, x: Tensor, axes: Axes, keepdims: boolean, sign: number): Tensor {
  const p = plan(op, x, axes, keepdims);
  if (p.count === 0) throw new Error(`${op}: cannot reduce over an empty axis`);
  const out = new Tensor(allocFor(sizeOf(p.outShape), x), p.outShape);
  out.data.fill(sign > 0 ? -Infinity : Infinity);
  const { index } = p;
  for (let i = 0; i < x.size; i++) {
    const v = x.data[i];
    const o = index[i];
    if (sign * (v - out.data[o]) > 0 || Number.isNaN(v)) out.data[o] = v;
  }
  return record(op, [x], out, (g) => {
    const ties = new Float64Array(out.size);
    for (let i = 0; i < x.size; i++) if (x.data[i] === out.data[index[i]]) ties[index[i]]++;
    const dx = new Tensor(allocFor(x.size, g, x), x.shape);
    for (let i = 0; i < x.size; i++) {
      const o = index[i];
      dx.data[i] = x.data[i] === out.data[o] ? g.data[o] / ties[o] : 0;
    }
    return [dx];
  });
}

/**
 * Variance over axes: mean of squared deviations, times n / (n - correction).
 * `correction` 0 is the population variance (NumPy's default), 1 the unbiased estimate.
 */
export function variance(x: Tensor, axes?: Axes, keepdims = false, correction = 0): Tensor {
  const p = plan('var', x, axes, keepdims);
  if (p.count - correction <= 0) {
    throw new Error(`var: ${p.count} elements per slot is too few for correction ${correction}`);
  }
  const d = sub(x, mean(x, axes, true));
  return mul(mean(mul(d, d), axes, keepdims), p.count / (p.count - correction));
}
