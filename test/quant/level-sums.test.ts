// The fused straight-through gradient and per-level sums against the two separate passes
// (bit for bit), and the four-lane level sums against a plain single sum (to rounding).
import t from 'tap';
import { Rng } from '../../src/tensor/rng';
import { levelSums, levelSumsReference, straightThrough, straightThroughWithLevelSums } from '../../src/quant/level-sums';

const rng = new Rng(43);
const LENGTHS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 15, 16, 17, 31, 32, 33, 97, 256, 1021, 4099];

function data(length: number, levels: number, wide: boolean) {
  const x = wide ? new Float64Array(length) : new Float32Array(length);
  const g = wide ? new Float64Array(length) : new Float32Array(length);
  const code = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const r = rng.uniform();
    x[i] = r < 0.3 ? 0 : r < 0.33 ? [NaN, -1, 7][rng.int(0, 3)] : 6 * rng.uniform();
    g[i] = rng.normal();
    code[i] = r < 0.3 ? 0 : rng.int(0, levels);
  }
  return { x, g, code };
}

t.test('one pass equals straightThrough + levelSums exactly, for any range of elements', async (tt) => {
  for (const levels of [1, 2, 16, 256]) {
    for (const length of LENGTHS) {
      for (const wide of [false, true]) {
        const { x, g, code } = data(length, levels, wide);
        // A sub-range too (a channel group): lanes count from its start.
        for (const [begin, end] of [[0, length], [Math.floor(length / 3), length - Math.floor(length / 5)]]) {
          const dxA = wide ? new Float64Array(length) : new Float32Array(length);
          const dxB = wide ? new Float64Array(length) : new Float32Array(length);
          dxA.fill(-3);
          dxB.fill(-3);
          const sumsA = straightThroughWithLevelSums(x, g, code, 0, 6, dxA, begin, end, levels);
          straightThrough(x, g, 0, 6, dxB, begin, end);
          const sumsB = levelSums(code, g, begin, end, levels);
          const what = `${levels} levels, [${begin}, ${end}) of ${length}, ${wide ? 'f64' : 'f32'}`;
          tt.same(Array.from(dxA), Array.from(dxB), `dx: ${what}`);
          tt.same(Array.from(sumsA), Array.from(sumsB), `sums: ${what}`);
        }
      }
    }
  }
});

t.test('straightThrough passes g inside [lo, hi] only; level sums match a plain sum', async (tt) => {
  const { x, g, code } = data(1021, 16, true);
  const dx = new Float64Array(x.length);
  straightThrough(x, g, 0, 6, dx, 0, x.length);
  for (let i = 0; i < x.length; i++) {
    if (x[i] >= 0 && x[i] <= 6) tt.equal(dx[i], g[i]);
    else tt.equal(dx[i], 0);
  }
  const sums = levelSums(code, g, 0, x.length, 16);
  const plain = new Float64Array(16);
  for (let i = 0; i < x.length; i++) plain[code[i]] += g[i];
  for (let j = 0; j < 16; j++) tt.ok(Math.abs(sums[j] - plain[j]) < 1e-10, `level ${j}`);
});

t.test('levelSums (unrolled) equals its four-lane reference bit for bit, for any range of elements', async (tt) => {
  for (const levels of [1, 2, 3, 16, 256]) {
    for (const length of LENGTHS) {
      for (const wide of [false, true]) {
        const { g, code } = data(length, levels, wide);
        // Every start and end near both edges: lanes and the tail count from begin.
        const ranges = [[0, length], [Math.floor(length / 3), length - Math.floor(length / 5)]];
        for (let b = 0; b < Math.min(length, 5); b++) ranges.push([b, length - (b % 3)]);
        for (const [begin, end] of ranges) {
          if (end < begin) continue;
          const a = levelSums(code, g, begin, end, levels);
          const r = levelSumsReference(code, g, begin, end, levels);
          // Object.is: -0 and NaN must match too.
          tt.ok(Array.from(a).every((v, j) => Object.is(v, r[j])), `${levels} levels, [${begin}, ${end}) of ${length}, ${wide ? 'f64' : 'f32'}`);
        }
      }
    }
  }
  // Uint16 and Int32 codes (more than 256 levels, other callers), and non-finite gradients.
  const g = Float32Array.from({ length: 1037 }, (_, i) => (i % 97 === 5 ? [NaN, Infinity, -Infinity, -0][i % 4] : rng.normal()));
  for (const code of [Uint16Array.from(g, () => rng.int(0, 4096)), Int32Array.from(g, () => rng.int(0, 4096))]) {
    const a = levelSums(code, g, 3, g.length, 4096);
    const r = levelSumsReference(code, g, 3, g.length, 4096);
    tt.ok(Array.from(a).every((v, j) => Object.is(v, r[j])), `${code.constructor.name} codes`);
  }
});
