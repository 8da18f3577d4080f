// Lloyd-Max levels and DDQ levels fitted to data: the fit is a fixed point of Lloyd's algorithm
// (each level is the mean of the values nearest to it), matches the textbook Gaussian levels,
// beats the uniform starting grid, and the full-resolution levels built around it merge back to
// exactly those levels.
import t from 'tap';
import { Rng } from '../../src/index';
import { lloydMaxLevels } from '../../src/quant/lloyd-max';
import { fineLevelsWithBlockMeans, mergedLevels } from '../../src/quant/ddq-levels';
import { DdqQuantizer } from '../../src/quant/ddq';

/** Mean squared distance from each value to its nearest level. */
function distortion(values: Float64Array, levels: Float64Array): number {
  let s = 0;
  for (const v of values) {
    let best = Infinity;
    for (const q of levels) best = Math.min(best, (v - q) ** 2);
    s += best;
  }
  return s / values.length;
}

t.test('lloydMaxLevels: separated clusters give their means', async (tt) => {
  tt.same(Array.from(lloydMaxLevels(Float64Array.from([10, 0, 1, 0, 10, 1, 2]), 3)), [0, 4 / 3, 10]);
  tt.same(Array.from(lloydMaxLevels(Float64Array.from([5]), 1)), [5]);
  tt.same(Array.from(lloydMaxLevels(Float64Array.from([-1, 3]), 1)), [1]);
});

t.test('lloydMaxLevels: a fixed point of Lloyd, sorted, and no worse than where it started', async (tt) => {
  const rng = new Rng(11);
  for (let trial = 0; trial < 40; trial++) {
    const n = [1, 2, 3, 7, 31, 100, 997][trial % 7];
    const count = 1 << (trial % 5);
    const values = Float64Array.from({ length: n }, () => (trial % 2 ? rng.normal() : rng.uniform() ** 3 - 0.2));
    const levels = lloydMaxLevels(values, count);
    const bad: string[] = [];
    for (let j = 1; j < count; j++) if (!(levels[j] >= levels[j - 1])) bad.push(`levels ${j - 1}, ${j} out of order`);
    // Each level is the mean of the values whose nearest level it is (ties to the upper level).
    const sums = new Float64Array(count);
    const counts = new Float64Array(count);
    for (const v of values) {
      let j = 0;
      while (j < count - 1 && v >= (levels[j] + levels[j + 1]) / 2) j++;
      sums[j] += v;
      counts[j]++;
    }
    for (let j = 0; j < count; j++) if (counts[j] > 0 && Math.abs(sums[j] / counts[j] - levels[j]) > 1e-12) bad.push(`level ${j} is not its cell's mean`);
    // Lloyd never increases the distortion, so it ends no worse than its start: the means of
    // equal-population cells of the sorted values.
    const sorted = Float64Array.from(values).sort();
    const start = Float64Array.from({ length: count }, (_, j) => {
      const a = Math.min(Math.floor((j * n) / count), n - 1);
      const b = Math.min(Math.max(a + 1, Math.floor(((j + 1) * n) / count)), n);
      return sorted.subarray(a, b).reduce((s, v) => s + v, 0) / (b - a);
    });
    if (distortion(values, levels) > distortion(values, start) + 1e-15) bad.push('worse than its starting levels');
    tt.same(bad, [], `${n} values, ${count} levels`);
  }
});

t.test('lloydMaxLevels: the Gaussian 2-bit levels (±0.4528, ±1.510 standard deviations)', async (tt) => {
  const rng = new Rng(5);
  const values = Float64Array.from({ length: 200000 }, () => rng.normal());
  const levels = lloydMaxLevels(values, 4);
  const expected = [-1.510, -0.4528, 0.4528, 1.510];
  for (let j = 0; j < 4; j++) tt.ok(Math.abs(levels[j] - expected[j]) < 0.02, `level ${j}: ${levels[j]} vs ${expected[j]}`);
});

t.test('lloydMaxLevels: rejects a bad count or no data', async (tt) => {
  tt.throws(() => lloydMaxLevels(Float64Array.from([1]), 0), /count must be a positive integer/);
  tt.throws(() => lloydMaxLevels(new Float64Array(0), 2), /no values/);
});

t.test('fineLevelsWithBlockMeans: strictly increasing, merging back to the given levels', async (tt) => {
  const rng = new Rng(8);
  for (let K = 1; K <= 8; K++) {
    for (let bits = 1; bits <= K; bits++) {
      const merged = Float64Array.from({ length: 1 << bits }, () => rng.normal()).sort();
      if (bits >= 2) merged[1] = merged[0]; // equal levels must still come out increasing...
      const fine = fineLevelsWithBlockMeans(merged, 1 << K);
      if (bits >= 2) merged[1] += Math.max(merged[merged.length - 1] - merged[0], Math.abs(merged[0])) * 1e-6; // ...one tiny step apart
      const bad: string[] = [];
      for (let i = 1; i < fine.length; i++) if (!(fine[i] > fine[i - 1])) bad.push(`fine levels ${i - 1}, ${i} not increasing`);
      const back = mergedLevels(fine, bits);
      for (let j = 0; j < merged.length; j++) if (Math.abs(back[j] - merged[j]) > 1e-9 * (1 + Math.abs(merged[j]))) bad.push(`merged level ${j}: ${back[j]} vs ${merged[j]}`);
      tt.same(bad, [], `K ${K}, ${bits} bits`);
    }
  }
  tt.throws(() => fineLevelsWithBlockMeans(Float64Array.from([0, 1, 2]), 8), /do not split/);
});

t.test('DdqQuantizer: a weight quantizer starting below full resolution starts at the Lloyd-Max levels', async (tt) => {
  const rng = new Rng(2);
  const w = Float64Array.from({ length: 3 * 50 }, () => rng.normal() * 0.1);
  for (const perChannel of [false, true]) {
    const q = new DdqQuantizer({ kind: 'weight', maxBits: 6, initBits: 2, learnBits: false, perChannel, groups: 3, int8Levels: false });
    q.initFromData(w);
    tt.ok(q.isInitialized());
    const groups = perChannel ? 3 : 1;
    const per = w.length / groups;
    for (let g = 0; g < groups; g++) {
      const want = lloydMaxLevels(w.subarray(g * per, (g + 1) * per), 4);
      const got = q.mergedLevels(g);
      tt.ok(got.every((v, j) => Math.abs(v - want[j]) < 1e-12), `group ${g} of ${groups}: ${Array.from(got)} vs ${Array.from(want)}`);
    }
  }
  const full = new DdqQuantizer({ kind: 'weight', maxBits: 4, int8Levels: false });
  full.initFromData(Float64Array.from([-1, 0.5, 0.25]));
  const lv = full.levels();
  tt.same([lv[0], lv[15]].map((v) => +v.toFixed(12)), [-1, 1], 'full resolution keeps the uniform grid on ±max|w|');
  const merging = new DdqQuantizer({ kind: 'activation', maxBits: 4, initBits: 2 });
  tt.throws(() => merging.fitLevels(Float64Array.from([1, 2])), /only without merging/);
});
