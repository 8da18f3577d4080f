// LeNet-5 (max pooling, conv biases, flatten into linear layers), quantized three ways and
// trained for a few steps on synthetic bars: the integer model's top-1 predictions agree with
// the fake-quantized model's, and every layer's input codes are the fake-quant codes exactly:
// nothing in this net is approximated (no residuals; DDQ levels are trained on the int8
// codebook grid they are stored on, LSQ weights are integers times the step). The fast,
// reference and NEON-mirror kernels give the same bits.
import t from 'tap';
import { Rng } from '../../src/tensor/rng';
import { lenet5 } from '../../nets/lenet5';
import { convertToInteger } from '../../src/deploy/convert';
import { IntegerRuntime } from '../../src/deploy/integer-runtime';
import type { QuantizeConfig } from '../../src/quant/quantize';
import { barsData, compare, trainQuantized } from './small-models';

const SIZE = 16;
const train = barsData(256, SIZE, 4, 5);
const test = barsData(200, SIZE, 4, 6);

const configs: [string, QuantizeConfig][] = [
  ['DDQ, learned bits', { method: 'ddq', weightBits: 4, activationBits: 8 }],
  ['DDQ, fixed 3 bits, per channel', { method: 'ddq-fixed', weightBits: 3, activationBits: 8, perChannel: true }],
  ['LSQ, 4-bit weights, 6-bit activations', { method: 'lsq', weightBits: 4, activationBits: 6 }],
];

for (const [label, config] of configs) {
  t.test(`LeNet-5, ${label}: integer top-1 agrees with the fake-quant model`, async (t) => {
    const net = trainQuantized(lenet5({ classes: 4, size: SIZE, rng: new Rng(1) }), config, train, 25);
    const model = convertToInteger(net, { inputShape: [1, SIZE, SIZE] });
    t.equal(model.ops.filter((o) => o.op === 'max-pool').length, 2, 'two max-pool ops on codes');
    const c = compare(net, model, test);
    t.ok(c.agree / c.total >= 0.97, `top-1 agreement ${c.agree}/${c.total}`);
    for (const [name, share] of c.codeMismatch) t.ok(share <= 0.001, `${name}: ${(100 * share).toFixed(3)}% of input codes differ from fake quant`);
    const x = test.x.subarray(0, 4 * SIZE * SIZE);
    const fast = new IntegerRuntime(model).run(x, 4);
    t.same([...new IntegerRuntime(model, { kernels: 'reference' }).run(x, 4)], [...fast], 'reference kernels: same bits');
    t.same([...new IntegerRuntime(model, { kernels: 'mirror' }).run(x, 4)], [...fast], 'NEON mirror kernels: same bits');
  });
}
