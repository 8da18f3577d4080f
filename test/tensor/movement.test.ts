// Movement ops checked element by element against index arithmetic done independently here.
import t from 'tap';
import { Tensor, Rng } from '../../src/index';
import * as ops from '../../src/ops/index';

const rng = new Rng(3);
const rand = (...shape: number[]) => Tensor.randn(shape, rng);

/** Row-major flat offset of a multi-index. */
const at = (shape: readonly number[], idx: number[]) => idx.reduce((o, v, d) => o * shape[d] + v, 0);

/** All multi-indices of a shape in row-major order. */
function* indices(shape: readonly number[]): Generator<number[]> {
  const n = shape.reduce((p, d) => p * d, 1);
  for (let i = 0; i < n; i++) {
    const idx: number[] = [];
    let r = i;
    for (let d = shape.length - 1; d >= 0; d--) {
      idx.unshift(r % shape[d]);
      r = Math.floor(r / shape[d]);
    }
    yield idx;
  }
}

t.test('permute moves every element to the permuted index', async (tt) => {
  const x = rand(2, 3, 4, 5);
  const order = [3, 1, 0, 2];
  const y = ops.permute(x, order);
  tt.same(y.shape, [5, 3, 2, 4]);
  let ok = true;
  for (const idx of indices(x.shape)) {
    const yi = order.map((a) => idx[a]);
    if (y.data[at(y.shape, yi)] !== x.data[at(x.shape, idx)]) ok = false;
  }
  tt.ok(ok);
});

t.test('permute then inverse permute is the identity; reshape round trips', async (tt) => {
  const x = rand(3, 1, 4, 2);
  const back = ops.permute(ops.permute(x, [2, 0, 3, 1]), [1, 3, 0, 2]);
  tt.same(Array.from(back.data), Array.from(x.data));
  tt.same(back.shape, x.shape);
  const r = ops.reshape(ops.reshape(x, [4, -1]), [3, 1, 4, 2]);
  tt.same(Array.from(r.data), Array.from(x.data));
  tt.same(ops.flatten(x, 1, 2).shape, [3, 4, 2]);
  tt.same(ops.flatten(x).shape, [24]);
  tt.same(ops.transpose(ops.transpose(x, 0, 2), 0, 2).toArray(), x.toArray());
});

t.test('slice picks start + step * i along each axis', async (tt) => {
  const x = rand(5, 6, 7);
  const y = ops.slice(x, [[1, 4], [-5, 100, 2], null]);
  tt.same(y.shape, [3, 3, 7]);
  for (const [i, j, k] of indices(y.shape)) {
    tt.equal(y.data[at(y.shape, [i, j, k])], x.data[at(x.shape, [1 + i, 1 + 2 * j, k])]);
  }
  tt.same(ops.slice(x, [[4, 2]]).shape, [0, 6, 7], 'empty range gives size 0');
});

t.test('concat and stack place blocks side by side', async (tt) => {
  const a = rand(2, 3);
  const b = rand(2, 1);
  const c = ops.concat([a, b], 1);
  tt.same(c.shape, [2, 4]);
  for (let i = 0; i < 2; i++) {
    for (let j = 0; j < 3; j++) tt.equal(c.data[i * 4 + j], a.data[i * 3 + j]);
    tt.equal(c.data[i * 4 + 3], b.data[i]);
  }
  const s = ops.stack([a, a, a], 1);
  tt.same(s.shape, [2, 3, 3]);
  for (const [i, k, j] of indices(s.shape)) tt.equal(s.data[at(s.shape, [i, k, j])], a.data[i * 3 + j]);
});

t.test('pad surrounds with the constant', async (tt) => {
  const x = rand(2, 2);
  const y = ops.pad(x, [[1, 2], [0, 1]], -7);
  tt.same(y.shape, [5, 3]);
  for (const [i, j] of indices(y.shape)) {
    const inside = i >= 1 && i < 3 && j < 2;
    tt.equal(y.data[i * 3 + j], inside ? x.data[(i - 1) * 2 + j] : -7);
  }
});

t.test('expand and broadcasting follow NumPy alignment', async (tt) => {
  const col = Tensor.fromArray([[1], [2], [3]]);
  const row = Tensor.fromArray([10, 20]);
  tt.same(ops.add(col, row).toArray(), [[11, 21], [12, 22], [13, 23]]);
  tt.same(ops.expand(Tensor.fromArray([5]), [2, 2]).toArray(), [[5, 5], [5, 5]]);
});

t.test('reductions against direct loops', async (tt) => {
  const x = rand(3, 4, 5);
  const s = ops.sum(x, [0, 2]);
  const m = ops.max(x, 1, true);
  const v = ops.variance(x, 2, false, 1);
  for (let j = 0; j < 4; j++) {
    let acc = 0;
    for (let i = 0; i < 3; i++) for (let k = 0; k < 5; k++) acc += x.data[at(x.shape, [i, j, k])];
    tt.ok(Math.abs(s.data[j] - acc) < 1e-5);
  }
  tt.same(m.shape, [3, 1, 5]);
  for (let i = 0; i < 3; i++) {
    for (let k = 0; k < 5; k++) {
      let best = -Infinity;
      for (let j = 0; j < 4; j++) best = Math.max(best, x.data[at(x.shape, [i, j, k])]);
      tt.equal(m.data[i * 5 + k], best);
    }
  }
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 4; j++) {
      const row = [0, 1, 2, 3, 4].map((k) => x.data[at(x.shape, [i, j, k])]);
      const mu = row.reduce((a, b) => a + b) / 5;
      const unbiased = row.reduce((a, b) => a + (b - mu) ** 2, 0) / 4;
      tt.ok(Math.abs(v.data[i * 4 + j] - unbiased) < 1e-5);
    }
  }
  const a = ops.argmax(Tensor.fromArray([[1, 9, 9], [7, 2, 3]]), 1);
  tt.same(Array.from(a.data), [1, 0], 'first maximum on ties');
  tt.equal(ops.argmax(Tensor.fromArray([[1, 9], [12, 2]])).item(), 2);
});

t.test('softmax rows sum to 1 and survive large logits; crossEntropy matches -log p', async (tt) => {
  const x = Tensor.fromArray([[1000, 1001, 999], [-5, 0, 5]]);
  const p = ops.softmax(x);
  for (let i = 0; i < 2; i++) {
    const row = Array.from(p.data.subarray(i * 3, i * 3 + 3));
    tt.ok(Math.abs(row.reduce((a, b) => a + b) - 1) < 1e-6);
    tt.ok(row.every(Number.isFinite));
  }
  const logits = Tensor.fromArray([[0.5, -1, 2], [0, 0, 0]]);
  const loss = ops.crossEntropy(logits, [2, 1]).item();
  const lp = (row: number[], k: number) => row[k] - Math.log(row.reduce((a, b) => a + Math.exp(b), 0));
  const expected = -(lp([0.5, -1, 2], 2) + lp([0, 0, 0], 1)) / 2;
  tt.ok(Math.abs(loss - expected) < 1e-6);
});

t.test('matmul against a direct triple loop', async (tt) => {
  const a = rand(2, 3, 7);
  const b = rand(2, 7, 4);
  const c = ops.matmul(a, b);
  for (const [n, i, j] of indices(c.shape)) {
    let acc = 0;
    for (let k = 0; k < 7; k++) acc += a.data[at(a.shape, [n, i, k])] * b.data[at(b.shape, [n, k, j])];
    tt.ok(Math.abs(c.data[at(c.shape, [n, i, j])] - acc) < 1e-5);
  }
});
