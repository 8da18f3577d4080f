// Widening and pairwise mirrors: SMULL/SMULL2, SMLAL/SMLAL2 (int16 lanes that wrap), SADDLP,
// SADALP, SSHLL/SSHLL2, SADDW/SADDW2, checked against BigInt formulas from the Arm pseudocode.
import t from 'tap';
import { Rng } from '../../../src/tensor/rng';
import { smull, smull2 } from '../../../kernels/neon/smull';
import { smlal, smlal2 } from '../../../kernels/neon/smlal';
import { saddlp } from '../../../kernels/neon/saddlp';
import { sadalp } from '../../../kernels/neon/sadalp';
import { sshll, sshll2, saddw, saddw2 } from '../../../kernels/neon/widen';
import { Mismatches, randomLanes, wrapSigned, B } from './lanes-helper';

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
