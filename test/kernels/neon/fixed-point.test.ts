// SQRDMULH/SQDMULH mirrors (16- and 32-bit lanes) against sat((2ab [+ 2^(e-1)]) >> e) in BigInt,
// plus gemmlowp's scalar SaturatingRoundingDoublingHighMul (nudge, truncating divide) as a second,
// independently written definition that must agree with SQRDMULH everywhere.
import t from 'tap';
import { Rng } from '../../../src/tensor/rng';
import { sqrdmulh } from '../../../kernels/neon/sqrdmulh';
import { sqdmulh } from '../../../kernels/neon/sqdmulh';
import { productShiftRight } from '../../../kernels/neon/product-shift-right';
import { Mismatches, edgeValues, randomLanes, satSigned, B } from './lanes-helper';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

function doublingHighRef(a: number, b: number, bits: number, rounding: boolean): number {
  const e = BigInt(bits);
  return satSigned((2n * B(a) * B(b) + (rounding ? 1n << (e - 1n) : 0n)) >> e, bits);
}

/** gemmlowp's scalar formula: nudge by ±2^30, divide by 2^31 truncating toward zero. */
function gemmlowpSrdhm(a: number, b: number): number {
  if (a === b && a === INT32_MIN) return INT32_MAX;
  const ab = B(a) * B(b);
  const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
  return Number((ab + nudge) / (1n << 31n)); // BigInt division truncates toward zero, like C
}

t.test('INT32_MIN x INT32_MIN saturates to INT32_MAX; the 16-bit MIN x MIN to 32767', async (t) => {
  const min32 = new Int32Array(4).fill(INT32_MIN);
  t.same([...sqrdmulh(new Int32Array(4), min32, min32)], [INT32_MAX, INT32_MAX, INT32_MAX, INT32_MAX]);
  t.same([...sqdmulh(new Int32Array(4), min32, min32)], [INT32_MAX, INT32_MAX, INT32_MAX, INT32_MAX]);
  const min16 = new Int16Array(8).fill(-32768);
  t.same([...sqrdmulh(new Int16Array(8), min16, min16)], new Array(8).fill(32767));
  // One step away from MIN x MIN does not saturate.
  const r = sqrdmulh(new Int32Array(4), new Int32Array([INT32_MIN, INT32_MIN + 1, INT32_MAX, -1]), new Int32Array([INT32_MIN + 1, INT32_MIN, INT32_MAX, INT32_MIN]));
  t.same([...r], [INT32_MAX, INT32_MAX, INT32_MAX - 1, 1]);
});

t.test('rounding ties go toward +inf', async (t) => {
  // a·b = ±2^30 is exactly half of 2^31: SQRDMULH gives +1 and 0; SQDMULH floors to 0 and -1.
  const a = new Int32Array([1 << 15, -(1 << 15), 3 << 14, -(3 << 14)]);
  const b = new Int32Array([1 << 15, 1 << 15, 1 << 16, 1 << 16]);
  t.same([...sqrdmulh(new Int32Array(4), a, b)], [1, 0, 2, -1]);
  t.same([...sqdmulh(new Int32Array(4), a, b)], [0, -1, 1, -2]);
});

t.test('edge-value grid and seeded random lanes match the BigInt definitions', async (t) => {
  const mm = new Mismatches();
  for (const bits of [16, 32]) {
    const ctor = bits === 16 ? Int16Array : Int32Array;
    const lanes = 128 / bits;
    const edges = edgeValues(bits, true);
    const pairs: [number, number][] = [];
    for (const a of edges) for (const b of edges) pairs.push([a, b]);
    const rng = new Rng(404 + bits);
    for (let i = 0; i < 4000; i++) {
      const x = randomLanes<Int32Array>(rng, ctor as Int32ArrayConstructor, lanes);
      const y = randomLanes<Int32Array>(rng, ctor as Int32ArrayConstructor, lanes);
      for (let l = 0; l < lanes; l++) pairs.push([x[l], y[l]]);
    }
    for (let p = 0; p + lanes <= pairs.length; p += lanes) {
      const n = ctor.from(pairs.slice(p, p + lanes).map((q) => q[0])) as Int32Array;
      const m = ctor.from(pairs.slice(p, p + lanes).map((q) => q[1])) as Int32Array;
      const exp = [...n].map((a, l) => doublingHighRef(a, m[l], bits, true));
      mm.check(`sqrdmulh.${bits}`, sqrdmulh(new ctor(lanes) as Int32Array, n, m), exp);
      mm.check(`sqdmulh.${bits}`, sqdmulh(new ctor(lanes) as Int32Array, n, m), [...n].map((a, l) => doublingHighRef(a, m[l], bits, false)));
      if (bits === 32) mm.check('gemmlowp SRDHM', exp, [...n].map((a, l) => gemmlowpSrdhm(a, m[l])));
    }
  }
  t.same(mm.failures, [], `${mm.count} registers agree`);
});

t.test('productShiftRight is exact for every shift in [1, 62] while the result is below 2^53', async (t) => {
  const rng = new Rng(405);
  const mm = new Mismatches();
  const edges = edgeValues(32, true);
  for (let i = 0; i < 3000; i++) {
    const a = i < 500 ? edges[i % edges.length] : rng.nextUint32() | 0;
    const b = i < 500 ? edges[(i * 7) % edges.length] : rng.nextUint32() | 0;
    const s = 1 + (i % 62);
    const x = s < 17 && i % 3 !== 0 ? a >> 12 : a; // small shifts need small products to stay below 2^53
    for (const rounding of [false, true]) {
      const exp = (B(x) * B(b) + (rounding ? 1n << B(s - 1) : 0n)) >> B(s);
      if (exp >= 1n << 53n || exp <= -(1n << 53n)) continue;
      mm.check(`(${x}*${b}) >> ${s}`, [productShiftRight(x, b, s, rounding)], [Number(exp)]);
    }
  }
  t.same(mm.failures, [], `${mm.count} products agree`);
});
