// Dot-product and matrix-multiply mirrors against the Arm pseudocode written with BigInt:
// SDOT/UDOT/USDOT/SUDOT add the 4-term dot product of each byte group to a 32-bit lane; SMMLA/UMMLA/
// USMMLA multiply a 2x8 Vn (row-major) by an 8x2 Vm (two 8-byte columns) into a 2x2 Vd, row-major.
// Everything wraps mod 2^32.
import t from 'tap';
import { Rng } from '../../../src/tensor/rng';
import { sdot, sdotLane } from '../../../kernels/neon/sdot';
import { udot, udotLane } from '../../../kernels/neon/udot';
import { usdot, usdotLane } from '../../../kernels/neon/usdot';
import { sudotLane } from '../../../kernels/neon/sudot-lane';
import { Mismatches, randomLanes, wrapSigned, wrapUnsigned, B } from './lanes-helper';
import { smmla } from '../../../kernels/neon/smmla';
import { ummla } from '../../../kernels/neon/ummla';
import { usmmla } from '../../../kernels/neon/usmmla';

type Bytes = Int8Array | Uint8Array;

/** Reference: d[i] + Σ_j n[4i+j]·m[4·(lane ?? i)+j], as BigInt. */
function dotRef(d: ArrayLike<number>, n: Bytes, m: Bytes, lane?: number): bigint[] {
  const out: bigint[] = [];
  for (let i = 0; i < 4; i++) {
    let s = B(d[i]);
    const g = lane === undefined ? i : lane;
    for (let j = 0; j < 4; j++) s += B(n[4 * i + j]) * B(m[4 * g + j]);
    out.push(s);
  }
  return out;
}

t.test('all -128 operands give +65536 per SDOT lane; all 255 give 260100 per UDOT lane', async (t) => {
  const a = new Int8Array(16).fill(-128);
  t.same([...sdot(new Int32Array(4), a, a)], [65536, 65536, 65536, 65536]);
  t.same([...sdotLane(new Int32Array(4), a, a, 3)], [65536, 65536, 65536, 65536]);
  const u = new Uint8Array(16).fill(255);
  t.same([...udot(new Uint32Array(4), u, u)], [260100, 260100, 260100, 260100]);
  // usdot: 255·(-128)·4
  t.same([...usdot(new Int32Array(4), u, a)], [-130560, -130560, -130560, -130560]);
  t.same([...sudotLane(new Int32Array(4), a, u, 0)], [-130560, -130560, -130560, -130560]);
});

t.test('accumulation wraps mod 2^32 instead of saturating', async (t) => {
  const a = new Int8Array(16).fill(-128);
  const acc = new Int32Array([2147483647 - 65535, 2147483647, -2147483648, 0]);
  const r = sdot(acc.slice(), a, a);
  t.same([...r], dotRef(acc, a, a).map((x) => wrapSigned(x, 32)));
  t.equal(r[0], -2147483648, 'INT32_MAX - 65535 + 65536 wraps to INT32_MIN');
  const u = new Uint8Array(16).fill(255);
  const uacc = new Uint32Array([4294967295, 4294967295 - 260099, 0, 1]);
  t.same([...udot(uacc.slice(), u, u)], dotRef(uacc, u, u).map((x) => wrapUnsigned(x, 32)));
});

t.test('by-element forms broadcast bytes 4*lane..4*lane+3 of m', async (t) => {
  const n = Int8Array.from({ length: 16 }, (_, i) => i + 1);
  const m = Int8Array.from({ length: 16 }, (_, i) => (i % 4 === 0 ? 10 ** (i >> 2 > 2 ? 2 : i >> 2) : 0));
  for (let lane = 0; lane < 4; lane++) {
    t.same([...sdotLane(new Int32Array(4), n, m, lane)], dotRef([0, 0, 0, 0], n, m, lane).map(Number));
  }
  t.throws(() => sdotLane(new Int32Array(4), n, m, 4), /lane must be an integer in \[0, 3\]/);
  t.throws(() => sdot(new Int32Array(3), n, m), /d has 3 lanes, need 4/);
});

