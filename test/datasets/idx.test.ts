// IDX reading and writing: good files of every element type (bytes built by hand, big-endian),
// gzip, and each way a file can be broken, which must fail with a message naming the file.
import t from 'tap';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { encodeIdx, parseIdx, readIdx, writeIdx } from '../../datasets/idx';
import { Rng } from '../../src/tensor/rng';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ddq-idx-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));

/** IDX bytes assembled byte by byte from the format description (independent of encodeIdx). */
function handMade(typeCode: number, shape: number[], payload: number[]): Buffer {
  const header = [0, 0, typeCode, shape.length];
  for (const s of shape) header.push((s >>> 24) & 255, (s >>> 16) & 255, (s >>> 8) & 255, s & 255);
  return Buffer.from([...header, ...payload]);
}

t.test('reads hand-made files of every element type', async (tt) => {
  const u8 = parseIdx(handMade(0x08, [2, 3], [0, 1, 2, 253, 254, 255]));
  tt.equal(u8.type, 'uint8');
  tt.same(u8.shape, [2, 3]);
  tt.same(Array.from(u8.data), [0, 1, 2, 253, 254, 255]);
  tt.ok(u8.data instanceof Uint8Array);

  const i8 = parseIdx(handMade(0x09, [3], [0x80, 0xff, 0x7f]));
  tt.same(Array.from(i8.data), [-128, -1, 127]);
  tt.ok(i8.data instanceof Int8Array);

  // int16 big-endian: 0x0102 = 258, 0xfffe = -2
  const i16 = parseIdx(handMade(0x0b, [2], [0x01, 0x02, 0xff, 0xfe]));
  tt.same(Array.from(i16.data), [258, -2]);
  tt.ok(i16.data instanceof Int16Array);

  // int32: 0x01020304 = 16909060, 0x80000000 = -2^31
  const i32 = parseIdx(handMade(0x0c, [2], [1, 2, 3, 4, 0x80, 0, 0, 0]));
  tt.same(Array.from(i32.data), [16909060, -2147483648]);

  // float32 1.5 = 0x3fc00000, -2 = 0xc0000000
  const f32 = parseIdx(handMade(0x0d, [1, 2], [0x3f, 0xc0, 0, 0, 0xc0, 0, 0, 0]));
  tt.same(Array.from(f32.data), [1.5, -2]);
  tt.ok(f32.data instanceof Float32Array);

  // float64 0.1 = 0x3fb999999999999a
  const f64 = parseIdx(handMade(0x0e, [1], [0x3f, 0xb9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a]));
  tt.equal(f64.data[0], 0.1);

  // A size above 2^24 in a dimension exercises all four size bytes.
  const big = parseIdx(handMade(0x08, [1, 0x01000001, 0], []));
  tt.same(big.shape, [1, 16777217, 0]);
  tt.equal(big.data.length, 0);
});

t.test('encodeIdx produces the same bytes as the format description', async (tt) => {
  tt.same(Buffer.from(encodeIdx(new Uint8Array([0, 1, 2, 253, 254, 255]), [2, 3])), handMade(0x08, [2, 3], [0, 1, 2, 253, 254, 255]));
  tt.same(Buffer.from(encodeIdx(new Int16Array([258, -2]), [2])), handMade(0x0b, [2], [0x01, 0x02, 0xff, 0xfe]));
  tt.same(Buffer.from(encodeIdx(new Float32Array([1.5, -2]), [1, 2])), handMade(0x0d, [1, 2], [0x3f, 0xc0, 0, 0, 0xc0, 0, 0, 0]));
  tt.throws(() => encodeIdx(new Uint8Array(5), [2, 3]), /shape \[2,3\] needs 6 elements, data has 5/);
  tt.throws(() => encodeIdx(new Uint8Array(0), []), /1 to 255 dimensions/);
});

