// Checkpoint files: exact round trips, the documented byte layout (parsed here by hand),
// every kind of damage detected with a clear message, and atomic saves that leave the old
// file intact when writing fails.
import t from 'tap';
import fs from 'fs';
import * as path from 'path';
import { createHash } from 'crypto';
import { Rng } from '../../src/tensor/rng';
import {
  Checkpoint, CHECKPOINT_VERSION, decodeCheckpoint, encodeCheckpoint, loadCheckpoint, saveCheckpoint, StoredTensor,
} from '../../src/io/checkpoint';

function sample(seed: number): Checkpoint {
  const rng = new Rng(seed);
  const f32 = rng.fillNormal(new Float32Array(3 * 5));
  f32[0] = -0; // signs of zero, NaN and infinities survive raw storage, unlike JSON
  f32[1] = NaN;
  f32[2] = -Infinity;
  const tensors = new Map<string, StoredTensor>([
    ['model.0.weight', { shape: [3, 5], data: f32 }],
    ['model.0.bias', { shape: [3], data: rng.fillNormal(new Float32Array(3)) }],
    ['optim.weights.0.m', { shape: [7], data: rng.fillNormal(new Float64Array(7)) }],
    ['counts', { shape: [2, 2], data: Int32Array.from([1, -2, 2147483647, -2147483648]) }],
    ['scalar', { shape: [], data: Float32Array.from([1.5]) }],
    ['empty', { shape: [0, 4], data: new Float32Array(0) }],
  ]);
  return { meta: { epoch: 3, note: 'héllo ✓', nested: { list: [1, 2.5, null], flag: true } }, tensors };
}

