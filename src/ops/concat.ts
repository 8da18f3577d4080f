// concat / stack: join tensors along an axis. Seen as [outer, axis, inner] blocks, each input
// contributes one contiguous run per outer index; the gradient cuts the same runs back out.
import { record } from '../autograd/node';
import { Tensor } from '../tensor/tensor';
import { normalizeAxis, shapeString } from '../tensor/shape';
import { allocFor } from './operand';
import { unsqueeze } from './reshape';

export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw new Error('concat: needs at least one tensor');
  const first = tensors[0];
  if (first.rank === 0) throw new Error('concat: cannot join scalars; use stack');
  const a = normalizeAxis(axis, first.rank, 'concat');
  for (const t of tensors) {
    const ok = t.rank === first.rank && t.shape.every((d, i) => i === a || d === first.shape[i]);
    if (!ok) {
      throw new Error(`concat: shapes ${tensors.map((s) => shapeString(s.shape)).join(', ')} differ outside axis ${axis}`);
    }
  }
  const outer = first.shape.slice(0, a).reduce((p, d) => p * d, 1);
  const inner = first.shape.slice(a + 1).reduce((p, d) => p * d, 1);
  const widths = tensors.map((t) => t.shape[a] * inner);
  const total = widths.reduce((p, w) => p + w, 0);
  const shape = first.shape.slice();
  shape[a] = total / inner;
  const out = new Tensor(allocFor(outer * total, ...tensors), shape);
  let col = 0;
  tensors.forEach((t, k) => {
    const w = widths[k];
    for (let o = 0; o < outer; o++) out.data.set(t.data.subarray(o * w, (o + 1) * w), o * total + col);
    col += w;
  });
  return record('concat', tensors, out, (g, needs) => {
    let start = 0;
    return tensors.map((t, k) => {
      const w = widths[k];
      const s = start;
      start += w;
      if (!needs[k]) return null;
      const dx = new Tensor(allocFor(t.size, g, t), t.shape);
      for (let o = 0; o < outer; o++) dx.data.set(g.data.subarray(o * total + s, o * total + s + w), o * w);
      return dx;
    });
  });
}

/** Join equal-shaped tensors along a new axis. */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw new Error('stack: needs at least one tensor');
  const a = normalizeAxis(axis, tensors[0].rank + 1, 'stack');
  for (const t of tensors) {
    if (t.rank !== tensors[0].rank || t.shape.some((d, i) => d !== tensors[0].shape[i])) {
      throw new Error(`stack: shapes ${tensors.map((s) => shapeString(s.shape)).join(', ')} differ`);
    }
  }
  return concat(tensors.map((t) => unsqueeze(t, a)), a);
}
