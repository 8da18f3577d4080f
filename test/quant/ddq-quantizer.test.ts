// The DDQ quantize op: gradients of levels, range and gate logits against finite differences
// of the relaxed (soft-gate) form; straight-through behaviour for x; hard-mode gate gradients.
import t from 'tap';
import { Tensor, Rng, gradcheck, sum, mul } from '../../src/index';
import { DdqQuantizer, ddqQuantize, DdqQuantizeConfig } from '../../src/quant/ddq';
import { applyGates, levelsFromGaps, sigmoid, softplus, softplusInverse } from '../../src/quant/ddq-levels';
import { levelSums, straightThrough } from '../../src/quant/level-sums';
import { quantizeEvenReference } from '../../src/quant/even-grid';

const rng = new Rng(5);
const f64 = (values: Float64Array | number[], shape: number[]) => new Tensor(Float64Array.from(values), shape);

/** Parameters for K-bit levels on [lo, hi] with a little randomness in the gaps. */
function params(K: number, groups: number, lo = -1, hi = 1) {
  const n = 1 << K;
  const first = f64(Array(groups).fill(lo), [groups]);
  const gaps = f64(Array.from({ length: groups * (n - 1) }, () => softplusInverse(((hi - lo) / (n - 1)) * (0.5 + rng.uniform()))), [groups, n - 1]);
  return { first, gaps };
}

t.test('relaxed form: gradients of first level, gaps and gate logits match finite differences', async (tt) => {
  for (const [K, groups] of [[3, 1], [4, 1], [3, 2]]) {
    const { first, gaps } = params(K, groups);
    const logits = f64(Array.from({ length: K }, () => rng.normal()), [K]);
    const x = f64(Array.from({ length: 24 * groups }, () => 1.5 * rng.normal()), [groups, 24]);
    const cfg: DdqQuantizeConfig = { maxBits: K, groups, relaxed: true, alpha: 0, gatesFrozen: false };
    const r = gradcheck((xx, a, b, c) => ddqQuantize(xx, a, b, c, cfg), [x, first, gaps, logits], { wrt: [1, 2, 3], eps: 1e-7 });
    tt.ok(r.ok, `K=${K} groups=${groups}: ${r.message}`);
  }
});

t.test('uniform grid (activations): the step gradient matches finite differences', async (tt) => {
  for (const [K, z] of [[3, 0], [4, 8]]) {
    const zero = f64([z], [1]);
    const raw = f64([softplusInverse(0.3)], [1, 1]);
    const logits = f64(Array.from({ length: K }, () => rng.normal()), [K]);
    const x = f64(Array.from({ length: 30 }, () => 2 * rng.normal()), [30]);
    const relaxed: DdqQuantizeConfig = { grid: 'uniform', maxBits: K, groups: 1, relaxed: true, alpha: 0, gatesFrozen: false };
    const r = gradcheck((xx, s, c) => ddqQuantize(xx, zero, s, c, relaxed), [x, raw, logits], { wrt: [1, 2], eps: 1e-7 });
    tt.ok(r.ok, `K=${K} z=${z}: ${r.message}`);
    const hard: DdqQuantizeConfig = { ...relaxed, relaxed: false, gatesFrozen: true };
    const r2 = gradcheck((xx, s) => ddqQuantize(xx, zero, s, logits, hard), [x, raw], { wrt: [1], eps: 1e-7 });
    tt.ok(r2.ok, `hard K=${K}: ${r2.message}`);
  }
});

t.test('activation quantizer: zero-anchored grid, unsigned or signed from the data', async (tt) => {
  const a = new DdqQuantizer({ kind: 'activation', maxBits: 8 });
  const y = a.forward(Tensor.fromArray([0, 0.5, 3, 6]));
  tt.equal(a.grid, 'uniform');
  tt.equal(a.levels()[0], 0, 'zero is the lowest level');
  tt.ok(Math.abs(a.step() - 6 / 255) < 1e-12);
  tt.equal(y.data[0], 0);
  tt.ok(Math.abs(y.data[3] - 6) < 1e-5);
  // fitLevels off: the range of the data (below 8 bits the default fits a step instead: fit-step.test.ts).
  const s = new DdqQuantizer({ kind: 'activation', maxBits: 4, fitLevels: false });
  s.forward(Tensor.fromArray([-2, 1, 0.5]));
  const lv = s.levels();
  tt.equal(lv[8], 0, 'signed: level 8 of 16 is zero');
  tt.ok(Math.abs(lv[1] + 2) < 1e-12 && lv[0] < -2, 'symmetric range covers -2');
  tt.same(s.namedParameters().map(([n]) => n), ['step', 'gateLogits'], 'the zero index is not trained');
});

