// expand: broadcast a tensor to a larger shape (NumPy rules), materialising the copies.
// Its backward sums the gradient back over the broadcast axes: this is the only place where
// broadcasting is differentiated, so every elementwise op can work on equal shapes.
import { broadcastStrides, gather, scatterAdd, stridedIndices } from '../../kernels/strided-indices';
import { record } from '../autograd/node';
import { Tensor } from '../tensor/tensor';
import { broadcastShapes, sameShape, Shape, shapeString } from '../tensor/shape';
import { allocate } from '../tensor/dtype';

export function expand(x: Tensor, shape: Shape): Tensor {
  if (sameShape(x.shape, shape)) return x;
  const target = broadcastShapes('expand', x.shape, shape);
  if (!sameShape(target, shape)) {
    throw new Error(`expand: cannot expand ${shapeString(x.shape)} to ${shapeString(shape)}`);
  }
  const index = stridedIndices(target, broadcastStrides(x.shape, target));
  const out = gather(x.data, index, allocate(x.dtype, index.length));
  return record('expand', [x], new Tensor(out, target), (g) => [reduceToShape(g, x.shape, index)]);
}

/** Sum `g` down to `shape` (the adjoint of expand). `index` may be passed if already built. */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  return reduceToShape(g, shape, stridedIndices(g.shape, broadcastStrides(shape, g.shape)));
}

function reduceToShape(g: Tensor, shape: Shape, index: Int32Array): Tensor {
  const out = new Tensor(allocate(g.dtype, shape.reduce((a, b) => a * b, 1)), shape);
  scatterAdd(g.data, index, out.data);
  return out;
}

/** Expand both operands of a binary op to their common broadcast shape. */
export function broadcastPair(op: string, a: Tensor, b: Tensor): [Tensor, Tensor] {
  if (sameShape(a.shape, b.shape)) return [a, b];
  const shape = broadcastShapes(op, a.shape, b.shape);
  return [expand(a, shape), expand(b, shape)];
}
