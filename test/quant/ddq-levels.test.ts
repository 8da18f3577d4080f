// DDQ's merged levels against an explicitly built Kronecker product, for small K and every
// gate pattern; block structure of monotone gates; assignment; the gap parametrisation.
import t from 'tap';
import { Rng } from '../../src/tensor/rng';
import { quantizeEven } from '../../src/quant/even-grid';
import {
  applyGates, assignNearest, assignNearestReference, hardGates, levelsFromGaps, levelsFromGapsBackward, mergedLevels, softplus, softplusInverse,
} from '../../src/quant/ddq-levels';

/** Dense Kronecker product of square matrices (the thing the code must never build). */
function kron(a: number[][], b: number[][]): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < a.length * b.length; i++) {
    out.push([]);
    for (let j = 0; j < a.length * b.length; j++) {
      out[i].push(a[Math.floor(i / b.length)][Math.floor(j / b.length)] * b[i % b.length][j % b.length]);
    }
  }
  return out;
}

/** Z·U for gates g (factor i = g·I + (1-g)·J/2, or I - J/2 when i === replace), gate 0 outermost. */
function denseZU(gates: number[], replace = -1): number[][] {
  let m: number[][] = [[1]];
  gates.forEach((g, i) => {
    const f = i === replace ? [[0.5, -0.5], [-0.5, 0.5]] : [[g + (1 - g) / 2, (1 - g) / 2], [(1 - g) / 2, g + (1 - g) / 2]];
    m = kron(m, f);
  });
  return m;
}

const rng = new Rng(21);
const sortedLevels = (n: number) => Float64Array.from({ length: n }, () => rng.normal()).sort();

t.test('applyGates equals the dense Kronecker product for K = 1..4 and every gate pattern', async (tt) => {
  let worst = 0;
  for (let K = 1; K <= 4; K++) {
    const q = sortedLevels(1 << K);
    const patterns: number[][] = [];
    for (let mask = 0; mask < 1 << K; mask++) patterns.push(Array.from({ length: K }, (_, i) => (mask >> i) & 1));
    patterns.push(Array.from({ length: K }, () => rng.uniform())); // soft gates too
    for (const gates of patterns) {
      for (let replace = -1; replace < K; replace++) {
        const dense = denseZU(gates, replace);
        const ours = applyGates(q, gates, replace);
        for (let r = 0; r < q.length; r++) {
          const expected = dense[r].reduce((s, v, c) => s + v * q[c], 0);
          worst = Math.max(worst, Math.abs(expected - ours[r]));
        }
      }
    }
  }
  tt.ok(worst < 1e-12, `max deviation ${worst}`);
});

t.test('monotone gates give exactly 2^b distinct adjacent-block means', async (tt) => {
  const K = 5;
  const q = sortedLevels(1 << K);
  for (let b = 1; b <= K; b++) {
    const gates = Array.from({ length: K }, (_, i) => (i < b ? 1 : 0));
    const full = applyGates(q, gates);
    const distinct = [...new Set(Array.from(full, (v) => v.toFixed(12)))];
    tt.equal(distinct.length, 1 << b, `${b} bits`);
    const merged = mergedLevels(q, b);
    const block = 1 << (K - b);
    for (let j = 0; j < merged.length; j++) {
      let mean = 0;
      for (let k = 0; k < block; k++) mean += q[j * block + k] / block;
      tt.ok(Math.abs(merged[j] - mean) < 1e-12);
      for (let k = 0; k < block; k++) tt.ok(Math.abs(full[j * block + k] - mean) < 1e-12);
    }
    for (let j = 1; j < merged.length; j++) tt.ok(merged[j] > merged[j - 1], 'sorted');
  }
});

t.test('hard gates are monotone: a closed gate closes all after it; gate 1 stays open', async (tt) => {
  tt.same(hardGates(Float64Array.from([1, 1, -1, 1])), [1, 1, 0, 0]);
  tt.same(hardGates(Float64Array.from([-5, -1, 1, 1])), [1, 0, 0, 0]);
  tt.same(hardGates(Float64Array.from([0, 0, 0])), [1, 1, 1], 'threshold t >= 0 is open');
});

