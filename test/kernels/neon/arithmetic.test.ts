// Arithmetic mirrors against BigInt definitions from the Arm pseudocode: widening and pairwise
// (SMULL/SMLAL and "2" forms with int16 wrap, SADDLP, SADALP, SSHLL, SADDW), fixed-point multiplies
// (SQRDMULH/SQDMULH, 16- and 32-bit, plus gemmlowp's scalar SaturatingRoundingDoublingHighMul as a
// second definition), and lane-wise ops (SQADD/SQSUB, SQXTN/SQXTUN, SMAX/SMIN/UMAX/UMIN, ADD/SUB/MUL/
// MLA/MLS, AND/ORR/EOR, DUP, ADDV).
import t from 'tap';
import { Rng } from '../../../src/tensor/rng';
import { smull, smull2 } from '../../../kernels/neon/smull';
import { smlal, smlal2 } from '../../../kernels/neon/smlal';
import { saddlp } from '../../../kernels/neon/saddlp';
import { sadalp } from '../../../kernels/neon/sadalp';
import { sshll, sshll2, saddw, saddw2 } from '../../../kernels/neon/widen';
import { Mismatches, randomLanes, wrapSigned, B, edgeValues, satSigned, satUnsigned } from './lanes-helper';
import { sqrdmulh } from '../../../kernels/neon/sqrdmulh';
import { sqdmulh } from '../../../kernels/neon/sqdmulh';
import { productShiftRight } from '../../../kernels/neon/product-shift-right';
import { sqadd } from '../../../kernels/neon/sqadd';
import { sqsub } from '../../../kernels/neon/sqsub';
import { sqxtn, sqxtn2 } from '../../../kernels/neon/sqxtn';
import { sqxtun, sqxtun2 } from '../../../kernels/neon/sqxtun';
import { smax, smin } from '../../../kernels/neon/smax';
import { umax, umin } from '../../../kernels/neon/umax';
import { add, sub } from '../../../kernels/neon/add';
import { mul, mla, mls, mulLane, mlaLane } from '../../../kernels/neon/mla';
import { and, orr, eor } from '../../../kernels/neon/bitwise';
import { dup, dupLane } from '../../../kernels/neon/dup';
import { addv } from '../../../kernels/neon/addv';

t.test('SMLAL: (-128)·(-128) twice in one int16 lane wraps to -32768 (the ruy/gemmlowp hazard)', async (t) => {
  const a = new Int8Array(16).fill(-128);
  const acc = smull(new Int16Array(8), a, a);
  t.same([...acc], new Array(8).fill(16384));
  smlal2(acc, a, a);
  t.same([...acc], new Array(8).fill(-32768));
  // SADALP drains the wrapped pairs into int32: -32768·2 per lane.
  t.same([...sadalp(new Int32Array(4), acc)], [-65536, -65536, -65536, -65536]);
});

t.test('low and high halves are taken from the right bytes', async (t) => {
  const n = Int8Array.from({ length: 16 }, (_, i) => i - 8);
  const m = Int8Array.from({ length: 16 }, (_, i) => 2 * i);
  t.same([...smull(new Int16Array(8), n, m)], [0, 1, 2, 3, 4, 5, 6, 7].map((i) => (i - 8) * 2 * i));
  t.same([...smull2(new Int16Array(8), n, m)], [8, 9, 10, 11, 12, 13, 14, 15].map((i) => (i - 8) * 2 * i));
  t.throws(() => saddlp(new Int16Array(8) as any, new Int16Array(8) as any), /twice as wide/);
});

