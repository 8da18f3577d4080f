// The fused straight-through gradient and per-level sums against the two separate passes
// (bit for bit), and the four-lane level sums against a plain single sum (to rounding).
import t from 'tap';
import { Rng } from '../../src/tensor/rng';
import { levelSums, straightThrough, straightThroughWithLevelSums } from '../../src/quant/level-sums';

const rng = new Rng(43);
const LENGTHS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 31, 97, 256, 1021, 4099];

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
