// A small MobileNetV2 (depthwise convolutions, inverted residuals, global average pooling),
// quantized three ways and trained for a few steps on synthetic bars: the integer model's top-1
// predictions agree with the fake-quantized model's, and (the integer weights being the trained
// ones exactly: LSQ integers times the step, DDQ levels trained on their int8 codebook grid)
// every layer input up to the first residual block is the fake-quant code exactly. A block
// input is kept as int32 on a fine scale for the skip path and requantized for the body (two
// roundings, the stated approximation), so later codes may differ by a step; the top-1
// agreement is what must hold. The fast, reference and NEON-mirror kernels give the same bits.
import t from 'tap';
import { Rng } from '../../src/tensor/rng';
import { mobilenetv2 } from '../../nets/mobilenetv2';
import { convertToInteger } from '../../src/deploy/convert';
import { IntegerRuntime } from '../../src/deploy/integer-runtime';
import type { QuantizeConfig } from '../../src/quant/quantize';
import { barsData, compare, trainQuantized } from './small-models';

const SIZE = 10;
const train = barsData(256, SIZE, 4, 5);
const test = barsData(150, SIZE, 4, 6);

function tinyMobileNet() {
  // Stem 16, then 16->8 (t = 1), 8->8 stride 2, 8->8 residual, 8->8 residual, 32 before pooling.
  return mobilenetv2({ classes: 4, size: SIZE, widthMultiplier: 0.5, stages: [[1, 8, 1, 1], [2, 8, 2, 2], [2, 16, 1, 1]], lastChannels: 32, rng: new Rng(1) });
}

const configs: [string, QuantizeConfig][] = [
  ['DDQ, learned bits', { method: 'ddq', weightBits: 4, activationBits: 8 }],
  ['DDQ, fixed 4 bits, per channel', { method: 'ddq-fixed', weightBits: 4, activationBits: 8, perChannel: true }],
  ['LSQ, 4 bits', { method: 'lsq', weightBits: 4, activationBits: 8 }],
];

for (const [label, config] of configs) {
  t.test(`MobileNetV2-tiny, ${label}: integer top-1 agrees with the fake-quant model`, async (t) => {
    const net = trainQuantized(tinyMobileNet(), config, train, 36);
    const model = convertToInteger(net, { inputShape: [1, SIZE, SIZE] });
    const ops = model.ops.map((o) => o.op);
    t.ok(ops.filter((o) => o === 'add').length >= 2 && model.ops.some((o) => o.op === 'conv' && o.depthwise), 'residual adds and depthwise convs');
    const c = compare(net, model, test);
    t.ok(c.agree / c.total >= 0.97, `top-1 agreement ${c.agree}/${c.total}`);
    {
      // Exact up to the first residual block's input, which is kept on a fine scale for the skip
      // and reaches the body through a requantize op (a second rounding).
      const firstFork = model.ops.findIndex((o) => o.op === 'requantize' || o.op === 'add');
      t.ok(firstFork > 0, 'a block input kept for the skip path');
      for (const [name, share] of c.codeMismatch) {
        const at = model.ops.findIndex((o) => 'name' in o && o.name === name);
        if (at < firstFork) t.ok(share <= 0.001, `${name}: ${(100 * share).toFixed(3)}% of input codes differ from fake quant`);
      }
    }
    const x = test.x.subarray(0, 3 * SIZE * SIZE);
    const fast = new IntegerRuntime(model).run(x, 3);
    t.same([...new IntegerRuntime(model, { kernels: 'reference' }).run(x, 3)], [...fast], 'reference kernels: same bits');
    t.same([...new IntegerRuntime(model, { kernels: 'mirror' }).run(x, 3)], [...fast], 'NEON mirror kernels: same bits');
    // Every tensor, not only the logits, and batches that leave a lone last image in the
    // image-pair planes (odd) after larger ones (buffers reused): fast = reference.
    const rt = new IntegerRuntime(model);
    for (const batch of [5, 2, 1, 3]) {
      const xb = test.x.subarray(0, batch * SIZE * SIZE);
      rt.run(xb, batch);
      const ref = new IntegerRuntime(model, { kernels: 'reference' });
      ref.run(xb, batch);
      let bad = 0;
      // (A conv output summed straight into the global pooling is not stored: the pooled codes
      // after it are compared instead.)
      for (const op of model.ops) if (op.op !== 'reshape' && rt.stored(op.output) && firstMismatch(rt.tensorData(op.output, batch), ref.tensorData(op.output, batch)) >= 0) bad++;
      t.equal(bad, 0, `batch ${batch}: every tensor equals the reference kernels'`);
    }
  });
}

function firstMismatch(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}