t.test('seeded random lanes match the BigInt reference', async (t) => {
  const rng = new Rng(303);
  const mm = new Mismatches();
  for (let trial = 0; trial < 400; trial++) {
    const n8 = randomLanes<Int8Array>(rng, Int8Array);
    const m8 = randomLanes<Int8Array>(rng, Int8Array);
    const d16 = randomLanes<Int16Array>(rng, Int16Array);
    const n16 = randomLanes<Int16Array>(rng, Int16Array);
    const d32 = randomLanes<Int32Array>(rng, Int32Array);
    const idx8 = [...Array(8).keys()];
    const idx4 = [...Array(4).keys()];
    mm.check('smull', smull(new Int16Array(8), n8, m8), idx8.map((i) => n8[i] * m8[i]));
    mm.check('smull2', smull2(new Int16Array(8), n8, m8), idx8.map((i) => n8[8 + i] * m8[8 + i]));
    mm.check('smlal', smlal(d16.slice(), n8, m8), idx8.map((i) => wrapSigned(B(d16[i]) + B(n8[i]) * B(m8[i]), 16)));
    mm.check('smlal2', smlal2(d16.slice(), n8, m8), idx8.map((i) => wrapSigned(B(d16[i]) + B(n8[8 + i]) * B(m8[8 + i]), 16)));
    mm.check('saddlp.8h', saddlp(new Int16Array(8), n8), idx8.map((i) => n8[2 * i] + n8[2 * i + 1]));
    mm.check('saddlp.4s', saddlp(new Int32Array(4), n16), idx4.map((i) => n16[2 * i] + n16[2 * i + 1]));
    mm.check('sadalp.8h', sadalp(d16.slice(), n8), idx8.map((i) => wrapSigned(B(d16[i]) + B(n8[2 * i]) + B(n8[2 * i + 1]), 16)));
    mm.check('sadalp.4s', sadalp(d32.slice(), n16), idx4.map((i) => wrapSigned(B(d32[i]) + B(n16[2 * i]) + B(n16[2 * i + 1]), 32)));
    const s = trial % 16;
    mm.check('sshll', sshll(new Int32Array(4), n16, s), idx4.map((i) => Number(B(n16[i]) << B(s))));
    mm.check('sshll2', sshll2(new Int32Array(4), n16, s), idx4.map((i) => Number(B(n16[4 + i]) << B(s))));
    mm.check('sshll.8h', sshll(new Int16Array(8), n8, s % 8), idx8.map((i) => Number(B(n8[i]) << B(s % 8))));
    mm.check('saddw', saddw(new Int32Array(4), d32, n16), idx4.map((i) => wrapSigned(B(d32[i]) + B(n16[i]), 32)));
    mm.check('saddw2', saddw2(new Int32Array(4), d32, n16), idx4.map((i) => wrapSigned(B(d32[i]) + B(n16[4 + i]), 32)));
    mm.check('saddw.8h', saddw(new Int16Array(8), d16, n8), idx8.map((i) => wrapSigned(B(d16[i]) + B(n8[i]), 16)));
  }
  t.same(mm.failures, [], `${mm.count} random registers agree`);
});

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

type Signed = Int8Array | Int16Array | Int32Array;

t.test('saturation at the lane limits', async (t) => {
  const x = new Int16Array([32767, -32768, 100, -100, 0, 1, -1, 32000]);
  const y = new Int16Array([1, -1, 32767, -32767, 0, 32767, -32768, 1000]);
  t.same([...sqadd(new Int16Array(8), x, y)], [32767, -32768, 32767, -32768, 0, 32767, -32768, 32767]);
  t.same([...sqsub(new Int16Array(8), x, y)], [32766, -32767, -32667, 32667, 0, -32766, 32767, 31000]);
  t.same([...add(new Int16Array(8), x, y)], [-32768, 32767, -32669, 32669, 0, -32768, 32767, -32536], 'ADD wraps');
  t.same([...sqxtn(new Int8Array(16), x)], [127, -128, 100, -100, 0, 1, -1, 127, 0, 0, 0, 0, 0, 0, 0, 0]);
  t.same([...sqxtun(new Uint8Array(16), x)], [255, 0, 100, 0, 0, 1, 0, 255, 0, 0, 0, 0, 0, 0, 0, 0]);
  const keep = new Int8Array(16).fill(7);
  t.same([...sqxtn2(keep, x)], [7, 7, 7, 7, 7, 7, 7, 7, 127, -128, 100, -100, 0, 1, -1, 127], 'SQXTN2 keeps the low half');
  t.same([...sqxtn(new Int16Array(8), new Int32Array([2147483647, -2147483648, 32768, -32769]))], [32767, -32768, 32767, -32768, 0, 0, 0, 0]);
});

