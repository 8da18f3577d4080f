// reshape / flatten / squeeze / unsqueeze: same elements, new shape. The data is shared, not
// copied (ops never write into their inputs), and the gradient is reshaped back.
import { record } from '../autograd/node';
import { Tensor } from '../tensor/tensor';
import { checkShape, normalizeAxis, Shape, shapeString } from '../tensor/shape';

/** New shape with the same number of elements; one entry may be -1 (inferred). */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const target = shape.slice();
  const infer = target.indexOf(-1);
  if (infer !== target.lastIndexOf(-1)) throw new Error(`reshape: only one axis may be -1, got ${shapeString(shape)}`);
  if (infer >= 0) {
    const known = target.reduce((p, d, i) => (i === infer ? p : p * d), 1);
    if (known === 0 || x.size % known !== 0) {
      throw new Error(`reshape: cannot reshape ${shapeString(x.shape)} (${x.size} elements) to ${shapeString(shape)}`);
    }
    target[infer] = x.size / known;
  }
  checkShape(target, 'reshape');
  const n = target.reduce((p, d) => p * d, 1);
  if (n !== x.size) {
    throw new Error(`reshape: cannot reshape ${shapeString(x.shape)} (${x.size} elements) to ${shapeString(shape)} (${n} elements)`);
  }
  const out = new Tensor(x.data, target);
  return record('reshape', [x], out, (g) => [new Tensor(g.data, x.shape)]);
}

/** Merge axes startAxis..endAxis (inclusive) into one. */
export function flatten(x: Tensor, startAxis = 0, endAxis = -1): Tensor {
  if (x.rank === 0) return reshape(x, [1]);
  const s = normalizeAxis(startAxis, x.rank, 'flatten');
  const e = normalizeAxis(endAxis, x.rank, 'flatten');
  if (s > e) throw new Error(`flatten: start axis ${startAxis} comes after end axis ${endAxis}`);
  const merged = x.shape.slice(s, e + 1).reduce((p, d) => p * d, 1);
  return reshape(x, [...x.shape.slice(0, s), merged, ...x.shape.slice(e + 1)]);
}

/** Insert a size-1 axis at `axis` (which may be x.rank, meaning last). */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = normalizeAxis(axis, x.rank + 1, 'unsqueeze');
  return reshape(x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
}

/** Remove size-1 axes (all of them, or the given one). */
export function squeeze(x: Tensor, axis?: number): Tensor {
  if (axis === undefined) return reshape(x, x.shape.filter((d) => d !== 1));
  const a = normalizeAxis(axis, x.rank, 'squeeze');
  if (x.shape[a] !== 1) throw new Error(`squeeze: axis ${axis} of ${shapeString(x.shape)} has size ${x.shape[a]}, not 1`);
  return reshape(x, x.shape.filter((_, i) => i !== a));
}
