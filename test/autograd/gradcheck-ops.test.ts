// Every differentiable op against central finite differences in float64, including
// broadcasting, reductions over several axes, and ops whose output is used twice.
import t from 'tap';
import { Tensor, Rng, gradcheck } from '../../src/index';
import * as ops from '../../src/ops/index';

const rng = new Rng(7);
const randn = (...shape: number[]) => Tensor.randn(shape, rng, 0, 1, { dtype: 'float64' });
/** Values away from 0 (kinks of abs/relu) and in a safe range for log/sqrt/pow. */
const positive = (...shape: number[]) => Tensor.rand(shape, rng, 0.5, 2, { dtype: 'float64' });
const awayFromZero = (...shape: number[]) => {
  const x = randn(...shape);
  for (let i = 0; i < x.size; i++) x.data[i] += x.data[i] >= 0 ? 0.2 : -0.2;
  return x;
};

type Case = [string, (...xs: Tensor[]) => Tensor, Tensor[]];

const cases: Case[] = [
  ['add same shape', (a, b) => ops.add(a, b), [randn(3, 4), randn(3, 4)]],
  ['add broadcast row', (a, b) => ops.add(a, b), [randn(3, 4), randn(4)]],
  ['add broadcast both', (a, b) => ops.add(a, b), [randn(3, 1, 5), randn(1, 4, 1)]],
  ['add scalar number', (a) => ops.add(a, 2.5), [randn(2, 3)]],
  ['sub broadcast', (a, b) => ops.sub(a, b), [randn(2, 3, 4), randn(3, 1)]],
  ['sub number first', (a) => ops.sub(1, a), [randn(4)]],
  ['mul broadcast', (a, b) => ops.mul(a, b), [randn(2, 3), randn(2, 1)]],
  ['div', (a, b) => ops.div(a, b), [randn(3, 4), positive(3, 4)]],
  ['div broadcast denominator', (a, b) => ops.div(a, b), [randn(3, 4), positive(1, 4)]],
  ['pow tensor exponent', (a, b) => ops.pow(a, b), [positive(3, 3), randn(3, 3)]],
  ['pow number exponent', (a) => ops.pow(a, 3), [randn(5)]],
  ['maximum', (a, b) => ops.maximum(a, b), [randn(4, 4), randn(4, 4)]],
  ['minimum broadcast', (a, b) => ops.minimum(a, b), [randn(4, 4), randn(4)]],
  ['neg', (a) => ops.neg(a), [randn(3, 2)]],
  ['exp', (a) => ops.exp(a), [randn(3, 2)]],
  ['log', (a) => ops.log(a), [positive(3, 2)]],
  ['sqrt', (a) => ops.sqrt(a), [positive(3, 2)]],
  ['abs', (a) => ops.abs(a), [awayFromZero(3, 4)]],
  ['relu', (a) => ops.relu(a), [awayFromZero(3, 4)]],
  ['relu6', (a) => ops.relu6(ops.mul(a, 4)), [awayFromZero(3, 5)]],
  ['sigmoid', (a) => ops.sigmoid(ops.mul(a, 3)), [randn(3, 4)]],
  ['tanh', (a) => ops.tanh(a), [randn(3, 4)]],
  ['clamp', (a) => ops.clamp(a, -0.5, 0.7), [awayFromZero(4, 4)]],
  ['where', (c, a, b) => ops.where(c, a, b), [Tensor.fromArray([[1, 0, 1], [0, 0, 1]], { dtype: 'float64' }), randn(2, 3), randn(3)]],
  ['sum all', (a) => ops.sum(a), [randn(3, 4)]],
  ['sum axes keepdims', (a) => ops.sum(a, [0, 2], true), [randn(2, 3, 4)]],
  ['sum negative axis', (a) => ops.sum(a, -1), [randn(2, 3, 4)]],
  ['mean axis', (a) => ops.mean(a, 1), [randn(2, 3, 4)]],
  ['max axis', (a) => ops.max(a, 1), [randn(3, 5)]],
  ['max all keepdims', (a) => ops.max(a, undefined, true), [randn(3, 5)]],
  ['min axes', (a) => ops.min(a, [0, 2]), [randn(3, 2, 4)]],
  ['var population', (a) => ops.variance(a, 1), [randn(3, 6)]],
  ['var unbiased keepdims', (a) => ops.variance(a, [0, 2], true, 1), [randn(2, 3, 4)]],
  ['reshape', (a) => ops.mul(ops.reshape(a, [4, -1]), ops.reshape(a, [4, 3])), [randn(2, 6)]],
  ['flatten', (a) => ops.flatten(a, 1), [randn(2, 3, 4)]],
  ['permute', (a) => ops.permute(a, [2, 0, 1]), [randn(2, 3, 4)]],
  ['transpose', (a) => ops.transpose(a), [randn(3, 5)]],
  ['expand', (a) => ops.expand(a, [2, 3, 4]), [randn(3, 1)]],
  ['slice with step and negative', (a) => ops.slice(a, [[1, -1], null, [0, 5, 2]]), [randn(4, 3, 5)]],
  ['concat axis 1', (a, b) => ops.concat([a, b, a], 1), [randn(2, 3, 2), randn(2, 1, 2)]],
  ['stack axis 0', (a, b) => ops.stack([a, b]), [randn(3, 2), randn(3, 2)]],
  ['stack last axis', (a, b) => ops.stack([a, b], -1), [randn(3, 2), randn(3, 2)]],
  ['pad', (a) => ops.pad(a, [[1, 0], [2, 1]], 0.5), [randn(2, 3)]],
  ['matmul 2-D', (a, b) => ops.matmul(a, b), [randn(3, 4), randn(4, 5)]],
  ['matmul batched broadcast', (a, b) => ops.matmul(a, b), [randn(2, 1, 3, 4), randn(3, 4, 2)]],
  ['matmul batch x matrix', (a, b) => ops.matmul(a, b), [randn(2, 3, 4), randn(4, 5)]],
  ['matmul vector-matrix', (a, b) => ops.matmul(a, b), [randn(4), randn(4, 3)]],
  ['matmul matrix-vector', (a, b) => ops.matmul(a, b), [randn(3, 4), randn(4)]],
  ['matmul vector-vector', (a, b) => ops.matmul(a, b), [randn(4), randn(4)]],
  ['softmax last axis', (a) => ops.softmax(a), [randn(3, 5)]],
  ['softmax axis 1 of 3', (a) => ops.softmax(a, 1), [randn(2, 4, 3)]],
  ['logSoftmax', (a) => ops.logSoftmax(a, 0), [randn(4, 3)]],
  ['crossEntropy', (a) => ops.crossEntropy(a, [2, 0, 4]), [randn(3, 5)]],
  ['mse', (a, b) => ops.mse(a, b), [randn(3, 4), randn(3, 4)]],
  ['clone', (a) => ops.clone(a), [randn(3)]],
  // Fan-out: the same tensor feeds several ops, so gradients must be summed.
  ['x*x + x', (a) => ops.add(ops.mul(a, a), a), [randn(3, 3)]],
  ['tanh used twice', (a) => {
    const h = ops.tanh(a);
    return ops.matmul(h, ops.transpose(h));
  }, [randn(3, 4)]],
  ['softmax then log (composed logSoftmax)', (a) => ops.log(ops.softmax(a)), [randn(2, 5)]],
  ['two-layer net', (x, w1, w2) => ops.crossEntropy(ops.matmul(ops.relu(ops.matmul(x, w1)), w2), [1, 0, 2, 1]), [randn(4, 3), randn(3, 6), randn(6, 3)]],
];

for (const [name, fn, inputs] of cases) {
  t.test(name, async (tt) => {
    const r = gradcheck(fn, inputs);
    tt.ok(r.ok, r.message);
  });
}

t.test('gradcheck detects a wrong gradient', async (tt) => {
  // A deliberately wrong derivative (2x instead of 3x^2) must be caught: the checker can fail.
  const wrongCube = (x: Tensor) =>
    ops.customOp('wrongCube', [x], ([v]) => ops.mul(ops.mul(v, v), v), (g, _o, _n) => [ops.mul(g, ops.mul(x, 2))]);
  const r = gradcheck(wrongCube, [randn(4)]);
  tt.notOk(r.ok, 'wrong gradient rejected');
  tt.match(r.message, /input 0/);
});