t.test('nearest assignment: ties go up, ends clip', async (tt) => {
  const levels = Float64Array.from([-1, 0, 2]);
  const x = Float64Array.from([-5, -0.6, -0.5, -0.4, 0.99, 1, 1.01, 7, NaN]);
  const idx = new Int32Array(x.length);
  assignNearest(x, levels, idx);
  tt.same(Array.from(idx), [0, 0, 1, 1, 1, 2, 2, 2, 2]);
  // Against brute force on random data.
  const lv = sortedLevels(37);
  const xs = Float64Array.from({ length: 2000 }, () => 2 * rng.normal());
  const got = new Int32Array(xs.length);
  assignNearest(xs, lv, got);
  let ok = true;
  xs.forEach((v, i) => {
    for (let j = 0; j < lv.length; j++) if (Math.abs(v - lv[j]) < Math.abs(v - lv[got[i]]) - 1e-15) ok = false;
  });
  tt.ok(ok, 'never a strictly nearer level');
});

t.test('fast assignments equal the binary-search reference on awkward level sets', async (tt) => {
  const sets: Float64Array[] = [
    Float64Array.from({ length: 256 }, (_, i) => -1 + (2 * i) / 255), // uniform
    Float64Array.from({ length: 16 }, (_, i) => (i - 3) * 0.37), // a zero-anchored activation grid
    Float64Array.from([0, 1]), // one bit
    Float64Array.from([2.5]), // one level
    sortedLevels(256), // normal-ish spacing
    Float64Array.from([...Array.from({ length: 200 }, (_, i) => i * 1e-4), ...Array.from({ length: 56 }, (_, i) => 1 + i)]), // clustered
    Float64Array.from({ length: 16 }, (_, i) => i * i),
    Float64Array.from({ length: 5 }, (_, i) => i),
  ];
  for (const lv of sets) {
    const mids = Array.from({ length: lv.length - 1 }, (_, j) => (lv[j] + lv[j + 1]) / 2);
    const xs = Float64Array.from([
      ...Array.from({ length: 5000 }, () => lv[0] + (lv[lv.length - 1] - lv[0]) * (1.4 * rng.uniform() - 0.2)),
      ...mids, // exact ties go up
      ...mids.map((m) => m - 1e-12),
      NaN, Infinity, -Infinity, lv[0], lv[lv.length - 1],
    ]);
    const a = new Int32Array(xs.length);
    const b = new Int32Array(xs.length);
    const c = new Int32Array(xs.length);
    const values = new Float64Array(xs.length);
    assignNearest(xs, lv, a);
    assignNearestReference(xs, lv, b);
    quantizeEven(xs, lv, values, c);
    tt.same(Array.from(a), Array.from(b), `${lv.length} levels`);
    tt.same(Array.from(c), Array.from(b), `${lv.length} levels, even-spacing guess`);
    tt.same(Array.from(values), Array.from(c, (j) => lv[j]), `${lv.length} levels, even-spacing values`);
  }
});

t.test('levels from gaps are sorted; their backward matches finite differences', async (tt) => {
  tt.ok(Math.abs(softplus(softplusInverse(0.003)) - 0.003) < 1e-15);
  tt.ok(Math.abs(softplus(softplusInverse(40)) - 40) < 1e-12);
  const gaps = Float64Array.from({ length: 15 }, () => rng.normal());
  const q = levelsFromGaps(0.3, gaps);
  for (let i = 1; i < q.length; i++) tt.ok(q[i] > q[i - 1]);
  const w = Float64Array.from({ length: 16 }, () => rng.normal());
  const f = (first: number, g: Float64Array) => levelsFromGaps(first, g).reduce((s, v, i) => s + v * w[i], 0);
  const dGaps = new Float64Array(15);
  const dFirst = levelsFromGapsBackward(gaps, w, dGaps);
  const eps = 1e-6;
  tt.ok(Math.abs(dFirst - (f(0.3 + eps, gaps) - f(0.3 - eps, gaps)) / (2 * eps)) < 1e-7);
  for (let k = 0; k < 15; k++) {
    const p = Float64Array.from(gaps);
    const m = Float64Array.from(gaps);
    p[k] += eps;
    m[k] -= eps;
    tt.ok(Math.abs(dGaps[k] - (f(0.3, p) - f(0.3, m)) / (2 * eps)) < 1e-7, `gap ${k}`);
  }
});
