// Float batch-norm folding (for full-precision export): conv(x, w', b') equals batch norm (eval
// mode, running statistics) applied to conv(x, w, b), for dense and depthwise convolutions, with
// and without a conv bias, with negative scales.
import t from 'tap';
import { Rng } from '../../src/tensor/rng';
import { Tensor } from '../../src/tensor/tensor';
import { Conv2d } from '../../src/nn/conv2d';
import { BatchNorm2d } from '../../src/nn/batch-norm';
import { conv2d } from '../../src/ops/conv2d';
import { noGrad } from '../../src/autograd/grad-mode';
import { foldBatchNorm } from '../../src/deploy/fold-batch-norm';

t.test('foldBatchNorm: one conv equals conv then batch norm in eval mode', async (t) => {
  const rng = new Rng(21);
  const cases = [
    { cIn: 3, cOut: 5, k: 3, groups: 1, bias: false, stride: 1, padding: 1 },
    { cIn: 3, cOut: 4, k: 1, groups: 1, bias: true, stride: 1, padding: 0 },
    { cIn: 6, cOut: 6, k: 3, groups: 6, bias: false, stride: 2, padding: 1 },
    { cIn: 2, cOut: 3, k: 5, groups: 1, bias: true, stride: 1, padding: 2 },
  ];
  for (const c of cases) {
    const conv = new Conv2d(c.cIn, c.cOut, c.k, { rng, groups: c.groups, bias: c.bias, stride: c.stride, padding: c.padding });
    if (conv.bias) rng.fillNormal(conv.bias.data as Float32Array);
    const bn = new BatchNorm2d(c.cOut, { eps: 1e-3 });
    for (let i = 0; i < c.cOut; i++) {
      bn.weight.data[i] = (i % 2 ? -1 : 1) * rng.uniformIn(0.2, 2); // some negative scales
      bn.bias.data[i] = rng.normal();
      bn.runningMean.data[i] = rng.normal();
      bn.runningVar.data[i] = rng.uniformIn(0.05, 3);
    }
    bn.eval();
    const x = Tensor.zeros([2, c.cIn, 7, 6]);
    rng.fillNormal(x.data as Float32Array);
    const want = noGrad(() => bn.forward(conv.forward(x)));
    const { weight, bias } = foldBatchNorm(conv, bn);
    const got = noGrad(() => conv2d(x, weight, bias, conv.options));
    t.same(got.shape, want.shape);
    let maxErr = 0;
    let maxAbs = 0;
    for (let i = 0; i < want.size; i++) {
      maxErr = Math.max(maxErr, Math.abs(got.data[i] - want.data[i]));
      maxAbs = Math.max(maxAbs, Math.abs(want.data[i]));
    }
    t.ok(maxErr <= 1e-5 * Math.max(1, maxAbs), `${JSON.stringify(c)}: max difference ${maxErr} (outputs up to ${maxAbs.toFixed(2)})`);
  }
  const conv = new Conv2d(2, 3, 1, { rng });
  t.throws(() => foldBatchNorm(conv, new BatchNorm2d(4)), /batch norm has 4 channels, the conv has 3 outputs/);
});
