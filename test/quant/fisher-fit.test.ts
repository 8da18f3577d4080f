// The Fisher bit fit: the weighted quantization error against brute force, and the greedy
// allocation against an exhaustive search on a tiny model whose two inner layers learn their
// bits (36 and 32 weights; the first and last layers are fixed at 8 bits, outside the budget).
import t from 'tap';
import { Rng } from '../../src/index';
import { DdqQuantizer } from '../../src/quant/ddq';
import { fisherError, fitToBudgetByFisher, weightedQuantError } from '../../src/quant/fisher-fit';
import { lloydMaxLevels } from '../../src/quant/lloyd-max';
import type { QuantizedLayer } from '../../src/quant/quantized-layers';
import { tinyBudgetNet } from './fixtures/tiny-budget-net';

t.test('weightedQuantError: Σ f·(nearest level - w)², by brute force', async (tt) => {
  const rng = new Rng(3);
  for (const [n, k] of [[1, 1], [7, 2], [50, 4], [97, 16]]) {
    const w = Float64Array.from({ length: n }, () => rng.normal() * 2);
    const f = Float64Array.from({ length: n }, () => rng.uniform());
    const levels = Float64Array.from({ length: k }, () => rng.normal()).sort();
    let expected = 0;
    for (let i = 0; i < n; i++) {
      let best = Infinity;
      for (const l of levels) best = Math.min(best, (w[i] - l) ** 2);
      expected += f[i] * best;
    }
    tt.ok(Math.abs(weightedQuantError(w, f, levels) - expected) <= 1e-12 * Math.max(1, expected), `${n} weights, ${k} levels`);
  }
});

t.test('fisherError: Lloyd-Max levels per group; zero once every weight has its own level', async (tt) => {
  const rng = new Rng(4);
  const w = Float64Array.from({ length: 24 }, () => rng.normal());
  const f = Float64Array.from({ length: 24 }, () => rng.uniform());
  const perGroup = [0, 1, 2].reduce((s, g) => s + weightedQuantError(w.subarray(8 * g, 8 * g + 8), f.subarray(8 * g, 8 * g + 8), lloydMaxLevels(w.subarray(8 * g, 8 * g + 8), 4)), 0);
  tt.equal(fisherError(w, f, 3, 2), perGroup);
  tt.ok(fisherError(w, f, 3, 2) < fisherError(w, f, 1, 2), 'a level set per group fits better');
  tt.ok(fisherError(w, f, 3, 3) < 1e-24, '8 levels for 8 weights per group: zero up to prefix-sum rounding');
  tt.throws(() => fisherError(w, f.subarray(1), 1, 2), /24 weights but 23 Fisher values/);
});

function tinyNet(minBits = 1) {
  const { net, layers, rng } = tinyBudgetNet(minBits);
  const fisher = new Map<QuantizedLayer, Float64Array>(layers.map((l) => [l, Float64Array.from({ length: l.weight.size }, () => rng.uniform())]));
  return { net, inner: [layers[1], layers[2]], edges: [layers[0], layers[3]], fisher };
}

const bitsOf = (l: QuantizedLayer) => (l.weightQuantizer as DdqQuantizer).bits();

t.test('the greedy allocation is the least total error for the bits it uses, and no layer can take another bit', async (tt) => {
  for (const target of [1.5, 2, 3, 4.5, 6]) {
    const { net, inner, edges, fisher } = tinyNet();
    const D = inner.map((l) => (b: number) => fisherError(l.weight.data, fisher.get(l)!, 1, b));
    // The greedy argument needs each layer's error to fall convexly with its bits: check it holds here.
    for (const d of D) for (let b = 2; b < 8; b++) tt.ok(d(b - 1) - d(b) >= d(b) - d(b + 1) - 1e-15, 'convex');
    fitToBudgetByFisher(net, { kind: 'memory', target }, fisher);
    const [b1, b2] = inner.map(bitsOf);
    const used = 36 * b1 + 32 * b2;
    tt.ok(used <= target * 68, `target ${target}: at or under budget (${b1}, ${b2})`);
    tt.ok(b1 === 8 || used + 36 > target * 68 || D[0](b1 + 1) === D[0](b1), 'the first layer could not take another useful bit');
    tt.ok(b2 === 8 || used + 32 > target * 68 || D[1](b2 + 1) === D[1](b2), 'the second layer could not take another useful bit');
    let best = Infinity;
    for (let x = 1; x <= 8; x++) for (let y = 1; y <= 8; y++) if (36 * x + 32 * y <= used) best = Math.min(best, D[0](x) + D[1](y));
    tt.ok(D[0](b1) + D[1](b2) <= best * (1 + 1e-12), `target ${target}: least error for ${used} bits`);
    tt.same(edges.map(bitsOf), [8, 8], 'fixed-precision layers untouched');
  }
});

t.test('a layer with more Fisher weight keeps more bits; floors hold; bad input is named', async (tt) => {
  const a = tinyNet();
  a.fisher.get(a.inner[0])!.fill(0);
  fitToBudgetByFisher(a.net, { kind: 'memory', target: 2 }, a.fisher);
  tt.same(a.inner.map(bitsOf), [1, 3], 'insensitive layer at the floor; 36 + 96 = 132 of 136 bits');
  const b = tinyNet(2);
  b.fisher.get(b.inner[1])!.fill(0);
  fitToBudgetByFisher(b.net, { kind: 'memory', target: 3 }, b.fisher);
  tt.same(b.inner.map(bitsOf), [3, 2], 'min bits 2: the insensitive layer keeps its floor (108 + 64 of 204 bits; 4 bits would need 208)');
  const c = tinyNet(2);
  tt.throws(() => fitToBudgetByFisher(c.net, { kind: 'memory', target: 1.5 }, c.fisher), /the floors alone \(2\.000\) exceed the target 1\.5/);
  c.fisher.delete(c.inner[1]);
  tt.throws(() => fitToBudgetByFisher(c.net, { kind: 'memory', target: 3 }, c.fisher), /no Fisher values for layer '4'/);
});
