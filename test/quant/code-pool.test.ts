// Code buffers lent by a DDQ quantizer to each forward pass until its backward is done
// (code-pool.ts): the pool itself, and that reuse never changes a result — two forwards before
// any backward, a second backward over a graph whose buffer was lent out again meanwhile,
// forwards without a tape — against the same op with a fresh buffer per call (no pool).
import t from 'tap';
import { Tensor, Rng, sum, mul, gradcheck } from '../../src/index';
import { noGrad } from '../../src/autograd/grad-mode';
import { CodePool } from '../../src/quant/code-pool';
import { DdqQuantizer, ddqQuantize, type DdqQuantizeConfig } from '../../src/quant/ddq';
import { softplusInverse } from '../../src/quant/ddq-levels';

const rng = new Rng(77);

t.test('CodePool: lends a buffer of the size and width asked, takes it back once, keeps at most two', async (tt) => {
  const pool = new CodePool();
  const a = pool.take(13, false);
  tt.ok(a instanceof Uint8Array && a.length === 13);
  const w = pool.take(13, true);
  tt.ok(w instanceof Uint16Array && w.length === 13);
  pool.give(a);
  tt.throws(() => pool.give(a), /already given back/);
  tt.equal(pool.take(13, true) === a, false, 'a byte buffer is not lent for 16-bit codes');
  tt.equal(pool.take(7, false) === a, false, 'nor for another size');
  tt.equal(pool.take(13, false), a, 'the same size and width get it back');
  tt.equal(pool.freeCount, 0);
  for (const b of [pool.take(1, false), pool.take(1, false), pool.take(1, false)]) pool.give(b);
  tt.equal(pool.freeCount, 2);
});

interface Setup {
  name: string;
  x: () => Tensor;
  first: Tensor;
  gaps: Tensor;
  logits: Tensor;
  cfg: DdqQuantizeConfig;
}

const f64 = (values: number[], shape: number[]) => new Tensor(Float64Array.from(values), shape);

/** The op's configurations: uniform grid (activations), learned grid with gates learning (fine slots), per-channel, relaxed. */
function setups(): Setup[] {
  const out: Setup[] = [];
  for (const size of [1, 2, 7, 31, 97, 1031]) {
    const xs = (scale: number) => () => new Tensor(Float32Array.from({ length: size }, () => scale * rng.normal()), [size]);
    // 8-bit unsigned activations, a few values past the top level.
    out.push({
      name: `uniform 8-bit, ${size}`, x: () => new Tensor(Float32Array.from({ length: size }, () => Math.max(0, 2.2 * rng.uniform() - 0.2)), [size]),
      first: f64([0], [1]), gaps: f64([softplusInverse(2 / 255)], [1, 1]).requireGrad(), logits: f64(Array(8).fill(1), [8]),
      cfg: { grid: 'uniform', maxBits: 8, groups: 1, relaxed: false, alpha: 0, gatesFrozen: true },
    });
    // Learned 4-bit grid at 2 bits with gates learning: the backward reads fine slots, not codes.
    const K = 4;
    out.push({
      name: `learned 2 of 4 bits, ${size}`, x: xs(1),
      first: f64([-1.5], [1]).requireGrad(), gaps: f64(Array.from({ length: 15 }, () => softplusInverse(0.2 * (0.5 + rng.uniform()))), [1, 15]).requireGrad(),
      logits: f64([1, 1, -1, -1], [K]).requireGrad(), cfg: { maxBits: K, groups: 1, relaxed: false, alpha: 0, gatesFrozen: false },
    });
    if (size % 2 === 0) {
      // Per-channel (two groups), frozen gates: codes read per group.
      out.push({
        name: `per-channel, ${size}`, x: xs(1),
        first: f64([-1, -0.5], [2]).requireGrad(), gaps: f64(Array.from({ length: 30 }, () => softplusInverse(0.1 + 0.05 * rng.uniform())), [2, 15]).requireGrad(),
        logits: f64([1, 1, 1, 1], [K]), cfg: { maxBits: K, groups: 2, relaxed: false, alpha: 0.1, gatesFrozen: true },
      });
    }
    out.push({
      name: `relaxed 3 bits, ${size}`, x: xs(1),
      first: f64([-1], [1]).requireGrad(), gaps: f64(Array.from({ length: 7 }, () => softplusInverse(0.3)), [1, 7]).requireGrad(),
      logits: f64([1, 0.3, -0.4], [3]).requireGrad(), cfg: { maxBits: 3, groups: 1, relaxed: true, alpha: 0, gatesFrozen: false },
    });
  }
  return out;
}

/** One forward and backward with fixed output weights: the output and every gradient, as arrays. */
function run(s: Setup, x: Tensor, cfg: DdqQuantizeConfig, w: Tensor) {
  for (const p of [x, s.first, s.gaps, s.logits]) p.zeroGrad();
  const y = ddqQuantize(x, s.first, s.gaps, s.logits, cfg);
  sum(mul(y, w)).backward();
  return snapshot(y, x, s);
}

function snapshot(y: Tensor, x: Tensor, s: Setup) {
  return [y, x.grad, s.first.grad, s.gaps.grad, s.logits.grad].map((v) => (v ? Array.from(v.data) : null));
}

