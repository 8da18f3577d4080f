// permute / transpose: reorder axes. The output is materialised in row-major order by
// gathering through a strided index map; the gradient is the inverse permutation.
import { contiguousStrides, gather, stridedIndices } from '../../kernels/strided-indices';
import { record } from '../autograd/node';
import { Tensor } from '../tensor/tensor';
import { normalizeAxis } from '../tensor/shape';
import { allocFor } from './operand';

/** Output axis i is input axis order[i]. */
export function permute(x: Tensor, order: readonly number[]): Tensor {
  if (order.length !== x.rank) {
    throw new Error(`permute: order [${order}] has ${order.length} axes but the tensor has ${x.rank}`);
  }
  const axes = order.map((a) => normalizeAxis(a, x.rank, 'permute'));
  if (new Set(axes).size !== axes.length) throw new Error(`permute: order [${order}] repeats an axis`);
  if (axes.every((a, i) => a === i)) return x;
  const strides = contiguousStrides(x.shape);
  const shape = axes.map((a) => x.shape[a]);
  const out = new Tensor(allocFor(x.size, x), shape);
  gather(x.data, stridedIndices(shape, axes.map((a) => strides[a])), out.data);
  const inverse = new Array<number>(axes.length);
  axes.forEach((a, i) => (inverse[a] = i));
  return record('permute', [x], out, (g) => [permute(g, inverse)]);
}

/** Swap two axes (by default the last two, i.e. the matrix transpose). */
export function transpose(x: Tensor, axis0 = -2, axis1 = -1): Tensor {
  if (x.rank < 2) throw new Error(`transpose: needs at least 2 axes, got a tensor of rank ${x.rank}`);
  const a = normalizeAxis(axis0, x.rank, 'transpose');
  const b = normalizeAxis(axis1, x.rank, 'transpose');
  const order = Array.from({ length: x.rank }, (_, i) => i);
  order[a] = b;
  order[b] = a;
  return permute(x, order);
}
