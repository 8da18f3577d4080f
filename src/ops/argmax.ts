// argmax: index of the largest element along an axis (first one on ties). Not differentiable:
// the result is a plain tensor of indices, cut from the tape.
import { Tensor } from '../tensor/tensor';
import { normalizeAxis } from '../tensor/shape';

export function argmax(x: Tensor, axis?: number, keepdims = false): Tensor {
  if (x.size === 0) throw new Error('argmax: empty tensor');
  if (axis === undefined) {
    let best = 0;
    for (let i = 1; i < x.size; i++) if (x.data[i] > x.data[best]) best = i;
    return Tensor.full(keepdims ? x.shape.map(() => 1) : [], best);
  }
  const a = normalizeAxis(axis, x.rank, 'argmax');
  const n = x.shape[a];
  const inner = x.shape.slice(a + 1).reduce((p, d) => p * d, 1);
  const outer = x.size / (n * inner);
  const shape = keepdims ? x.shape.map((d, i) => (i === a ? 1 : d)) : x.shape.filter((_, i) => i !== a);
  const out = Tensor.zeros(shape);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * n * inner + j;
      let best = 0;
      for (let k = 1; k < n; k++) if (x.data[base + k * inner] > x.data[base + best * inner]) best = k;
      out.data[o * inner + j] = best;
    }
  }
  return out;
}