t.test('writer round trip for every type, plain and gzip, atomically', async (tt) => {
  const rng = new Rng(7);
  const cases = [
    new Uint8Array(24).map(() => rng.int(0, 256)),
    new Int8Array(24).map(() => rng.int(-128, 128)),
    new Int16Array(24).map(() => rng.int(-32768, 32768)),
    new Int32Array(24).map(() => rng.int(-2147483648, 2147483647)),
    rng.fillNormal(new Float32Array(24)),
    rng.fillNormal(new Float64Array(24)),
  ];
  for (const data of cases) {
    for (const name of ['a.idx', 'a.idx.gz']) {
      const file = path.join(dir, name);
      writeIdx(file, data, [2, 3, 4]);
      const back = readIdx(file);
      tt.same(back.shape, [2, 3, 4]);
      tt.equal(back.data.constructor, data.constructor);
      tt.same(Array.from(back.data), Array.from(data), `${data.constructor.name} ${name}`);
    }
  }
  // The .gz name compresses; the gzip magic is what the reader goes by.
  tt.equal(fs.readFileSync(path.join(dir, 'a.idx.gz'))[0], 0x1f);
  const renamed = path.join(dir, 'compressed-without-suffix');
  fs.copyFileSync(path.join(dir, 'a.idx.gz'), renamed);
  tt.same(Array.from(readIdx(renamed).data), Array.from(cases[5]));
  tt.same(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temporary files left behind');
});

t.test('broken files fail with the file name and the reason', async (tt) => {
  const write = (name: string, bytes: Uint8Array): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, bytes);
    return file;
  };
  const good = handMade(0x08, [3, 2, 2], new Array(12).fill(9));

  const truncated = write('truncated', good.subarray(0, good.length - 5));
  tt.throws(() => readIdx(truncated), { message: `readIdx: ${truncated}: truncated: header says 3x2x2 = 12 bytes of data, file has 7` });

  const headerCut = write('header-cut', good.subarray(0, 10));
  tt.throws(() => readIdx(headerCut), new RegExp(`${headerCut}: truncated header: 3 dimensions need 16 header bytes, file has 10`));

  const tiny = write('tiny', new Uint8Array([0, 0]));
  tt.throws(() => readIdx(tiny), /tiny: not an IDX file: 2 bytes is too short/);

  const png = write('picture.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  tt.throws(() => readIdx(png), /picture\.png: not an IDX file: magic number starts 0x89 0x50, expected 0x00 0x00/);

  const badType = write('bad-type', handMade(0x0a, [1], [0]));
  tt.throws(() => readIdx(badType), /bad-type: not an IDX file: unknown element type 0x0a \(valid: 0x08 uint8, .*0x0e float64\)/);

  const zeroDims = write('zero-dims', Buffer.from([0, 0, 8, 0]));
  tt.throws(() => readIdx(zeroDims), /zero-dims: not an IDX file: dimension count is 0/);

  const padded = write('padded', Buffer.concat([good, Buffer.from([1, 2, 3])]));
  tt.throws(() => readIdx(padded), /padded: 3 unexpected bytes after the 12 bytes of data the header describes \(3x2x2 uint8\)/);

  // The type byte and the sizes must agree with the length: an int32 header over a uint8-sized payload.
  const wrongSize = write('wrong-size', handMade(0x0c, [3], [0, 0, 0]));
  tt.throws(() => readIdx(wrongSize), /wrong-size: truncated: header says 3 = 12 bytes of data, file has 3/);

  const gz = zlib.gzipSync(good);
  const gzCut = write('cut.gz', gz.subarray(0, gz.length - 8));
  tt.throws(() => readIdx(gzCut), /cut\.gz: gzip data is corrupt or truncated/);
  const gzTruncatedIdx = write('short.gz', zlib.gzipSync(good.subarray(0, 20)));
  tt.throws(() => readIdx(gzTruncatedIdx), /short\.gz: truncated: header says 3x2x2 = 12 bytes of data, file has 4/);

  tt.throws(() => readIdx(path.join(dir, 'missing')), /readIdx: .*missing: no such file/);
  tt.throws(() => readIdx(dir), /is a directory/);
});

t.test('expected rank and type reject files swapped for one another', async (tt) => {
  const labels = path.join(dir, 'labels');
  writeIdx(labels, new Uint8Array(4), [4]);
  tt.throws(() => readIdx(labels, { rank: 3 }), new RegExp(`${labels}: expected 3 dimensions, file has 1 \\(4\\) - wrong file\\?`));
  tt.throws(() => readIdx(labels, { rank: [2, 3, 4] }), /expected 2 or 3 or 4 dimensions/);
  const floats = path.join(dir, 'floats');
  writeIdx(floats, new Float32Array(4), [4]);
  tt.throws(() => readIdx(floats, { rank: 1, types: ['uint8', 'int32'] }), /element type float32 is not accepted here \(accepted: uint8, int32\)/);
  tt.equal(readIdx(labels, { rank: 1, types: ['uint8'] }).data.length, 4);
});

t.test('the result owns its data', async (tt) => {
  const bytes = handMade(0x08, [4], [1, 2, 3, 4]);
  const out = parseIdx(bytes);
  bytes[8] = 99;
  tt.equal(out.data[0], 1);
  tt.equal(out.data.buffer.byteLength, 4, 'a compact copy, not a view into the file buffer');
});