t.test('seeded random lanes match the BigInt reference', async (t) => {
  const rng = new Rng(606);
  const mm = new Mismatches();
  for (const ctor of [Int8Array, Int16Array, Int32Array] as const) {
    const bits = ctor.BYTES_PER_ELEMENT * 8;
    const lanes = 16 / ctor.BYTES_PER_ELEMENT;
    const uctor = bits === 8 ? Uint8Array : bits === 16 ? Uint16Array : Uint32Array;
    for (let i = 0; i < 300; i++) {
      const n = randomLanes<Signed>(rng, ctor);
      const m = randomLanes<Signed>(rng, ctor);
      const d = randomLanes<Signed>(rng, ctor);
      const un = randomLanes<Uint32Array>(rng, uctor as Uint32ArrayConstructor);
      const um = randomLanes<Uint32Array>(rng, uctor as Uint32ArrayConstructor);
      const ix = [...Array(lanes).keys()];
      const mk = () => new ctor(lanes) as Signed;
      mm.check(`sqadd.${bits}`, sqadd(mk(), n, m), ix.map((l) => satSigned(B(n[l]) + B(m[l]), bits)));
      mm.check(`sqsub.${bits}`, sqsub(mk(), n, m), ix.map((l) => satSigned(B(n[l]) - B(m[l]), bits)));
      mm.check(`add.${bits}`, add(mk(), n, m), ix.map((l) => wrapSigned(B(n[l]) + B(m[l]), bits)));
      mm.check(`sub.${bits}`, sub(mk(), n, m), ix.map((l) => wrapSigned(B(n[l]) - B(m[l]), bits)));
      mm.check(`mul.${bits}`, mul(mk(), n, m), ix.map((l) => wrapSigned(B(n[l]) * B(m[l]), bits)));
      mm.check(`mla.${bits}`, mla(d.slice() as Signed, n, m), ix.map((l) => wrapSigned(B(d[l]) + B(n[l]) * B(m[l]), bits)));
      mm.check(`mls.${bits}`, mls(d.slice() as Signed, n, m), ix.map((l) => wrapSigned(B(d[l]) - B(n[l]) * B(m[l]), bits)));
      if (bits !== 8) {
        const lane = i % lanes;
        mm.check(`mulLane.${bits}`, mulLane(mk() as Int16Array, n as Int16Array, m as Int16Array, lane), ix.map((l) => wrapSigned(B(n[l]) * B(m[lane]), bits)));
        mm.check(`mlaLane.${bits}`, mlaLane(d.slice() as Int16Array, n as Int16Array, m as Int16Array, lane), ix.map((l) => wrapSigned(B(d[l]) + B(n[l]) * B(m[lane]), bits)));
        mm.check(`dupLane.${bits}`, dupLane(mk(), n, lane), ix.map(() => n[lane]));
      }
      mm.check(`smax.${bits}`, smax(mk(), n, m), ix.map((l) => Math.max(n[l], m[l])));
      mm.check(`smin.${bits}`, smin(mk(), n, m), ix.map((l) => Math.min(n[l], m[l])));
      mm.check(`umax.${bits}`, umax(new uctor(lanes) as Uint32Array, un, um), ix.map((l) => Math.max(un[l], um[l])));
      mm.check(`umin.${bits}`, umin(new uctor(lanes) as Uint32Array, un, um), ix.map((l) => Math.min(un[l], um[l])));
      const mask = (1n << B(bits)) - 1n;
      const bit = (f: (a: bigint, b: bigint) => bigint) => ix.map((l) => wrapSigned(f(B(n[l]) & mask, B(m[l]) & mask), bits));
      mm.check(`and.${bits}`, and(mk(), n, m), bit((a, b) => a & b));
      mm.check(`orr.${bits}`, orr(mk(), n, m), bit((a, b) => a | b));
      mm.check(`eor.${bits}`, eor(mk(), n, m), bit((a, b) => a ^ b));
      mm.check(`dup.${bits}`, dup(mk(), n[0] * 3 + 1), ix.map(() => wrapSigned(B(n[0] * 3 + 1), bits)));
      mm.check(`addv.${bits}`, [addv(n)], [wrapSigned(ix.reduce((s, l) => s + B(n[l]), 0n), bits)]);
      if (bits > 8) {
        const narrow = bits === 16 ? Int8Array : Int16Array;
        const unarrow = bits === 16 ? Uint8Array : Uint16Array;
        const keep = randomLanes<Int16Array>(rng, narrow as Int16ArrayConstructor);
        const zeros = new Array(lanes).fill(0);
        mm.check(`sqxtn.${bits}`, sqxtn(keep.slice() as any, n as any), [...ix.map((l) => satSigned(B(n[l]), bits / 2)), ...zeros]);
        mm.check(`sqxtn2.${bits}`, sqxtn2(keep.slice() as any, n as any), [...keep.slice(0, lanes), ...ix.map((l) => satSigned(B(n[l]), bits / 2))]);
        mm.check(`sqxtun.${bits}`, sqxtun(new unarrow(2 * lanes) as any, n as any), [...ix.map((l) => satUnsigned(B(n[l]), bits / 2)), ...zeros]);
        const ukeep = new unarrow(keep.buffer.slice(0) as ArrayBuffer) as Uint16Array;
        mm.check(`sqxtun2.${bits}`, sqxtun2(ukeep.slice() as any, n as any), [...ukeep.slice(0, lanes), ...ix.map((l) => satUnsigned(B(n[l]), bits / 2))]);
      }
    }
  }
  t.same(mm.failures, [], `${mm.count} registers agree`);
});

t.test('aliasing the destination with a source is safe', async (t) => {
  const x = new Int32Array([2147483647, -5, 7, 0]);
  sqadd(x, x, x);
  t.same([...x], [2147483647, -10, 14, 0]);
});
