// quantize(): wrapping policy, MAC counting, bit accounting by hand, the budget penalty and
// its gradient, and frozen/learned gates per method.
import t from 'tap';
import { Tensor, Rng, crossEntropy } from '../../src/index';
import { Conv2d, Flatten, Linear, ReLU, Sequential } from '../../src/nn/index';
import { quantize } from '../../src/quant/quantize';
import { modelResources } from '../../src/quant/resources';
import { budgetPenalty } from '../../src/quant/budget';
import { DdqQuantizer } from '../../src/quant/ddq';
import { LsqQuantizer } from '../../src/quant/lsq';
import { QuantConv2d, QuantLinear } from '../../src/quant/quantized-layers';

/** conv 1->4 3x3 pad 1 on 6x6; depthwise 4 3x3 stride 2 pad 1 -> 3x3; conv 4->8 1x1; linear 72->5 */
function tinyNet(seed: number) {
  const rng = new Rng(seed);
  return new Sequential(
    new Conv2d(1, 4, 3, { rng, padding: 1 }), new ReLU(),
    new Conv2d(4, 4, 3, { rng, padding: 1, stride: 2, groups: 4 }), new ReLU(),
    new Conv2d(4, 8, 1, { rng }), new ReLU(),
    new Flatten(), new Linear(72, 5, { rng }),
  );
}

t.test('wraps every conv and linear; edges at 8 bits; MACs and sizes by hand', async (tt) => {
  const net = tinyNet(1);
  const layers = quantize(net, { method: 'lsq', weightBits: 4, activationBits: 4, inputShape: [1, 6, 6] });
  tt.same(layers.map((l) => l.name), ['0', '2', '4', '7']);
  tt.ok(layers[0].layer instanceof QuantConv2d && layers[3].layer instanceof QuantLinear);
  const r = modelResources(net);
  tt.same(r.layers.map((l) => l.kind), ['conv', 'depthwise', 'conv', 'linear']);
  tt.same(r.layers.map((l) => l.weightCount), [36, 36, 32, 360]);
  // MACs = weights x output pixels: 36·36, 36·9, 32·9, 360.
  tt.same(r.layers.map((l) => l.macs), [1296, 324, 288, 360]);
  tt.same(r.layers.map((l) => [l.weightBits, l.activationBits]), [[8, 8], [4, 4], [4, 4], [8, 8]]);
  const storage = 36 * 8 + 36 * 4 + 32 * 4 + 360 * 8;
  tt.equal(r.averageWeightBits, storage / 464);
  tt.equal(r.bitOps, 1296 * 64 + 324 * 16 + 288 * 16 + 360 * 64);
  tt.equal(r.sizeBytes, storage / 8 + 5 * 4, 'packed weights plus the fp32 linear bias');
  tt.equal(r.fp32Bytes, (464 + 5) * 4);
  tt.ok(layers.every(({ layer }) => layer.weightQuantizer instanceof LsqQuantizer));
});

t.test('DDQ: inner weight gates learn, edges and activations are frozen; overrides apply', async (tt) => {
  const net = tinyNet(2);
  const layers = quantize(net, { method: 'ddq', activationBits: 8, inputShape: [1, 6, 6], overrides: { '4': { weightBits: 6 } } });
  const wq = layers.map(({ layer }) => layer.weightQuantizer as DdqQuantizer);
  const aq = layers.map(({ layer }) => layer.inputQuantizer as DdqQuantizer);
  tt.same(wq.map((q) => q.gatesFrozen), [true, false, true, true]);
  tt.same(wq.map((q) => q.bits()), [8, 8, 6, 8]);
  tt.ok(aq.every((q) => q.gatesFrozen && q.bits() === 8));
  tt.throws(() => quantize(tinyNet(3), { method: 'ddq', overrides: { nope: { weightBits: 2 } } }), /override for 'nope'/);
});

t.test('budget penalty: value by hand, gradient reaches only learning gates', async (tt) => {
  const net = tinyNet(4);
  const layers = quantize(net, { method: 'ddq', inputShape: [1, 6, 6] });
  // The two inner layers learn (36 + 32 weights, both at 8 bits): r = 8/4 - 1 = 1 -> penalty = λ·1.
  const p = budgetPenalty(net, { kind: 'memory', target: 4, weight: 2 })!;
  tt.equal(p.item(), 2);
  p.backward();
  const learning = layers[1].layer.weightQuantizer as DdqQuantizer;
  const other = layers[2].layer.weightQuantizer as DdqQuantizer;
  // d penalty / d bits = λ·N/M_target = 2·36/(4·68), then sigmoid'(1) per gate 2..8.
  const s = 1 / (1 + Math.exp(-1));
  for (let i = 1; i < 8; i++) tt.ok(Math.abs(learning.gateLogits.grad!.data[i] - ((2 * 36) / 272) * s * (1 - s)) < 1e-12);
  tt.ok(Math.abs(other.gateLogits.grad!.data[3] - ((2 * 32) / 272) * s * (1 - s)) < 1e-12);
  tt.equal((layers[0].layer.weightQuantizer as DdqQuantizer).gateLogits.grad, null);
  // Under budget the slope is a quarter: bits 2 of target 4 -> r = -0.5 -> λ·0.25·0.5.
  learning.setBits(2);
  other.setBits(2);
  tt.equal(budgetPenalty(net, { kind: 'memory', target: 4, weight: 2 })!.item(), 0.25);
  const bitops = budgetPenalty(net, { kind: 'bitops', target: 16, weight: 1 })!;
  tt.equal(bitops.item(), 0, '2-bit weights x 8-bit activations = 16 = target');
  tt.equal(budgetPenalty(tinyNet(5), { kind: 'memory', target: 4, weight: 1 }), null, 'no quantized layers, no penalty');
});

t.test('a quantized net trains: loss falls with DDQ fake quantization in the loop', async (tt) => {
  const rng = new Rng(9);
  const net = tinyNet(6);
  quantize(net, { method: 'ddq', inputShape: [1, 6, 6] });
  const x = Tensor.randn([16, 1, 6, 6], rng);
  const y = Int32Array.from({ length: 16 }, (_, i) => i % 5);
  const params = net.parameters();
  let first = 0;
  let last = 0;
  for (let step = 0; step < 30; step++) {
    const loss = crossEntropy(net.forward(x), y);
    net.zeroGrad();
    loss.backward();
    for (const p of params) if (p.grad) for (let i = 0; i < p.size; i++) p.data[i] -= 0.05 * p.grad.data[i];
    if (step === 0) first = loss.item();
    last = loss.item();
  }
  tt.ok(last < first * 0.7, `loss ${first} -> ${last}`);
});

t.test('first and last are in forward order, also when blocks nest', async (tt) => {
  const { mobilenetv2 } = await import('../../nets/mobilenetv2');
  const net = mobilenetv2({ classes: 10, widthMultiplier: 0.25, rng: new Rng(3) });
  const layers = quantize(net, { method: 'lsq', weightBits: 4, activationBits: 4 });
  tt.equal(layers[0].name, '0');
  tt.equal(layers[layers.length - 1].name, '16', 'the classifier is last');
  tt.equal(layers[layers.length - 2].name, '11', 'the last 1x1 conv comes after the blocks');
  tt.same(layers.map(({ layer }) => layer.weightQuantizer.bits()).filter((b) => b === 8).length, 2);
});
