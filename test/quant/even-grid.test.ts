// The fused code-and-value forward for evenly spaced levels against its plain reference
// (binary search, then a gather), on many lengths and level sets, float32 and float64 inputs.
import t from 'tap';
import { Rng } from '../../src/tensor/rng';
import { quantizeEven, quantizeEvenReference } from '../../src/quant/even-grid';

const rng = new Rng(41);
const LENGTHS = [1, 2, 3, 4, 5, 7, 13, 31, 64, 97, 255, 256, 257, 1021, 4099];

/** Zero-anchored grids as DDQ builds them, plus uneven ones (the check must still be exact). */
function levelSets(): Float64Array[] {
  const step = 0.0173;
  return [
    Float64Array.from({ length: 256 }, (_, i) => i * step), // unsigned 8-bit
    Float64Array.from({ length: 256 }, (_, i) => (i - 128) * step), // signed 8-bit
    Float64Array.from({ length: 16 }, (_, i) => (i - 3) * 0.37),
    Float64Array.from({ length: 4 }, (_, j) => (j * 4 + 1.5) * 0.1), // merged blocks of 4
    Float64Array.from([0, 1]),
    Float64Array.from([2.5]), // one level
    Float64Array.from([1, 1, 1]), // degenerate spacing
    Float64Array.from({ length: 64 }, () => rng.normal()).sort(), // uneven
    Float64Array.from({ length: 32 }, (_, i) => (i + 0.01 * (rng.uniform() - 0.5)) * 0.25), // slightly uneven: the margin matters
    Float64Array.from({ length: 4096 }, (_, i) => (i - 2048) * 0.001), // 12 bits: the largest grid
    Float64Array.from({ length: 256 }, (_, i) => (i - 7) * 3e-30), // tiny and huge scales (the in-range path's t)
    Float64Array.from({ length: 64 }, (_, i) => i * 1e20),
  ];
}

function inputs(lv: Float64Array, length: number, wide: boolean): Float32Array | Float64Array {
  const lo = lv[0];
  const span = lv[lv.length - 1] - lo || 1;
  const x = wide ? new Float64Array(length) : new Float32Array(length);
  const mids = Array.from({ length: lv.length - 1 }, (_, j) => (lv[j] + lv[j + 1]) / 2);
  for (let i = 0; i < length; i++) {
    const r = rng.uniform();
    if (r < 0.3) x[i] = 0; // the zeros after a ReLU
    else if (r < 0.4 && mids.length > 0) x[i] = mids[rng.int(0, mids.length)]; // ties
    else if (r < 0.5 && mids.length > 0) x[i] = mids[rng.int(0, mids.length)] + span * 1e-5 * (rng.uniform() - 0.5); // near ties
    else if (r < 0.52) x[i] = [NaN, Infinity, -Infinity, lo, lo + span, 1e30, -1e30, lo + 3 * span][rng.int(0, 8)];
    else x[i] = lo + span * (1.4 * rng.uniform() - 0.2);
  }
  return x;
}

t.test('quantizeEven gives the reference codes and values, bit for bit', async (tt) => {
  let cases = 0;
  for (const lv of levelSets()) {
    for (const length of LENGTHS) {
      for (const wide of [false, true]) {
        const x = inputs(lv, length, wide);
        // Codes as DDQ stores them: bytes up to 256 levels, else 16 bits.
        const codeA = lv.length <= 256 ? new Uint8Array(length) : new Uint16Array(length);
        const codeB = lv.length <= 256 ? new Uint8Array(length) : new Uint16Array(length);
        const outA = wide ? new Float64Array(length) : new Float32Array(length);
        const outB = wide ? new Float64Array(length) : new Float32Array(length);
        // A short list too: the count goes on past it.
        const cap = rng.uniform() < 0.5 ? length : rng.int(0, 4);
        const listA = new Int32Array(cap).fill(-7);
        const listB = new Int32Array(cap).fill(-7);
        const countA = quantizeEven(x, lv, outA, codeA, listA);
        const countB = quantizeEvenReference(x, lv, outB, codeB, listB);
        const what = `${lv.length} levels, length ${length}, ${wide ? 'f64' : 'f32'}`;
        tt.same(Array.from(codeA), Array.from(codeB), `codes: ${what}`);
        tt.same(Array.from(outA), Array.from(outB), `values: ${what}`);
        tt.equal(countA, countB, `outside count: ${what}`);
        tt.same(Array.from(listA), Array.from(listB), `outside list: ${what}`);
        cases++;
      }
    }
  }
  tt.ok(cases > 200);
});

