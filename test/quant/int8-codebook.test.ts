// DDQ weight levels on their int8 codebook grid: the rounding itself, the forward pass using
// exactly scale·entry, gradients passing straight through, and export finding nothing to round.
import t from 'tap';
import { Tensor, Rng } from '../../src/index';
import { int8Codebook } from '../../src/quant/int8-codebook';
import { DdqQuantizer } from '../../src/quant/ddq';
import { mergedLevels } from '../../src/quant/ddq-levels';
import { Linear, Sequential } from '../../src/nn/index';
import { quantize } from '../../src/quant/quantize';
import { QuantLinear } from '../../src/quant/quantized-layers';
import { quantizeWeights } from '../../src/deploy/weight-quantization';

t.test('int8Codebook: largest level at ±127, every level within half a step, monotone', async (tt) => {
  const rng = new Rng(3);
  for (let trial = 0; trial < 50; trial++) {
    const n = 1 << (1 + (trial % 8));
    const levels = Float64Array.from({ length: n }, () => rng.normal() * (trial + 1)).sort();
    const cb = int8Codebook(levels);
    const maxAbs = Math.max(...Array.from(levels, Math.abs));
    tt.equal(cb.scale, maxAbs / 127);
    tt.equal(Math.max(...Array.from(cb.entries, Math.abs)), 127, 'the largest level maps to ±127');
    const bad: string[] = [];
    for (let j = 0; j < n; j++) {
      if (!(Math.abs(levels[j] - cb.levels[j]) <= cb.scale / 2 + 1e-12)) bad.push(`level ${j} moved more than half a step`);
      if (cb.levels[j] !== cb.scale * cb.entries[j]) bad.push(`level ${j} is not scale·entry`);
      if (j > 0 && cb.entries[j] < cb.entries[j - 1]) bad.push(`entries ${j - 1}, ${j} out of order`);
    }
    tt.same(bad, [], `${n} levels`);
  }
  const zero = int8Codebook(new Float64Array(4));
  tt.same(Array.from(zero.entries), [0, 0, 0, 0]);
  tt.ok(Number.isFinite(zero.scale) && zero.scale > 0);
});

t.test('forward uses the rounded merged levels; int8Levels off uses the free ones', async (tt) => {
  const rng = new Rng(5);
  const x = Tensor.randn([300], rng);
  for (const int8Levels of [true, false]) {
    const q = new DdqQuantizer({ kind: 'weight', maxBits: 4, int8Levels });
    q.initFromData(x.data);
    for (let i = 0; i < q.gaps.size; i++) q.gaps.data[i] += 0.3 * rng.normal(); // non-uniform levels
    q.setBits(3);
    const free = mergedLevels(q.levels(), 3);
    const used = q.mergedLevels();
    tt.same(Array.from(used), Array.from(int8Levels ? int8Codebook(free).levels : free));
    const y = q.forward(x);
    const allowed = new Set(Array.from(used, (v) => Math.fround(v)));
    tt.ok(Array.from(y.data).every((v) => allowed.has(v)), 'every output is one of the levels in use');
    if (int8Levels) tt.ok(used.some((v, j) => v !== free[j]), 'the rounding changes some level (the test can tell)');
  }
});

t.test('gradients to the levels pass the rounding straight through', async (tt) => {
  const rng = new Rng(7);
  const x = Tensor.randn([200], rng, 0, 1, { dtype: 'float64' });
  const grads: Float64Array[] = [];
  for (const int8Levels of [true, false]) {
    const q = new DdqQuantizer({ kind: 'weight', maxBits: 3, int8Levels });
    q.initFromData(x.data);
    q.freezeGates(2);
    const y = q.forward(x);
    y.sum().backward();
    grads.push(Float64Array.from(q.gaps.grad!.data));
  }
  // sum(y): each level's gradient is the count of its elements, identical when no element
  // changes level; the rounding moves levels by < 1/254 of the range, so pick x away from ties.
  tt.same(Array.from(grads[0]), Array.from(grads[1]));
});

t.test('export of a layer trained on int8 levels: codebook exact, values reproduce the forward weights', async (tt) => {
  const rng = new Rng(9);
  const net = new Sequential(new Linear(24, 7, { rng }));
  const [{ layer }] = quantize(net, { method: 'ddq-fixed', weightBits: 3, firstLayerBits: 3, lastLayerBits: 3 });
  const ql = layer as QuantLinear;
  const wq = ql.weightQuantizer as DdqQuantizer;
  wq.initFromData(ql.weight.data);
  for (let i = 0; i < wq.gaps.size; i++) wq.gaps.data[i] += 0.4 * rng.normal();
  const forwardWeights = ql.quantizedWeight().data;
  const wqz = quantizeWeights(ql, 'linear');
  tt.equal(wqz.levelError, 0);
  const differ = Array.from(forwardWeights).filter((v, i) => Math.fround(wqz.scale[0] * wqz.values[i]) !== v).length;
  tt.equal(differ, 0, 'scale·value equals every weight the forward pass used');
});
