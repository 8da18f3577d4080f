// batchNorm2d (training and evaluation mode) and pooling ops against finite differences in
// float64, plus running-statistics updates and shape errors.
import t from 'tap';
import { Tensor, Rng, gradcheck } from '../../src/index';
import { batchNorm2d } from '../../src/ops/batch-norm';
import { batchNorm2dRelu } from '../../src/ops/batch-norm-relu';
import { relu, relu6 } from '../../src/ops/unary';
import { avgPool2d, globalAvgPool2d, maxPool2d } from '../../src/ops/pool2d';

const rng = new Rng(23);
const randn = (...shape: number[]) => Tensor.randn(shape, rng, 0, 1, { dtype: 'float64' });
const running = (c: number) => ({ runningMean: Tensor.zeros([c], { dtype: 'float64' }), runningVar: Tensor.ones([c], { dtype: 'float64' }) });

t.test('batchNorm2d training mode: gradients of x, gamma, beta', async (tt) => {
  const r = gradcheck((x, g, b) => batchNorm2d(x, g, b, { training: true, ...running(3) }), [randn(4, 3, 3, 2), randn(3), randn(3)]);
  tt.ok(r.ok, r.message);
});

t.test('batchNorm2d evaluation mode: gradients with fixed running statistics', async (tt) => {
  const stats = { runningMean: randn(3), runningVar: Tensor.rand([3], rng, 0.5, 2, { dtype: 'float64' }) };
  const r = gradcheck((x, g, b) => batchNorm2d(x, g, b, { training: false, ...stats }), [randn(2, 3, 2, 2), randn(3), randn(3)]);
  tt.ok(r.ok, r.message);
});

t.test('batchNorm2dRelu (fused): gradients in both modes, ReLU6 and ReLU; equals the two ops', async (tt) => {
  const stats = { runningMean: randn(3), runningVar: Tensor.rand([3], rng, 0.5, 2, { dtype: 'float64' }) };
  // gamma around 3 so that ReLU6 outputs reach the cap as well as 0.
  const gamma = () => Tensor.rand([3], rng, 2, 4, { dtype: 'float64' });
  for (const cap of [6, Infinity]) {
    for (const training of [true, false]) {
      const opts = training ? { training, ...running(3) } : { training, ...stats };
      const r = gradcheck((x, g, b) => batchNorm2dRelu(x, g, b, cap, opts), [randn(4, 3, 3, 2), gamma(), randn(3)]);
      tt.ok(r.ok, `cap ${cap} training ${training}: ${r.message}`);
    }
  }
  // The same values and gradients as batchNorm2d followed by relu6 / relu.
  for (const cap of [6, Infinity]) {
    const x = Tensor.randn([4, 3, 5, 5], rng).requireGrad();
    const g = Tensor.rand([3], rng, 2, 4).requireGrad();
    const b = Tensor.randn([3], rng).requireGrad();
    const w = Tensor.randn([4, 3, 5, 5], rng);
    const run = (fused: boolean) => {
      x.zeroGrad(); g.zeroGrad(); b.zeroGrad();
      const opts = { training: true, ...running(3) };
      const y = fused ? batchNorm2dRelu(x, g, b, cap, opts) : (cap === 6 ? relu6 : relu)(batchNorm2d(x, g, b, opts));
      y.mul(w).sum().backward();
      return [y, x.grad!, g.grad!, b.grad!].map((v) => Array.from(v.data));
    };
    tt.same(run(true), run(false), `cap ${cap}: fused equals unfused, float32 bits`);
  }
  tt.throws(() => batchNorm2dRelu(Tensor.zeros([2, 3]), null, null, 6, { training: true, ...running(3) }), /batchNorm2dRelu: input must be \[N, C, H, W\], got \[2,3\]/);
});

t.test('batchNorm2d normalises and updates running statistics like PyTorch', async (tt) => {
  const x = Tensor.randn([8, 2, 3, 3], rng, 5, 3, { dtype: 'float64' });
  const stats = running(2);
  const y = batchNorm2d(x, null, null, { training: true, momentum: 0.1, ...stats });
  for (let c = 0; c < 2; c++) {
    const vals: number[] = [];
    const ys: number[] = [];
    for (let b = 0; b < 8; b++) for (let i = 0; i < 9; i++) {
      vals.push(x.data[(b * 2 + c) * 9 + i]);
      ys.push(y.data[(b * 2 + c) * 9 + i]);
    }
    const mean = vals.reduce((a, v) => a + v, 0) / 72;
    const unbiased = vals.reduce((a, v) => a + (v - mean) ** 2, 0) / 71;
    tt.ok(Math.abs(ys.reduce((a, v) => a + v, 0) / 72) < 1e-9, 'zero mean');
    tt.ok(Math.abs(stats.runningMean.data[c] - 0.1 * mean) < 1e-12);
    tt.ok(Math.abs(stats.runningVar.data[c] - (0.9 + 0.1 * unbiased)) < 1e-12);
  }
  tt.throws(() => batchNorm2d(x, Tensor.ones([3]), null, { training: true, ...running(2) }), /batchNorm2d: gamma \[3\] does not match 2 channels/);
});

t.test('pooling gradients', async (tt) => {
  // Distinct values keep max pooling away from ties, where the derivative is undefined.
  const x = new Tensor(Float64Array.from(rng.permutation(2 * 3 * 5 * 5), (v) => v / 10), [2, 3, 5, 5]);
  for (const [name, fn] of [
    ['max 2', (a: Tensor) => maxPool2d(a, 2)],
    ['max 3 stride 2 pad 1', (a: Tensor) => maxPool2d(a, 3, { stride: 2, padding: 1 })],
    ['avg 2', (a: Tensor) => avgPool2d(a, 2)],
    ['avg 3 stride 1 pad 1', (a: Tensor) => avgPool2d(a, 3, { stride: 1, padding: 1 })],
    ['global avg', (a: Tensor) => globalAvgPool2d(a)],
  ] as const) {
    const r = gradcheck(fn, [x], { eps: 1e-6 });
    tt.ok(r.ok, `${name}: ${r.message}`);
  }
  tt.same(globalAvgPool2d(Tensor.zeros([2, 3, 4, 4])).shape, [2, 3, 1, 1]);
  tt.throws(() => maxPool2d(Tensor.zeros([1, 1, 2, 2]), 3), /maxPool2d: kernel 3x3 does not fit input 2x2/);
  tt.throws(() => avgPool2d(Tensor.zeros([2, 2]), 2), /avgPool2d: input must be \[N, C, H, W\], got \[2,2\]/);
});
