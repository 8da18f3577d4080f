// UZP1/UZP2/ZIP1/ZIP2 mirrors at every arrangement (.16B to .2D), the SMMLA de-interleave they
// exist for, and LD1/ST1 bounds.
import t from 'tap';
import { uzp1, uzp2, zip1, zip2 } from '../../../kernels/neon/permute';
import { ld1, st1 } from '../../../kernels/neon/ld1';

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