t.test('seeded random lanes match the BigInt reference', async (t) => {
  const rng = new Rng(101);
  const mm = new Mismatches();
  for (let trial = 0; trial < 400; trial++) {
    const lane = trial % 4;
    const dS = randomLanes<Int32Array>(rng, Int32Array);
    const nS = randomLanes<Int8Array>(rng, Int8Array);
    const mS = randomLanes<Int8Array>(rng, Int8Array);
    const nU = randomLanes<Uint8Array>(rng, Uint8Array);
    const mU = randomLanes<Uint8Array>(rng, Uint8Array);
    const dU = randomLanes<Uint32Array>(rng, Uint32Array);
    const w32 = (xs: bigint[]) => xs.map((x) => wrapSigned(x, 32));
    const u32 = (xs: bigint[]) => xs.map((x) => wrapUnsigned(x, 32));
    mm.check('sdot', sdot(dS.slice(), nS, mS), w32(dotRef(dS, nS, mS)));
    mm.check('sdotLane', sdotLane(dS.slice(), nS, mS, lane), w32(dotRef(dS, nS, mS, lane)));
    mm.check('udot', udot(dU.slice(), nU, mU), u32(dotRef(dU, nU, mU)));
    mm.check('udotLane', udotLane(dU.slice(), nU, mU, lane), u32(dotRef(dU, nU, mU, lane)));
    mm.check('usdot', usdot(dS.slice(), nU, mS), w32(dotRef(dS, nU, mS)));
    mm.check('usdotLane', usdotLane(dS.slice(), nU, mS, lane), w32(dotRef(dS, nU, mS, lane)));
    mm.check('sudotLane', sudotLane(dS.slice(), nS, mU, lane), w32(dotRef(dS, nS, mU, lane)));
  }
  t.same(mm.failures, [], `${mm.count} random registers agree`);
});

function mmlaRef(d: ArrayLike<number>, n: ArrayLike<number>, m: ArrayLike<number>): bigint[] {
  // Build the matrices explicitly: N[r][k] = n[8r+k], M[k][c] = m[8c+k].
  const N = [0, 1].map((r) => Array.from({ length: 8 }, (_, k) => B(n[8 * r + k])));
  const M = Array.from({ length: 8 }, (_, k) => [0, 1].map((c) => B(m[8 * c + k])));
  const out: bigint[] = [];
  for (let r = 0; r < 2; r++) {
    for (let c = 0; c < 2; c++) {
      let s = B(d[2 * r + c]);
      for (let k = 0; k < 8; k++) s += N[r][k] * M[k][c];
      out.push(s);
    }
  }
  return out;
}

t.test('all -128 operands give +131072 per SMMLA element', async (t) => {
  const a = new Int8Array(16).fill(-128);
  t.same([...smmla(new Int32Array(4), a, a)], [131072, 131072, 131072, 131072]);
  const u = new Uint8Array(16).fill(255);
  t.same([...ummla(new Uint32Array(4), u, u)], [520200, 520200, 520200, 520200]);
  t.same([...usmmla(new Int32Array(4), u, a)], [-261120, -261120, -261120, -261120]);
});

t.test('layout: rows of n times columns of m land in [r0c0, r0c1, r1c0, r1c1]', async (t) => {
  // Row 0 of n is all 1, row 1 all 2; column 0 of m is all 1, column 1 all 10.
  const n = Int8Array.from({ length: 16 }, (_, i) => (i < 8 ? 1 : 2));
  const m = Int8Array.from({ length: 16 }, (_, i) => (i < 8 ? 1 : 10));
  t.same([...smmla(new Int32Array([1, 2, 3, 4]), n, m)], [1 + 8, 2 + 80, 3 + 16, 4 + 160]);
});

t.test('accumulators wrap mod 2^32', async (t) => {
  const a = new Int8Array(16).fill(-128);
  const acc = new Int32Array([2147483647, 2147483647 - 131071, -2147483648, -1]);
  t.same([...smmla(acc.slice(), a, a)], mmlaRef(acc, a, a).map((x) => wrapSigned(x, 32)));
  t.equal(smmla(acc.slice(), a, a)[1], -2147483648);
});

t.test('seeded random lanes match the BigInt reference', async (t) => {
  const rng = new Rng(202);
  const mm = new Mismatches();
  for (let trial = 0; trial < 500; trial++) {
    const dS = randomLanes<Int32Array>(rng, Int32Array);
    const dU = randomLanes<Uint32Array>(rng, Uint32Array);
    const nS = randomLanes<Int8Array>(rng, Int8Array);
    const mS = randomLanes<Int8Array>(rng, Int8Array);
    const nU = randomLanes<Uint8Array>(rng, Uint8Array);
    const mU = randomLanes<Uint8Array>(rng, Uint8Array);
    mm.check('smmla', smmla(dS.slice(), nS, mS), mmlaRef(dS, nS, mS).map((x) => wrapSigned(x, 32)));
    mm.check('ummla', ummla(dU.slice(), nU, mU), mmlaRef(dU, nU, mU).map((x) => wrapUnsigned(x, 32)));
    mm.check('usmmla', usmmla(dS.slice(), nU, mS), mmlaRef(dS, nU, mS).map((x) => wrapSigned(x, 32)));
  }
  t.same(mm.failures, [], `${mm.count} random registers agree`);
});
