// The backward pass itself: accumulation, scoping, detaching, custom gradients, invariants.
import t from 'tap';
import { Tensor, noGrad, isGradEnabled, customOp, add, mul, sum, matmul, crossEntropy } from '../../src/index';

const leaf = (values: number[]) => Tensor.fromArray(values, { requiresGrad: true });

t.test('fan-out accumulates: d(x*x + 3x)/dx = 2x + 3', async (tt) => {
  const x = leaf([1, -2, 0.5]);
  sum(add(mul(x, x), mul(x, 3))).backward();
  tt.same(Array.from(x.grad!.data), [5, -1, 4]);
});

t.test('gradients accumulate across backward calls until zeroGrad', async (tt) => {
  const x = leaf([2]);
  sum(mul(x, x)).backward();
  sum(mul(x, x)).backward();
  tt.equal(x.grad!.item(), 8);
  x.zeroGrad();
  tt.equal(x.grad, null);
  sum(mul(x, 5)).backward();
  tt.equal(x.grad!.item(), 5);
});

t.test('a diamond graph sums both paths exactly once', async (tt) => {
  const x = leaf([3]);
  const y = mul(x, 2); // used by both branches
  const z = add(mul(y, y), y); // dz/dy = 2y + 1, dy/dx = 2
  z.backward();
  tt.equal(x.grad!.item(), (2 * 6 + 1) * 2);
});

t.test('noGrad records nothing and restores the mode after a throw', async (tt) => {
  const x = leaf([1, 2]);
  const y = noGrad(() => mul(x, 2));
  tt.equal(y.requiresGrad, false);
  tt.equal(y.node, null);
  tt.throws(() => noGrad(() => { throw new Error('boom'); }), /boom/);
  tt.equal(isGradEnabled(), true);
  tt.throws(() => sum(y).backward(), /does not require a gradient/);
});

t.test('detach cuts the graph', async (tt) => {
  const x = leaf([1, 2]);
  const y = add(mul(x, x).detach(), x);
  sum(y).backward();
  tt.same(Array.from(x.grad!.data), [1, 1]);
});

t.test('only tensors that require grad receive gradients', async (tt) => {
  const w = leaf([1, 2, 3, 4]).reshape([2, 2]);
  const x = Tensor.fromArray([[1, 0], [0, 1]]);
  sum(matmul(x, w)).backward();
  tt.equal(x.grad, null);
  tt.equal(w.requiresGrad, true);
});

t.test('backward needs a scalar or an explicit gradient of the right shape', async (tt) => {
  const x = leaf([1, 2, 3]);
  const y = mul(x, 2);
  tt.throws(() => y.backward(), /backward: called on a tensor of shape \[3\]/);
  tt.throws(() => y.backward(Tensor.ones([2])), /gradient shape \[2\] differs from tensor shape \[3\]/);
  y.backward(Tensor.fromArray([1, 10, 100]));
  tt.same(Array.from(x.grad!.data), [2, 20, 200]);
});

t.test('customOp: a straight-through round', async (tt) => {
  const roundSTE = (v: Tensor) =>
    customOp('roundSTE', [v], ([a]) => Tensor.fromTypedArray(a.data.map(Math.round), a.shape), (g) => [g]);
  const x = leaf([0.4, 1.6, -2.2]);
  const y = roundSTE(x);
  tt.same(Array.from(y.data), [0, 2, -2]);
  sum(mul(y, Tensor.fromArray([1, 2, 3]))).backward();
  tt.same(Array.from(x.grad!.data), [1, 2, 3], 'gradient passes straight through');
});

t.test('a gradient of the wrong shape is rejected, naming the op', async (tt) => {
  const broken = (v: Tensor) => customOp('brokenOp', [v], ([a]) => mul(a, 2), () => [Tensor.ones([5])]);
  const x = leaf([1, 2, 3]);
  tt.throws(() => sum(broken(x)).backward(), /brokenOp produced a gradient of shape \[5\] for input 0 of shape \[3\]/);
});

t.test('retainGrad keeps an intermediate gradient', async (tt) => {
  const x = leaf([1, 2]);
  const h = mul(x, 3).retainGrad();
  sum(mul(h, h)).backward();
  tt.same(Array.from(h.grad!.data), [6, 12]);
  tt.same(Array.from(x.grad!.data), [18, 36]);
});

t.test('a float32 training graph yields float32 gradients', async (tt) => {
  const w = Tensor.fromArray([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]], { requiresGrad: true });
  const x = Tensor.fromArray([[1, 2], [3, 4]]);
  crossEntropy(matmul(x, w), [0, 2]).backward();
  tt.equal(w.grad!.dtype, 'float32');
  tt.same(w.grad!.shape, [2, 3]);
});

t.test('deep chains do not overflow the stack', async (tt) => {
  const x = leaf([1]);
  let y: Tensor = x;
  for (let i = 0; i < 20000; i++) y = add(y, 1e-4);
  y.backward();
  tt.equal(x.grad!.item(), 1);
});
