// A small ResNet (basic blocks: identity shortcuts and 1x1 projection shortcuts, ReLU after the
// addition, global average pooling), quantized and trained for a few steps on synthetic bars:
// the integer model's top-1 predictions agree with the fake-quantized model's, the stem's
// output codes are the fake-quant ones up to the float32 rounding of the training forward (no
// residual rounding separates them yet: at most 0.1% differ), and the fast,
// reference and NEON-mirror kernels give the same bits for every tensor.
import t from 'tap';
import { Rng } from '../../src/tensor/rng';
import { resnet20 } from '../../nets/resnet20';
import { convertToInteger } from '../../src/deploy/convert';
import { IntegerRuntime } from '../../src/deploy/integer-runtime';
import type { QuantizeConfig } from '../../src/quant/quantize';
import { barsData, compare, trainQuantized } from './small-models';

const SIZE = 8;
const train = barsData(256, SIZE, 4, 15);
const test = barsData(150, SIZE, 4, 16);

const configs: [string, QuantizeConfig][] = [
  ['DDQ, learned bits', { method: 'ddq', weightBits: 4, activationBits: 8 }],
  ['LSQ, 4 bits', { method: 'lsq', weightBits: 4, activationBits: 8 }],
];

for (const [label, config] of configs) {
  t.test(`ResNet (one block per stage, width 4), ${label}: integer top-1 agrees with the fake-quant model`, async (t) => {
    const net = trainQuantized(resnet20({ inChannels: 1, classes: 4, width: 4, blocks: 1, rng: new Rng(2) }), config, train, 36);
    const model = convertToInteger(net, { inputShape: [1, SIZE, SIZE] });
    t.equal(model.ops.filter((o) => o.op === 'add').length, 3, 'three residual additions');
    const c = compare(net, model, test);
    t.ok(c.agree / c.total >= 0.97, `top-1 agreement ${c.agree}/${c.total}`);
    t.ok(c.codeMismatch.get('3.body.0')! <= 0.001, `first block's input codes: ${(100 * c.codeMismatch.get('3.body.0')!).toFixed(3)}% differ`);
    for (const batch of [3, 1, 2]) {
      const x = test.x.subarray(0, batch * SIZE * SIZE);
      const fast = new IntegerRuntime(model);
      fast.run(x, batch);
      for (const kernels of ['reference', 'mirror'] as const) {
        const other = new IntegerRuntime(model, { kernels });
        other.run(x, batch);
        let bad = 0;
        for (const op of model.ops) if (op.op !== 'reshape' && !same(fast.tensorData(op.output, batch), other.tensorData(op.output, batch))) bad++;
        t.equal(bad, 0, `batch ${batch}: every tensor of the ${kernels} kernels equals the fast kernels'`);
      }
    }
  });
}

function same(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