t.test('a pooled quantizer gives exactly the results of fresh buffers: two forwards, then both backwards in either order', async (tt) => {
  for (const s of setups()) {
    const x1 = s.x().requireGrad();
    const x2 = s.x().requireGrad();
    const w1 = new Tensor(Float32Array.from({ length: x1.size }, () => rng.normal()), x1.shape);
    const w2 = new Tensor(Float32Array.from({ length: x1.size }, () => rng.normal()), x1.shape);
    const expect1 = run(s, x1, s.cfg, w1);
    const expect2 = run(s, x2, s.cfg, w2);
    for (const order of [[0, 1], [1, 0]]) {
      const pooled = { ...s.cfg, codePool: new CodePool() };
      for (const p of [x1, x2, s.first, s.gaps, s.logits]) p.zeroGrad();
      // Both forwards first: each holds its own buffer until its backward.
      const ys = [ddqQuantize(x1, s.first, s.gaps, s.logits, pooled), ddqQuantize(x2, s.first, s.gaps, s.logits, pooled)];
      const losses = [sum(mul(ys[0], w1)), sum(mul(ys[1], w2))];
      const got: ReturnType<typeof snapshot>[] = [];
      for (const k of order) {
        for (const p of [x1, x2, s.first, s.gaps, s.logits]) p.zeroGrad();
        losses[k].backward();
        got[k] = snapshot(ys[k], k === 0 ? x1 : x2, s);
      }
      tt.same(got[0], expect1, `${s.name}, order ${order}: first pass`);
      tt.same(got[1], expect2, `${s.name}, order ${order}: second pass`);
      tt.ok(pooled.codePool.freeCount <= 2, 'at most two buffers kept');
    }
  }
});

t.test('a second backward over a graph whose code buffer was lent out again gives the same gradients', async (tt) => {
  for (const s of setups()) {
    const pooled = { ...s.cfg, codePool: new CodePool() };
    const x1 = s.x().requireGrad();
    const w = new Tensor(Float32Array.from({ length: x1.size }, () => rng.normal()), x1.shape);
    const expect = run(s, x1, s.cfg, w);
    for (const p of [x1, s.first, s.gaps, s.logits]) p.zeroGrad();
    const y = ddqQuantize(x1, s.first, s.gaps, s.logits, pooled);
    const loss = sum(mul(y, w));
    loss.backward();
    tt.same(snapshot(y, x1, s), expect, `${s.name}: first backward`);
    // Another forward and backward on different data take the buffer and overwrite it.
    const other = s.x().requireGrad();
    sum(mul(ddqQuantize(other, s.first, s.gaps, s.logits, pooled), w)).backward();
    for (const p of [x1, s.first, s.gaps, s.logits]) p.zeroGrad();
    loss.backward();
    tt.same(snapshot(y, x1, s), expect, `${s.name}: second backward of the first graph`);
  }
});

t.test('forwards without a tape give their buffer back; the module lends its own pool', async (tt) => {
  const q = new DdqQuantizer({ kind: 'activation', maxBits: 8 });
  const x = new Tensor(Float32Array.from({ length: 97 }, () => 6 * rng.uniform()), [97]);
  q.forward(x); // initialises the range (recorded: the step requires a gradient)
  tt.equal(q.codePool.freeCount, 0, 'a recorded forward keeps its buffer until its backward');
  const y0 = noGrad(() => q.forward(x));
  tt.equal(q.codePool.freeCount, 1, 'an unrecorded one gives it back at once');
  const y1 = noGrad(() => q.forward(x));
  tt.same(Array.from(y1.data), Array.from(y0.data), 'the same values from a reused buffer');
  const y = q.forward(x);
  tt.equal(q.codePool.freeCount, 0, 'lent again');
  sum(y).backward();
  tt.equal(q.codePool.freeCount, 1, 'back after the backward');
  tt.same(Array.from(y0.data), Array.from(y1.data), 'earlier outputs are untouched (outputs are never pooled)');
});

t.test('float64 finite differences through the module (pooled buffers) for the step and the learned levels', async (tt) => {
  for (const size of [1, 5, 29]) {
    const a = new DdqQuantizer({ kind: 'activation', maxBits: 4, fitLevels: false });
    const data = Float64Array.from({ length: size }, () => 3 * rng.uniform());
    a.initFromData(data);
    const ra = gradcheck((xx, st) => ddqQuantize(xx, a.first, st, a.gateLogits, a), [new Tensor(data, [size]), a.gaps], { wrt: [1], eps: 1e-7 });
    tt.ok(ra.ok, `activation step, ${size}: ${ra.message}`);
    const w = new DdqQuantizer({ kind: 'weight', maxBits: 3, initBits: 3, fitLevels: false });
    const wd = Float64Array.from({ length: size }, () => rng.normal());
    w.initFromData(wd);
    // Free float levels (no int8 rounding): finite differences see the levels move smoothly.
    const cfg: DdqQuantizeConfig = { maxBits: 3, groups: 1, relaxed: false, alpha: 0, gatesFrozen: true, int8Levels: false, codePool: w.codePool };
    const rw = gradcheck((xx, f, g) => ddqQuantize(xx, f, g, w.gateLogits, cfg), [new Tensor(wd, [size]), w.first, w.gaps], { wrt: [1, 2], eps: 1e-7 });
    tt.ok(rw.ok, `weight levels, ${size}: ${rw.message}`);
  }
});