t.test('the reference lists exactly the elements outside the level range', async (tt) => {
  const lv = Float64Array.from([0, 1, 2]);
  const x = Float64Array.from([0, -0.1, 2, 2.5, NaN, 1, -Infinity]);
  const list = new Int32Array(10).fill(-1);
  tt.equal(quantizeEvenReference(x, lv, new Float64Array(x.length), new Int32Array(x.length), list), 4);
  tt.same(Array.from(list.subarray(0, 4)), [1, 3, 4, 6]);
});

t.test('the reference really picks a nearest level (so the comparison can fail)', async (tt) => {
  const lv = levelSets()[2];
  const x = inputs(lv, 2000, true);
  const code = new Int32Array(x.length);
  const out = new Float64Array(x.length);
  quantizeEvenReference(x, lv, out, code);
  let bad = 0;
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) continue;
    for (const l of lv) if (Math.abs(x[i] - l) < Math.abs(x[i] - out[i]) - 1e-12) bad++; // (midpoint ties: rounding)
  }
  tt.equal(bad, 0);
});

t.test('quantizeEven on long runs inside the range, with one special value at each position of a quad and in the tail', async (tt) => {
  // Nearly every quad of four takes the in-range path here; each special value (outside, NaN,
  // an exact tie, an end level) sends its quad, or the last n mod 4 elements, through the general one.
  let cases = 0;
  for (const lv of levelSets()) {
    const lo = lv[0];
    const span = lv[lv.length - 1] - lo || 1;
    const specials = [NaN, lo - span, lo + 2 * span, lo, lo + span, Infinity, -Infinity];
    if (lv.length > 1) specials.push((lv[0] + lv[1]) / 2, (lv[lv.length - 2] + lv[lv.length - 1]) / 2);
    for (const length of [1, 2, 3, 4, 5, 7, 8, 11, 16, 17, 61, 64, 67]) {
      for (const wide of [false, true]) {
        for (let at = -1; at < Math.min(length, 9); at++) {
          const x = wide ? new Float64Array(length) : new Float32Array(length);
          for (let i = 0; i < length; i++) x[i] = lo + span * rng.uniform();
          if (at >= 0) {
            x[at] = specials[rng.int(0, specials.length)];
            x[length - 1 - at] = specials[rng.int(0, specials.length)];
          }
          const codeA = lv.length <= 256 ? new Uint8Array(length) : new Uint16Array(length);
          const codeB = lv.length <= 256 ? new Uint8Array(length) : new Uint16Array(length);
          const outA = wide ? new Float64Array(length) : new Float32Array(length);
          const outB = wide ? new Float64Array(length) : new Float32Array(length);
          const listA = new Int32Array(3).fill(-7);
          const listB = new Int32Array(3).fill(-7);
          const countA = quantizeEven(x, lv, outA, codeA, listA);
          const countB = quantizeEvenReference(x, lv, outB, codeB, listB);
          const what = `${lv.length} levels, length ${length}, special at ${at}, ${wide ? 'f64' : 'f32'}`;
          tt.ok(Array.from(codeA).every((c, i) => c === codeB[i]), `codes: ${what}`);
          tt.ok(Array.from(outA).every((v, i) => Object.is(v, outB[i])), `values: ${what}`);
          tt.equal(countA, countB, `outside count: ${what}`);
          tt.same(Array.from(listA), Array.from(listB), `outside list: ${what}`);
          cases++;
        }
      }
    }
  }
  tt.ok(cases > 1000);
});
