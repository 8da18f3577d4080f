// Creation functions and interchange with the ndarray package.
import t from 'tap';
import ndarray from 'ndarray';
import { Tensor, Rng } from '../../src/index';

t.test('zeros, ones, full, scalar, arange', async (tt) => {
  tt.same(Array.from(Tensor.zeros([2, 2]).data), [0, 0, 0, 0]);
  tt.same(Tensor.ones([3]).toArray(), [1, 1, 1]);
  tt.same(Tensor.full([2, 1], 7).toArray(), [[7], [7]]);
  tt.equal(Tensor.scalar(3).item(), 3);
  tt.same(Tensor.scalar(3).shape, []);
  tt.same(Tensor.arange(5).toArray(), [0, 1, 2, 3, 4]);
  tt.same(Tensor.arange(1, 2, 0.25).toArray(), [1, 1.25, 1.5, 1.75]);
  tt.same(Tensor.arange(5, 0, -2).toArray(), [5, 3, 1]);
  tt.equal(Tensor.zeros([2], { dtype: 'float64' }).data.constructor, Float64Array);
  tt.equal(Tensor.zeros([0, 3]).size, 0);
});

t.test('fromArray infers the shape; toArray returns the nesting', async (tt) => {
  const nested = [[[1, 2], [3, 4], [5, 6]]];
  const x = Tensor.fromArray(nested);
  tt.same(x.shape, [1, 3, 2]);
  tt.same(x.toArray(), nested);
  tt.equal(Tensor.fromArray(5).item(), 5);
  tt.throws(() => Tensor.fromArray([[1], ['a' as unknown as number]]), /not a number/);
});

t.test('fromTypedArray converts integer data and shares float data', async (tt) => {
  const f = new Float32Array([1, 2, 3, 4]);
  const x = Tensor.fromTypedArray(f, [2, 2]);
  tt.equal(x.data, f, 'float data is wrapped, not copied');
  const y = Tensor.fromTypedArray(new Uint8Array([0, 255]), [2]);
  tt.same(Array.from(y.data), [0, 255]);
  tt.equal(y.dtype, 'float32');
});

t.test('rand and randn are seeded and in range', async (tt) => {
  const a = Tensor.rand([500], new Rng(1), -2, 3);
  tt.ok(Array.from(a.data).every((v) => v >= -2 && v < 3));
  tt.same(Array.from(a.data), Array.from(Tensor.rand([500], new Rng(1), -2, 3).data));
});

t.test('ndarray round trips, including strided views', async (tt) => {
  const x = Tensor.randn([3, 4, 5], new Rng(2));
  const nd = x.toNdarray();
  tt.same(nd.shape, [3, 4, 5]);
  tt.equal(nd.get(1, 2, 3), x.data[1 * 20 + 2 * 5 + 3]);
  tt.same(Array.from(Tensor.fromNdarray(nd).data), Array.from(x.data));
  // A transposed, stepped, offset view: the copy must follow the view, not the storage.
  const view = nd.transpose(2, 0, 1).step(-1, 1, 2).lo(1, 0, 0);
  const y = Tensor.fromNdarray(view);
  tt.same(y.shape, view.shape);
  let ok = true;
  for (let i = 0; i < view.shape[0]; i++)
    for (let j = 0; j < view.shape[1]; j++)
      for (let k = 0; k < view.shape[2]; k++)
        if (y.data[(i * view.shape[1] + j) * view.shape[2] + k] !== view.get(i, j, k)) ok = false;
  tt.ok(ok, 'every element matches the view');
  const ints = ndarray(new Int16Array([1, -2, 3, -4]), [2, 2]);
  tt.same(Tensor.fromNdarray(ints).toArray(), [[1, -2], [3, -4]]);
});
