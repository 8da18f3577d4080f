// SMMLA/UMMLA/USMMLA mirrors against the Arm definition written with BigInt: Vn is 2x8 row-major,
// Vm is 8x2 stored as two 8-byte columns, Vd is the 2x2 result row-major, wrapping mod 2^32.
import t from 'tap';
import { Rng } from '../../../src/tensor/rng';
import { smmla } from '../../../kernels/neon/smmla';
import { ummla } from '../../../kernels/neon/ummla';
import { usmmla } from '../../../kernels/neon/usmmla';
import { Mismatches, randomLanes, wrapSigned, wrapUnsigned, B } from './lanes-helper';

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