function sameBytes(a: StoredTensor['data'], b: StoredTensor['data']): boolean {
  return a.constructor === b.constructor && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

t.test('round trip keeps meta, names, order, dtypes, shapes and every bit', async (t) => {
  const ckpt = sample(1);
  const dir = t.testdir();
  const file = path.join(dir, 'a.ddq');
  saveCheckpoint(file, ckpt);
  const back = loadCheckpoint(file);
  t.same(back.meta, ckpt.meta);
  t.same([...back.tensors.keys()], [...ckpt.tensors.keys()]);
  for (const [name, tensor] of ckpt.tensors) {
    const got = back.tensors.get(name)!;
    t.same(got.shape, tensor.shape, `${name} shape`);
    t.ok(sameBytes(got.data, tensor.data), `${name} bits`);
  }
  // Encoding is a pure function of the content.
  t.ok(Buffer.from(encodeCheckpoint(back)).equals(fs.readFileSync(file)), 're-encoding gives the same bytes');
});

t.test('the file follows the documented layout', async (t) => {
  const ckpt = sample(2);
  const bytes = Buffer.from(encodeCheckpoint(ckpt));
  t.equal(bytes.subarray(0, 8).toString('latin1'), 'DDQCKPT\0', 'magic');
  t.equal(bytes.readUInt32LE(8), CHECKPOINT_VERSION, 'version');
  const h = bytes.readUInt32LE(12);
  const p = Number(bytes.readBigUInt64LE(16));
  t.equal(h % 8, 0, 'header padded to 8 bytes');
  t.equal(bytes.length, 24 + h + p + 32, 'lengths add up');
  const digest = createHash('sha256').update(bytes.subarray(0, 24 + h + p)).digest();
  t.ok(digest.equals(bytes.subarray(24 + h + p)), 'trailing SHA-256 of everything before it');
  const header = JSON.parse(bytes.subarray(24, 24 + h).toString('utf8'));
  t.same(header.meta, ckpt.meta);
  const entry = header.tensors.find((e: { name: string }) => e.name === 'model.0.weight');
  t.same([entry.dtype, entry.shape], ['float32', [3, 5]]);
  const at = 24 + h + entry.offset;
  const w = ckpt.tensors.get('model.0.weight')!.data;
  for (let i = 3; i < w.length; i++) t.equal(bytes.readFloatLE(at + 4 * i), w[i], `element ${i} is raw little-endian float32`);
});

t.test('damaged files fail with a message naming the file and the problem', async (t) => {
  const good = Buffer.from(encodeCheckpoint(sample(3)));
  const h = good.readUInt32LE(12);
  const dir = t.testdir();
  const cases: [string, Buffer, RegExp][] = [];
  const flip = (at: number) => {
    const b = Buffer.from(good);
    b[at] ^= 0x10;
    return b;
  };
  cases.push(['payload byte flipped', flip(24 + h + 5), /checksum mismatch: the file is corrupted/]);
  cases.push(['header byte flipped', flip(30), /checksum mismatch/]);
  cases.push(['checksum byte flipped', flip(good.length - 1), /checksum mismatch/]);
  cases.push(['truncated by one byte', good.subarray(0, good.length - 1), /truncated: \d+ bytes, its preamble announces \d+/]);
  cases.push(['truncated in the preamble', good.subarray(0, 12), /only 12 bytes, truncated/]);
  cases.push(['empty file', good.subarray(0, 0), /only 0 bytes, truncated/]);
  cases.push(['trailing garbage', Buffer.concat([good, Buffer.from([0])]), /1 unexpected bytes after the end/]);
  cases.push(['an IDX file', Buffer.from([0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 28, 0, 0, 0, 28]), /not a ddq checkpoint \(starts with bytes 0000080300000001/]);
  cases.push(['a text file', Buffer.from('{"epoch": 3}\n'), /not a ddq checkpoint/]);
  // A future version with a valid checksum: only the version is wrong.
  const future = Buffer.from(good);
  future.writeUInt32LE(CHECKPOINT_VERSION + 1, 8);
  createHash('sha256').update(future.subarray(0, future.length - 32)).digest().copy(future, future.length - 32);
  cases.push(['a future version', future, new RegExp(`format version ${CHECKPOINT_VERSION + 1} is newer than this ddq-ts reads \\(version ${CHECKPOINT_VERSION}\\)`)]);
  const zero = Buffer.from(good);
  zero.writeUInt32LE(0, 8);
  cases.push(['version 0', zero, /unknown format version 0/]);

  for (const [what, bytes, message] of cases) {
    const file = path.join(dir, what.replace(/ /g, '-') + '.ddq');
    fs.writeFileSync(file, bytes);
    t.throws(() => loadCheckpoint(file), { message: new RegExp(`^loadCheckpoint: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `) }, `${what}: names the file`);
    t.throws(() => loadCheckpoint(file), { message }, what);
    t.ok(fs.readFileSync(file).equals(bytes), `${what}: the file is left as it was`);
  }
  t.throws(() => loadCheckpoint(path.join(dir, 'missing.ddq')), { message: /cannot read .*missing\.ddq: no such file/ });
  t.ok(decodeCheckpoint(good), 'the undamaged bytes still load');
});

t.test('a save that fails midway leaves the previous checkpoint intact and no temporary file', async (t) => {
  const dir = t.testdir();
  const file = path.join(dir, 'checkpoint.ddq');
  const first = sample(4);
  saveCheckpoint(file, first);
  const before = fs.readFileSync(file);
  const realWriteSync = fs.writeSync;

  for (const failing of ['writeSync', 'fsyncSync'] as const) {
    const original = fs[failing];
    let calls = 0;
    // Simulate a full disk: the first write call gets part of the data out, then writing fails.
    (fs as unknown as Record<string, unknown>)[failing] = (...args: unknown[]) => {
      calls++;
      if (failing === 'writeSync' && calls === 1) {
        const [fd, buf, offset] = args as [number, Uint8Array, number];
        return realWriteSync(fd, buf.subarray(offset, offset + 100));
      }
      throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    };
    try {
      t.throws(() => saveCheckpoint(file, sample(5)), { message: /ENOSPC/ }, `${failing} failure is reported`);
    } finally {
      (fs as unknown as Record<string, unknown>)[failing] = original;
    }
    t.ok(calls > 0, `${failing} was reached`);
    t.ok(fs.readFileSync(file).equals(before), `after a ${failing} failure the old file is unchanged`);
    t.same(fs.readdirSync(dir), ['checkpoint.ddq'], 'no temporary file is left behind');
  }
  t.same(loadCheckpoint(file).meta, first.meta);
  saveCheckpoint(file, sample(5));
  t.notOk(fs.readFileSync(file).equals(before), 'a later save succeeds');
});

t.test('encode rejects tensors whose shape does not match their data', async (t) => {
  t.throws(
    () => encodeCheckpoint({ meta: null, tensors: new Map([['w', { shape: [2, 3], data: new Float32Array(5) }]]) }),
    { message: "encodeCheckpoint: tensor 'w' has shape [2,3] but 5 elements" },
  );
});