t.test('x: straight through inside the level range, zero outside, plus alpha·(x - x_q)', async (tt) => {
  const K = 3;
  const { first, gaps } = params(K, 1, -1, 1);
  const logits = f64([1, 1, -1], [3]); // 2 bits
  const x = f64([-3, -0.9, 0.1, 0.5, 0.95, 4], [6]).requireGrad();
  for (const alpha of [0, 0.3]) {
    x.zeroGrad();
    const cfg: DdqQuantizeConfig = { maxBits: K, groups: 1, relaxed: false, alpha, gatesFrozen: false };
    const y = ddqQuantize(x, first, gaps, logits, cfg);
    const w = f64([1, 2, 3, 4, 5, 6], [6]);
    sum(mul(y, w)).backward();
    const q = levelsFromGaps(first.data[0], gaps.data);
    const lo = (q[0] + q[1]) / 2;
    const hi = (q[6] + q[7]) / 2;
    for (let i = 0; i < 6; i++) {
      const inside = x.data[i] >= lo && x.data[i] <= hi ? w.data[i] : 0;
      tt.ok(Math.abs(x.grad!.data[i] - (inside + alpha * (x.data[i] - y.data[i]))) < 1e-12, `alpha ${alpha}, element ${i}`);
    }
    tt.equal(x.grad!.data[0], alpha * (-3 - y.data[0]), 'below the range: only the correction');
    tt.equal(y.data[0], lo, 'clipped to the lowest merged level');
    tt.equal(y.data[5], hi, 'clipped to the highest merged level');
  }
});

t.test('hard gates: each logit gets sigmoid\'(t) times the exact multilinear derivative', async (tt) => {
  const K = 4;
  const n = 1 << K;
  const { first, gaps } = params(K, 1);
  const logits = f64([1, 1, -0.5, 2], [K]).requireGrad(); // bits = 2 (gate 3 closes 3 and 4)
  const x = f64(Array.from({ length: 40 }, () => rng.normal()), [40]);
  const w = f64(Array.from({ length: 40 }, () => rng.normal()), [40]);
  const cfg: DdqQuantizeConfig = { maxBits: K, groups: 1, relaxed: false, alpha: 0, gatesFrozen: false };
  const y = ddqQuantize(x, first, gaps, logits, cfg);
  sum(mul(y, w)).backward();
  // Independent computation: x reads the slot of its nearest fine level inside its block; the
  // objective as a function of soft gates (slots fixed) is differentiated numerically.
  const q = levelsFromGaps(first.data[0], gaps.data);
  const block = n >> 2;
  const slots = Array.from(x.data, (v) => {
    const merged = [0, 1, 2, 3].map((j) => q.slice(j * block, (j + 1) * block).reduce((a, b) => a + b) / block);
    let j = 0;
    for (let k = 1; k < 4; k++) if (Math.abs(v - merged[k]) <= Math.abs(v - merged[j])) j = k;
    let s = j * block;
    for (let k = j * block; k < (j + 1) * block; k++) if (Math.abs(v - q[k]) < Math.abs(v - q[s])) s = k;
    return s;
  });
  const objective = (gates: number[]) => {
    const full = applyGates(q, gates);
    return slots.reduce((acc, s, i) => acc + w.data[i] * full[s], 0);
  };
  const g = [1, 1, 0, 0];
  for (let i = 1; i < K; i++) {
    const up = g.slice();
    const down = g.slice();
    up[i] += 1e-6;
    down[i] -= 1e-6;
    const dg = (objective(up) - objective(down)) / 2e-6;
    const s = sigmoid(logits.data[i]);
    tt.ok(Math.abs(logits.grad!.data[i] - dg * s * (1 - s)) < 1e-6, `gate ${i + 1}`);
  }
  tt.equal(logits.grad!.data[0], 0, 'gate 1 is held open');
});

t.test('DdqQuantizer module: init from data, bits, freeze, bitsTensor', async (tt) => {
  const q = new DdqQuantizer({ kind: 'weight', maxBits: 8 });
  const w = Tensor.randn([64], rng);
  const y = q.forward(w);
  tt.equal(q.bits(), 8);
  let maxErr = 0;
  const c = Math.max(...Array.from(w.data, Math.abs));
  for (let i = 0; i < 64; i++) maxErr = Math.max(maxErr, Math.abs(y.data[i] - w.data[i]));
  tt.ok(maxErr <= c / 255 + 1e-6, '8-bit uniform grid error is at most half a step');
  q.setBits(2);
  const y2 = q.forward(w);
  tt.equal(new Set(Array.from(y2.data)).size <= 4, true, 'at most 4 distinct values at 2 bits');
  tt.equal(q.mergedLevels().length, 4);
  const b = q.bitsTensor();
  tt.equal(b.item(), 2);
  b.backward();
  tt.ok(q.gateLogits.grad!.data[1] > 0 && q.gateLogits.grad!.data[0] === 0);
  q.freezeGates();
  q.gateLogits.zeroGrad();
  sum(q.forward(w)).backward();
  tt.equal(q.gateLogits.grad, null, 'frozen gates get no gradient');
  tt.throws(() => q.setBits(9), /bits must be an integer in 1\.\.8/);
  const a = new DdqQuantizer({ kind: 'activation' }).eval();
  tt.throws(() => a.forward(w), /activation range is not initialised/);
});

