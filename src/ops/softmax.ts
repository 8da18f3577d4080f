// softmax and logSoftmax along one axis, computed stably (subtract the maximum first).
// Seen as [outer, n, inner]: each (outer, inner) pair is one independent distribution over n.
//   softmax backward:    dx = y * (g - sum(g * y))
//   logSoftmax backward: dx = g - softmax(x) * sum(g)
import type { FloatArray } from '../../kernels/float-array';
import { record } from '../autograd/node';
import { Tensor } from '../tensor/tensor';
import { normalizeAxis } from '../tensor/shape';
import { allocFor } from './operand';

function layout(x: Tensor, axis: number, op: string): [number, number, number] {
  const a = normalizeAxis(axis, x.rank, op);
  const n = x.shape[a];
  const inner = x.shape.slice(a + 1).reduce((p, d) => p * d, 1);
  const outer = n * inner === 0 ? 0 : x.size / (n * inner);
  return [outer, n, inner];
}

/** log-sum-exp of each distribution, with the maximum subtracted for stability. */
function logSumExp(x: FloatArray, outer: number, n: number, inner: number): Float64Array {
  const lse = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * n * inner + j;
      let m = -Infinity;
      for (let k = 0; k < n; k++) m = Math.max(m, x[base + k * inner]);
      let s = 0;
      for (let k = 0; k < n; k++) s += Math.exp(x[base + k * inner] - m);
      lse[o * inner + j] = m + Math.log(s);
    }
  }
  return lse;
}

export function softmax(x: Tensor, axis = -1): Tensor {
  const [outer, n, inner] = layout(x, axis, 'softmax');
  const lse = logSumExp(x.data, outer, n, inner);
  const out = new Tensor(allocFor(x.size, x), x.shape);
  for (let i = 0; i < x.size; i++) {
    const o = Math.floor(i / (n * inner));
    out.data[i] = Math.exp(x.data[i] - lse[o * inner + (i % inner)]);
  }
  return record('softmax', [x], out, (g) => {
    const dx = new Tensor(allocFor(x.size, g, x), x.shape);
    const y = out.data;
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        const base = o * n * inner + j;
        let dot = 0;
        for (let k = 0; k < n; k++) dot += g.data[base + k * inner] * y[base + k * inner];
        for (let k = 0; k < n; k++) {
          const p = base + k * inner;
          dx.data[p] = y[p] * (g.data[p] - dot);
        }
      }
    }
    return [dx];
  });
}

export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const [outer, n, inner] = layout(x, axis, 'logSoftmax');
  const lse = logSumExp(x.data, outer, n, inner);
  const out = new Tensor(allocFor(x.size, x), x.shape);
  for (let i = 0; i < x.size; i++) {
    const o = Math.floor(i / (n * inner));
    out.data[i] = x.data[i] - lse[o * inner + (i % inner)];
  }
  return record('logSoftmax', [x], out, (g) => {
    const dx = new Tensor(allocFor(x.size, g, x), x.shape);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        const base = o * n * inner + j;
        let total = 0;
        for (let k = 0; k < n; k++) total += g.data[base + k * inner];
        for (let k = 0; k < n; k++) {
          const p = base + k * inner;
          dx.data[p] = g.data[p] - Math.exp(out.data[p]) * total;
        }
      }
    }
    return [dx];
  });
}
