// TBL/TBX mirrors (1..4 table registers, out-of-range indices: TBL writes 0, TBX keeps the
// destination; the TBL + SUB 64 + TBX chain to 256 entries), UZP1/UZP2/ZIP1/ZIP2 at every
// arrangement, and LD1/ST1 bounds.
import t from 'tap';
import { Rng } from '../../../src/tensor/rng';
import { tbl } from '../../../kernels/neon/tbl';
import { tbx } from '../../../kernels/neon/tbx';
import { sub } from '../../../kernels/neon/add';
import { dup } from '../../../kernels/neon/dup';
import { Mismatches, randomLanes } from './lanes-helper';
import { uzp1, uzp2, zip1, zip2 } from '../../../kernels/neon/permute';
import { ld1, st1 } from '../../../kernels/neon/ld1';

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

/** Elements of `e` bytes of a register whose byte i holds `base + i`, as arrays of bytes. */
function elements(base: number, e: number): number[][] {
  return Array.from({ length: 16 / e }, (_, j) => Array.from({ length: e }, (_, b) => base + j * e + b));
}

t.test('UZP and ZIP at every element size match the definition on labelled bytes', async (t) => {
  const n = Uint8Array.from({ length: 16 }, (_, i) => i);
  const m = Uint8Array.from({ length: 16 }, (_, i) => 100 + i);
  for (const e of [1, 2, 4, 8]) {
    const cat = [...elements(0, e), ...elements(100, e)];
    const count = 16 / e;
    const half = count / 2;
    const even = cat.filter((_, j) => j % 2 === 0).flat();
    const odd = cat.filter((_, j) => j % 2 === 1).flat();
    const lowZip = Array.from({ length: count }, (_, j) => cat[(j & 1) * count + (j >> 1)]).flat();
    const highZip = Array.from({ length: count }, (_, j) => cat[(j & 1) * count + half + (j >> 1)]).flat();
    t.same([...uzp1(new Uint8Array(16), n, m, e)], even, `uzp1 .${e}`);
    t.same([...uzp2(new Uint8Array(16), n, m, e)], odd, `uzp2 .${e}`);
    t.same([...zip1(new Uint8Array(16), n, m, e)], lowZip, `zip1 .${e}`);
    t.same([...zip2(new Uint8Array(16), n, m, e)], highZip, `zip2 .${e}`);
  }
});

t.test('UZP1/UZP2 .2D turn two SMMLA 2x2 tiles into two rows', async (t) => {
  // acc01 = [c00, c01, c10, c11], acc23 = [c02, c03, c12, c13]
  const acc01 = new Int32Array([0, 1, 10, 11]);
  const acc23 = new Int32Array([2, 3, 12, 13]);
  t.same([...uzp1(new Int32Array(4), acc01, acc23, 8)], [0, 1, 2, 3]);
  t.same([...uzp2(new Int32Array(4), acc01, acc23, 8)], [10, 11, 12, 13]);
  // Destination aliasing a source still reads the original sources.
  const a = acc01.slice();
  uzp1(a, a, acc23, 8);
  t.same([...a], [0, 1, 2, 3]);
});

t.test('ZIP1/ZIP2 .16B of low and high bytes rebuild int16 lanes', async (t) => {
  const values = Int16Array.from([-512, -1, 0, 1, 255, 256, 508, -300, 7, -7, 100, -100, 32767, -32768, 42, -42]);
  const lo = Uint8Array.from(values, (v) => v & 0xff);
  const hi = Uint8Array.from(values, (v) => (v >> 8) & 0xff);
  const first = zip1(new Uint8Array(16), lo, hi);
  const second = zip2(new Uint8Array(16), lo, hi);
  t.same([...new Int16Array(first.buffer), ...new Int16Array(second.buffer)], [...values]);
});

t.test('LD1/ST1 copy lanes and refuse to run off the end', async (t) => {
  const mem = Int8Array.from({ length: 20 }, (_, i) => i - 10);
  const r = ld1(new Int8Array(16), mem, 4);
  t.same([...r], [...mem.slice(4, 20)]);
  t.throws(() => ld1(new Int8Array(16), mem, 5), /ld1: reading 16 lanes at offset 5 overruns memory of 20 elements/);
  const out = new Int32Array(6);
  st1(out, 3, new Int32Array([1, 2, 3, 4]), 3);
  t.same([...out], [0, 0, 0, 1, 2, 3]);
  t.throws(() => st1(out, 3, new Int32Array([1, 2, 3, 4])), /st1: writing 4 lanes at offset 3 overruns memory of 6 elements/);
});
