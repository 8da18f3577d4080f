// TBL/TBX mirrors: table lookups over 1..4 registers with the out-of-range rule (TBL writes 0,
// TBX keeps the destination byte), and the TBL + SUB 64 + TBX chain that reaches 256 entries.
import t from 'tap';
import { Rng } from '../../../src/tensor/rng';
import { tbl } from '../../../kernels/neon/tbl';
import { tbx } from '../../../kernels/neon/tbx';
import { sub } from '../../../kernels/neon/add';
import { dup } from '../../../kernels/neon/dup';
import { Mismatches, randomLanes } from './lanes-helper';

function tableOf(regs: number): Uint8Array[] {
  return Array.from({ length: regs }, (_, r) => Uint8Array.from({ length: 16 }, (_, i) => (r * 16 + i) * 3 + 1));
}

t.test('indices 15, 16, 0x7F, 0x80, 0xFF against one to four table registers', async (t) => {
  const idx = Uint8Array.from([15, 16, 0x7f, 0x80, 0xff, 0, 31, 32, 47, 48, 63, 64, 1, 17, 33, 49]);
  for (let regs = 1; regs <= 4; regs++) {
    const table = tableOf(regs);
    const flat = table.flatMap((r) => [...r]);
    const expected = [...idx].map((j) => (j < 16 * regs ? flat[j] : 0));
    t.same([...tbl(new Uint8Array(16), table, idx)], expected, `TBL with ${regs} register(s)`);
    const dest = Uint8Array.from({ length: 16 }, (_, i) => 200 + i);
    const kept = [...idx].map((j, i) => (j < 16 * regs ? flat[j] : 200 + i));
    t.same([...tbx(dest, table, idx)], kept, `TBX with ${regs} register(s) keeps the destination`);
  }
  t.throws(() => tbl(new Uint8Array(16), tableOf(5), idx), /1 to 4 registers, got 5/);
  t.throws(() => tbl(new Uint8Array(16), [], idx), /1 to 4 registers, got 0/);
});

t.test('int8 views: an index byte -1 is 0xFF (out of range); signed table values come through', async (t) => {
  const table = [Int8Array.from({ length: 16 }, (_, i) => i - 8)];
  const idx = Int8Array.from([-1, 0, 15, -128, 127, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  t.same([...tbl(new Int8Array(16), table, idx)], [0, -8, 7, 0, 0, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3]);
});

t.test('a 256-entry table: TBL on registers 0-3, then SUB 64 and TBX on each next group of four', async (t) => {
  const rng = new Rng(707);
  const levels = Int8Array.from({ length: 256 }, () => rng.int(-128, 128));
  const regs = Array.from({ length: 16 }, (_, r) => levels.slice(16 * r, 16 * r + 16));
  const mm = new Mismatches();
  const sixtyFour = dup(new Uint8Array(16), 64);
  for (let trial = 0; trial < 64; trial++) {
    const idx = randomLanes<Uint8Array>(rng, Uint8Array);
    if (trial < 16) for (let i = 0; i < 16; i++) idx[i] = trial * 16 + i; // every index once
    const out = tbl(new Int8Array(16), regs.slice(0, 4), idx);
    const j = idx.slice();
    for (let g = 1; g < 4; g++) {
      sub(j, j, sixtyFour);
      tbx(out, regs.slice(4 * g, 4 * g + 4), j);
    }
    mm.check(`indices ${[...idx]}`, out, [...idx].map((i) => levels[i]));
  }
  t.same(mm.failures, [], `${mm.count} lookups agree`);
});

t.test('seeded random tables and indices', async (t) => {
  const rng = new Rng(708);
  const mm = new Mismatches();
  for (let trial = 0; trial < 400; trial++) {
    const regs = 1 + (trial % 4);
    const table = Array.from({ length: regs }, () => randomLanes<Uint8Array>(rng, Uint8Array));
    const idx = Uint8Array.from({ length: 16 }, () => (rng.int(0, 2) ? rng.int(0, 16 * regs + 8) : rng.int(0, 256)));
    const dest = randomLanes<Uint8Array>(rng, Uint8Array);
    const at = (j: number) => (j < 16 * regs ? table[j >> 4][j & 15] : -1);
    mm.check('tbl', tbl(new Uint8Array(16), table, idx), [...idx].map((j) => (at(j) < 0 ? 0 : at(j))));
    mm.check('tbx', tbx(dest.slice(), table, idx), [...idx].map((j, i) => (at(j) < 0 ? dest[i] : at(j))));
  }
  t.same(mm.failures, [], `${mm.count} lookups agree`);
});
