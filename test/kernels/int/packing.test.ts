// Storage formats: round trips for int8, int4 (every pairing distance), int2 and 1..8-bit
// indices, the documented byte layouts checked on hand-built examples, the ^0x88 offset-binary
// convention, and validation errors.
import t from 'tap';
import { Rng } from '../../../src/tensor/rng';
import { packInt8, unpackInt8 } from '../../../kernels/int/pack-int8';
import { packInt4, unpackInt4, int4OffsetBinaryToSigned, int4RowBytes } from '../../../kernels/int/pack-int4';
import { packInt2, unpackInt2, int2RowBytes } from '../../../kernels/int/pack-int2';
import { packIndices, unpackIndices } from '../../../kernels/int/pack-indices';

function randomInts(rng: Rng, count: number, lo: number, hi: number): number[] {
  return Array.from({ length: count }, () => rng.int(lo, hi + 1));
}

t.test('round trips for every width, many shapes', async (t) => {
  const rng = new Rng(21);
  const bad: string[] = [];
  for (const [rows, cols] of [[1, 1], [3, 7], [2, 16], [5, 31], [4, 32], [3, 33], [2, 65], [1, 200]]) {
    const v8 = randomInts(rng, rows * cols, -128, 127);
    if (String([...unpackInt8(packInt8(v8, rows, cols))]) !== String(v8)) bad.push(`int8 ${rows}x${cols}`);
    const v4 = randomInts(rng, rows * cols, -8, 7);
    for (const d of [1, 2, 4, 8, 16, 32]) {
      const p = packInt4(v4, rows, cols, d);
      if (p.data.length !== rows * int4RowBytes(cols, d)) bad.push(`int4 size ${rows}x${cols} d=${d}`);
      if (String([...unpackInt4(p)]) !== String(v4)) bad.push(`int4 ${rows}x${cols} d=${d}`);
    }
    const v2 = randomInts(rng, rows * cols, -2, 1);
    for (const d of [1, 4, 16]) {
      const p = packInt2(v2, rows, cols, d);
      if (p.data.length !== rows * int2RowBytes(cols, d)) bad.push(`int2 size ${rows}x${cols} d=${d}`);
      if (String([...unpackInt2(p)]) !== String(v2)) bad.push(`int2 ${rows}x${cols} d=${d}`);
    }
    for (let bits = 1; bits <= 8; bits++) {
      const vi = randomInts(rng, rows * cols, 0, 2 ** bits - 1);
      const p = packIndices(vi, rows, cols, bits);
      if (p.data.length !== rows * Math.ceil((cols * bits) / 8)) bad.push(`indices size ${rows}x${cols} b=${bits}`);
      if (String([...unpackIndices(p)]) !== String(vi)) bad.push(`indices ${rows}x${cols} b=${bits}`);
    }
  }
  t.same(bad, []);
});

t.test('int4 layout: low nibble k, high nibble k + d, two\'s complement; padding is zero', async (t) => {
  // One row, 40 values, d = 16: chunk 0 holds k 0..31, chunk 1 holds k 32..39 (+ padding).
  const v = Array.from({ length: 40 }, (_, k) => ((k * 5) % 16) - 8);
  const p = packInt4(v, 1, 40, 16);
  t.equal(p.rowBytes, 32);
  for (let j = 0; j < 16; j++) {
    t.equal(p.data[j], (v[j] & 15) | ((v[j + 16] & 15) << 4), `byte ${j}`);
  }
  for (let j = 0; j < 8; j++) t.equal(p.data[16 + j], v[32 + j] & 15, `byte ${16 + j}: high nibble is padding`);
  t.equal(p.data[24], 0);
  // d = 4 (XNNPACK c4): byte j of each 8-chunk pairs k and k + 4.
  const q = packInt4(v.slice(0, 8), 1, 8, 4);
  t.same([...q.data], [0, 1, 2, 3].map((j) => (v[j] & 15) | ((v[j + 4] & 15) << 4)));
});

t.test('int4 offset-binary bytes (w + 8 per nibble) XOR 0x88 equal the signed packing', async (t) => {
  const rng = new Rng(22);
  const v = randomInts(rng, 64, -8, 7);
  const signed = packInt4(v, 2, 32, 16);
  const offset = new Uint8Array(signed.data.length);
  for (let r = 0; r < 2; r++) {
    for (let j = 0; j < 16; j++) offset[r * 16 + j] = (v[r * 32 + j] + 8) | ((v[r * 32 + j + 16] + 8) << 4);
  }
  t.same([...int4OffsetBinaryToSigned(offset)], [...signed.data]);
  t.equal(int4OffsetBinaryToSigned(new Uint8Array([0x88]))[0], 0, 'a padded 0x88 byte is two zero weights');
});

t.test('int2 layout: field t of byte j is k = j + t·d, code w + 2; padding decodes to 0', async (t) => {
  const v = [-2, -1, 0, 1, 1, 0, -1, -2, 0];
  const p = packInt2(v, 1, 9, 2); // chunks of 8: byte j holds k = j, j+2, j+4, j+6
  t.equal(p.rowBytes, 4);
  const code = (k: number) => (k < v.length ? v[k] + 2 : 2);
  for (let byte = 0; byte < 4; byte++) {
    const chunk = Math.floor(byte / 2);
    const j = byte % 2;
    const want = [0, 1, 2, 3].reduce((s, f) => s | (code(chunk * 8 + j + 2 * f) << (2 * f)), 0);
    t.equal(p.data[byte], want, `byte ${byte}`);
  }
});

t.test('indices layout: little-endian bit stream, fields straddle bytes, rows byte-aligned', async (t) => {
  const p = packIndices([5, 3, 7, 1, 6, 2], 2, 3, 3); // rows [5,3,7] and [1,6,2]
  // row 0 bits: 101 | 011 << 3 | 111 << 6 = 0b111_011_101 -> bytes 0b11011101, 0b1
  t.same([...p.data], [0b11011101, 0b1, 0b10110001, 0b0]);
  t.same([...unpackIndices(p)], [5, 3, 7, 1, 6, 2]);
});

t.test('validation errors name the function and the bad value', async (t) => {
  t.throws(() => packInt8([0, 128], 1, 2), /packInt8: values\[1\] = 128 is not an integer in \[-128, 127\]/);
  t.throws(() => packInt4([0, -9], 1, 2), /packInt4: values\[1\] = -9 is not an integer in \[-8, 7\]/);
  t.throws(() => packInt4([0, 1.5], 1, 2), /not an integer/);
  t.throws(() => packInt4([0, 1], 1, 2, 0), /packInt4: distance must be a positive integer, got 0/);
  t.throws(() => packInt2([2], 1, 1), /packInt2: values\[0\] = 2 is not an integer in \[-2, 1\]/);
  t.throws(() => packIndices([8], 1, 1, 3), /packIndices: values\[0\] = 8 is not an integer in \[0, 7\]/);
  t.throws(() => packIndices([0], 1, 1, 9), /packIndices: bits must be an integer in \[1, 8\], got 9/);
  t.throws(() => packInt8([1, 2, 3], 2, 2), /packInt8: values has 3 elements, need at least 4 for 2x2/);
  const p = packInt4([1, 2, 3], 1, 3, 16);
  t.throws(() => unpackInt4({ ...p, rowBytes: 2 }), /unpackInt4: rowBytes 2 does not match 3 columns at distance 16/);
  t.throws(() => unpackIndices({ ...packIndices([1, 2], 1, 2, 4), data: new Uint8Array(0) }), /unpackIndices: data has 0 elements/);
});
