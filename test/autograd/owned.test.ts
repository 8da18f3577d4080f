// Gradient ownership (autograd/owned.ts): an op is told it may overwrite its incoming gradient
// only when nothing else can see that gradient's data — a fresh gradient its producer marked
// (conv2d's input gradient) or a sum the engine made — and never for the caller's seed, a
// retained or leaf gradient, one tensor returned for two inputs, or an unmarked producer.
import t from 'tap';
import { Tensor, Rng, sum, mul, add } from '../../src/index';
import { conv2d } from '../../src/ops/conv2d';
import { customOp } from '../../src/ops/custom-op';
import { ownedGradient } from '../../src/autograd/owned';

const rng = new Rng(9);
const randn = (shape: number[]) => Tensor.randn(shape, rng);

/** Identity whose backward reports whether it was handed its gradient, and (if so) scribbles on it. */
function probe(x: Tensor, seen: boolean[]): Tensor {
  return customOp('probe', [x], () => new Tensor(Float32Array.from(x.data), x.shape), (g, _o, _needs, owned) => {
    seen.push(owned);
    const copy = new Tensor(Float32Array.from(g.data), g.shape);
    if (owned) g.data.fill(NaN); // allowed: nothing else can see it
    return [copy];
  });
}

t.test('conv2d input gradients are handed over; the engine\'s sums too', async (tt) => {
  const x = randn([2, 3, 5, 5]).requireGrad();
  const w = randn([4, 3, 3, 3]).requireGrad();
  const seen: boolean[] = [];
  sum(conv2d(probe(x, seen), w, null, { padding: 1 })).backward();
  tt.same(seen, [true], 'conv2d marks its input gradient');
  tt.ok(x.grad!.data.every((v) => Number.isFinite(v)), 'the probe returned a copy, so x.grad is intact');
  const seen2: boolean[] = [];
  const y = probe(x, seen2);
  sum(add(mul(y, 2), mul(y, 3))).backward();
  tt.same(seen2, [true], 'two gradients summed by the engine: the sum is the engine\'s to give');
});

t.test('never owned: the seed, retained gradients, shared tensors, unmarked producers', async (tt) => {
  const x = randn([7]).requireGrad();
  const seen: boolean[] = [];
  const seed = randn([7]);
  const before = Array.from(seed.data);
  probe(x, seen).backward(seed);
  tt.same(seen, [false], 'the seed');
  tt.same(Array.from(seed.data), before, 'the seed untouched');

  const w = randn([2, 3, 3, 3]).requireGrad();
  const xi = randn([1, 3, 4, 4]).requireGrad();
  const seenR: boolean[] = [];
  const y = probe(xi, seenR).retainGrad();
  sum(conv2d(y, w)).backward();
  tt.same(seenR, [false], 'a retained gradient shares the data');
  tt.ok(y.grad!.data.every((v) => Number.isFinite(v)), 'and stays intact');

  // An op that (wrongly) marks one tensor and returns it for both inputs.
  const a = randn([5]).requireGrad();
  const b = randn([5]).requireGrad();
  const seenS: boolean[] = [];
  const both = customOp('both', [probe(a, seenS), probe(b, seenS)], ([p, q]) => add(p, q), (g) => {
    const shared = ownedGradient(new Tensor(Float32Array.from(g.data), g.shape));
    return [shared, shared];
  });
  sum(both).backward();
  tt.same(seenS, [false, false], 'one tensor for two inputs is shared');
  tt.ok(a.grad!.data.every((v) => Number.isFinite(v)) && b.grad!.data.every((v) => Number.isFinite(v)));

  const seenU: boolean[] = [];
  sum(mul(probe(randn([3]).requireGrad(), seenU), 2)).backward();
  tt.same(seenU, [false], 'a producer that did not mark its gradient');
});
