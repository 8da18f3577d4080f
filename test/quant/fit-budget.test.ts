// fitToBudget: worked by hand on a tiny model whose two inner layers learn their bits
// (36 and 32 weights; the first and last layers are fixed at 8 bits and outside the budget).
import t from 'tap';
import { quantize } from '../../src/quant/quantize';
import { DdqQuantizer } from '../../src/quant/ddq';
import { fitToBudget } from '../../src/quant/fit-budget';
import { tinyBudgetNet } from './fixtures/tiny-budget-net';
import { modelResources } from '../../src/quant/resources';
import { quantizedLayers } from '../../src/quant/quantize';
import { lloydMaxLevels } from '../../src/quant/lloyd-max';
import { mergedLevels } from '../../src/quant/ddq-levels';
import { qatHooks } from '../../src/train/qat';
import { constant } from '../../src/optim/schedules';

function tinyNet(minBits?: number) {
  const { net, layers } = tinyBudgetNet(minBits);
  const q = (i: number) => layers[i].weightQuantizer as DdqQuantizer;
  return { net, inner: [q(1), q(2)], edges: [q(0), q(3)] };
}

t.test('over budget: bits go from the layer whose weakest open gate has the lowest logit', async (tt) => {
  const { net, inner, edges } = tinyNet();
  inner[0].gateLogits.data.set([1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3]);
  inner[1].gateLogits.data.set([1, 2, 2, 2, 2, 2, 2, 0.35]);
  // Used 36·8 + 32·8 = 544 bits, limit 4·68 = 272. Lowest logit at each step: 0.3 (first
  // layer, 7 bits), 0.35 (second, 7), then 0.4 .. 0.9 (first, down to 1 bit): 36 + 224 = 260.
  const changes = fitToBudget(net, { kind: 'memory', target: 4 });
  tt.same(inner.map((q) => q.bits()), [1, 7]);
  tt.same(changes.map((c) => [c.from, c.to]), [[8, 1], [8, 7]]);
  tt.same(edges.map((q) => q.bits()), [8, 8], 'fixed-precision layers untouched');
  tt.ok(modelResources(net).averageLearnedWeightBits <= 4);
});

t.test('under budget: bits go to the layer whose first closed gate has the highest logit, up to the target', async (tt) => {
  const { net, inner } = tinyNet();
  inner[0].gateLogits.data.set([1, 1, -0.2, -0.5, -0.9, -1, -1, -1]);
  inner[1].gateLogits.data.set([1, 1, -0.1, -0.3, -0.6, -1, -1, -1]);
  // 2 + 2 bits = 136 of 272. Highest closed logit: -0.1 (second -> 3 bits, 168), -0.2 (first,
  // 204), -0.3 (second, 236), -0.5 (first, 272); then neither fits (+36, +32).
  fitToBudget(net, { kind: 'memory', target: 4 });
  tt.same(inner.map((q) => q.bits()), [4, 4]);
  tt.equal(modelResources(net).averageLearnedWeightBits, 4);
});

t.test('frozen quantizers and an unreachable target', async (tt) => {
  const { net, inner } = tinyNet();
  inner[0].freezeGates(8);
  inner[1].setBits(6);
  tt.same(fitToBudget(net, { kind: 'memory', target: 0.5 }).map((c) => [c.from, c.to]), [[6, 1]], 'only the learning layer moves, down to 1 bit');
  tt.equal(inner[0].bits(), 8);
  const none = tinyNet();
  for (const q of none.inner) q.freezeGates();
  tt.same(fitToBudget(none.net, { kind: 'memory', target: 2 }), []);
});

t.test('bitops: each layer costs MACs x activation bits per weight bit', async (tt) => {
  const { net, inner } = tinyNet();
  // Depthwise 324 MACs, pointwise 288 MACs, both at 8-bit activations: limit 3·612·8 bits.
  inner[0].gateLogits.data.set([1, 1, 1, 1, 1, 1, 1, 0.1]);
  inner[1].gateLogits.data.set([1, 1, 1, 1, 1, 1, 1, 0.2]);
  fitToBudget(net, { kind: 'bitops', target: 3 * 8 });
  const r = modelResources(net);
  const inner2 = r.layers.filter((l) => l.learnsBits);
  const bitops = inner2.reduce((s, l) => s + l.macs * l.weightBits * l.activationBits, 0);
  tt.ok(bitops <= 3 * 8 * 612, `BitOPs ${bitops} within the target`);
  tt.ok(bitops + 288 * 8 > 3 * 8 * 612, 'no further bit would fit');
});

t.test('gate freeze with refitLevels: freezing layers start the frozen phase at the Lloyd-Max levels of their weights', async (tt) => {
  for (const refit of [true, false]) {
    const { net, inner, edges } = tinyNet();
    for (const { layer } of quantizedLayers(net)) (layer.weightQuantizer as DdqQuantizer).initFromData(layer.weight.data);
    inner[0].gateLogits.data.set([1, 1, -1, -1, -1, -1, -1, -1]);
    inner[1].gateLogits.data.set([1, 1, 1, -1, -1, -1, -1, -1]);
    const before = [...inner, ...edges].map((q) => Array.from(q.levels()));
    const layers = quantizedLayers(net);
    const hooks = qatHooks(net, { makeOptimizer: () => { throw new Error('unused'); }, schedule: constant(0), weightDecay: 0, gateEpochs: 1, refitLevels: refit });
    hooks.onEpochStart!(2);
    tt.ok(inner.every((q) => q.gatesFrozen), 'gates frozen');
    tt.same(inner.map((q) => q.bits()), [2, 3]);
    for (const [i, q] of inner.entries()) {
      const want = lloydMaxLevels(layers[i + 1].layer.weight.data, 1 << q.bits());
      const got = mergedLevels(q.levels(), q.bits());
      const matches = got.every((v, j) => Math.abs(v - want[j]) < 1e-12);
      tt.equal(matches, refit, `inner layer ${i}: ${refit ? 'refitted' : 'left as it was'}`);
      if (!refit) tt.same(Array.from(q.levels()), before[i]);
    }
    for (const [i, q] of edges.entries()) tt.same(Array.from(q.levels()), before[2 + i], 'fixed-precision layers untouched');
    const again = inner.map((q) => Array.from(q.levels()));
    hooks.onEpochStart!(3);
    tt.same(inner.map((q) => Array.from(q.levels())), again, 'later epochs do not refit again');
  }
});

t.test('over budget with a bit floor: no layer goes below its minBits', async (tt) => {
  const { net, inner, edges } = tinyNet(2);
  tt.same(inner.map((q) => q.minBits), [2, 2]);
  tt.same(edges.map((q) => q.minBits), [1, 1], 'fixed-precision layers keep the default');
  // A target of 1 bit is out of reach with a floor of 2: both layers stop at 2.
  fitToBudget(net, { kind: 'memory', target: 1 });
  tt.same(inner.map((q) => q.bits()), [2, 2]);
});