t.test('minBits: gates below it are held open by projectGates, and setBits refuses fewer bits', async (tt) => {
  const q = new DdqQuantizer({ kind: 'weight', maxBits: 6, minBits: 3 });
  q.gateLogits.data.set([1, -0.5, -2, 0.7, -1, 3]);
  q.projectGates();
  // Gates 2 and 3 held open at 0; gate 5 closed at -1 caps gate 6 at -1.
  tt.same(Array.from(q.gateLogits.data), [1, 0, 0, 0.7, -1, -1]);
  tt.equal(q.bits(), 4);
  tt.throws(() => q.setBits(2), /bits must be an integer in 3\.\.6/);
  q.setBits(3);
  tt.equal(q.bits(), 3);
  tt.throws(() => new DdqQuantizer({ kind: 'weight', maxBits: 4, minBits: 5 }), /minBits must be an integer in 1\.\.4/);
  const plain = new DdqQuantizer({ kind: 'weight', maxBits: 4 });
  plain.gateLogits.data.set([1, -0.5, 2, 2]);
  plain.projectGates();
  tt.same(Array.from(plain.gateLogits.data), [1, -0.5, -0.5, -0.5], 'default minBits 1: only the order constraint');
});

t.test('per-channel levels: each channel gets its own range', async (tt) => {
  const q = new DdqQuantizer({ kind: 'weight', maxBits: 4, perChannel: true, groups: 2 });
  const w = Tensor.fromArray([[0.1, -0.05, 0.02], [10, -7, 3]]);
  const y = q.forward(w);
  tt.ok(Math.abs(y.data[0] - 0.1) < 0.01 && Math.abs(y.data[3] - 10) < 1e-6);
  tt.ok(Math.abs(q.levels(0)[15] - w.data[0]) < 1e-9 && Math.abs(q.levels(1)[15] - 10) < 1e-9);
  tt.ok(Math.abs(q.levels(0)[0] + w.data[0]) < 1e-9 && Math.abs(q.levels(1)[0] + 10) < 1e-9, 'symmetric ranges');
});

t.test('uniform grid backward: dx and the step gradient equal the plain straight-through pass and level sums, bit for bit', async (tt) => {
  // The op skips reading x when the forward listed every outside element (none, a few, or more
  // than it lists); the expected values come from the plain pieces.
  for (const outsideShare of [0, 0.001, 0.5]) {
    for (const [K, z] of [[8, 0], [8, 128], [4, 8]]) {
      for (const wide of [false, true]) {
        const n = 1 << K;
        const size = 3001;
        const stepRaw = softplusInverse(0.02);
        const step = softplus(stepRaw);
        const lo = -z * step;
        const hi = (n - 1 - z) * step;
        const xData = wide ? new Float64Array(size) : new Float32Array(size);
        for (let i = 0; i < size; i++) {
          xData[i] = rng.uniform() < outsideShare ? (rng.uniform() < 0.5 ? lo - 1 : hi + 1) : rng.uniform() < 0.3 ? 0 : lo + (hi - lo) * rng.uniform();
        }
        const x = new Tensor(xData, [size]);
        x.requiresGrad = true;
        const zero = f64([z], [1]);
        const raw = f64([stepRaw], [1, 1]);
        raw.requiresGrad = true;
        const logits = f64(Array(K).fill(1), [K]);
        const cfg: DdqQuantizeConfig = { grid: 'uniform', maxBits: K, groups: 1, relaxed: false, alpha: 0, gatesFrozen: true };
        const y = ddqQuantize(x, zero, raw, logits, cfg);
        const g = new Tensor(wide ? Float64Array.from({ length: size }, () => rng.normal()) : Float32Array.from({ length: size }, () => rng.normal()), [size]);
        const [dx, , dRaw] = y.node!.backward(g, [true, false, true, false]);
        const levels = Float64Array.from({ length: n }, (_, i) => (i - z) * step);
        const expectedDx = wide ? new Float64Array(size) : new Float32Array(size);
        straightThrough(xData, g.data, levels[0], levels[n - 1], expectedDx, 0, size);
        const code = new Int32Array(size);
        quantizeEvenReference(xData, levels, new Float64Array(size), code);
        const sums = levelSums(code, g.data, 0, size, n);
        let s = 0;
        for (let i = 0; i < n; i++) s += (i - z) * sums[i];
        const what = `outside ${outsideShare}, K=${K} z=${z} ${wide ? 'f64' : 'f32'}`;
        tt.same(Array.from(dx!.data), Array.from(expectedDx), `dx: ${what}`);
        tt.ok(Object.is(dRaw!.data[0], sigmoid(stepRaw) * s), `step gradient: ${what}`);
      }
    }
  }
});
