// The checkpoint file: everything needed to continue a run, in one checksummed binary file.
//
//   offset  size  content
//   0       8     magic "DDQCKPT\0" (tells a checkpoint from any other file)
//   8       4     format version, uint32 little-endian (CHECKPOINT_VERSION)
//   12      4     header length H in bytes, uint32 LE
//   16      8     payload length P in bytes, uint64 LE
//   24      H     JSON header, UTF-8, padded with spaces to a multiple of 8:
//                   { "meta": <anything JSON>, "tensors": [{ name, dtype, shape, offset }] }
//   24+H    P     tensor payload: raw little-endian elements, each tensor at `offset` (relative
//                 to the payload start, a multiple of 8), zero padding between tensors
//   24+H+P  32    SHA-256 of bytes [0, 24+H+P)
//
// Tensors travel as raw bytes, not as JSON numbers: exact, compact and fast. Loading checks, in
// this order, the magic, the version, the announced lengths against the file length (truncated
// or padded), the checksum (corrupted), then the tensor table, and names the file in every
// error. Saving writes a temporary file and renames it (writeFileAtomic), so a crash never
// leaves a half-written checkpoint in place of a good one.
import { createHash } from 'crypto';
import * as fs from 'fs';
import { writeFileAtomic } from '../../datasets/atomic-write';
import { hostOrderBuffer, littleEndianBytes } from './byte-order';

export const CHECKPOINT_MAGIC = 'DDQCKPT\0';
export const CHECKPOINT_VERSION = 1;

const PREAMBLE = 24;
const CHECKSUM = 32;

export type TensorArray = Float32Array | Float64Array | Int32Array;
export type TensorDtype = 'float32' | 'float64' | 'int32';

/** A named array with a shape: a Tensor fits, so do optimizer slots. */
export interface StoredTensor {
  shape: readonly number[];
  data: TensorArray;
}

export interface Checkpoint {
  /** Any JSON value: run config, counters, metrics, generator states... */
  meta: unknown;
  /** Named arrays, stored raw in insertion order. */
  tensors: Map<string, StoredTensor>;
}

interface TableEntry {
  name: string;
  dtype: TensorDtype;
  shape: number[];
  offset: number;
}

const BYTES: Record<TensorDtype, number> = { float32: 4, float64: 8, int32: 4 };

function dtypeOfArray(a: TensorArray): TensorDtype {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  throw new Error(`checkpoint: unsupported array type ${(a as object).constructor.name}`);
}

const align8 = (n: number) => Math.ceil(n / 8) * 8;
const product = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);

/** The checkpoint as bytes (what saveCheckpoint writes). */
export function encodeCheckpoint(ckpt: Checkpoint): Uint8Array {
  const table: TableEntry[] = [];
  const arrays: TensorArray[] = [];
  let payload = 0;
  for (const [name, t] of ckpt.tensors) {
    const n = product(t.shape);
    if (!t.shape.every((d) => Number.isInteger(d) && d >= 0) || n !== t.data.length) {
      throw new Error(`encodeCheckpoint: tensor '${name}' has shape [${t.shape.join(',')}] but ${t.data.length} elements`);
    }
    table.push({ name, dtype: dtypeOfArray(t.data), shape: [...t.shape], offset: payload });
    arrays.push(t.data);
    payload = align8(payload + t.data.byteLength);
  }
  const json = JSON.stringify({ meta: ckpt.meta ?? null, tensors: table });
  const headerText = Buffer.from(json, 'utf8');
  const headerBytes = align8(headerText.length);
  const total = PREAMBLE + headerBytes + payload + CHECKSUM;
  const out = Buffer.alloc(total); // zero-filled, so padding is zeros
  out.write(CHECKPOINT_MAGIC, 0, 'latin1');
  out.writeUInt32LE(CHECKPOINT_VERSION, 8);
  out.writeUInt32LE(headerBytes, 12);
  out.writeBigUInt64LE(BigInt(payload), 16);
  headerText.copy(out, PREAMBLE);
  out.fill(0x20, PREAMBLE + headerText.length, PREAMBLE + headerBytes); // spaces: still valid JSON
  const base = PREAMBLE + headerBytes;
  table.forEach((entry, i) => {
    const a = arrays[i];
    out.set(littleEndianBytes(a), base + entry.offset);
  });
  createHash('sha256').update(out.subarray(0, total - CHECKSUM)).digest().copy(out, total - CHECKSUM);
  return out;
}

/** Parse and validate checkpoint bytes; `source` (usually the file name) appears in errors. */
export function decodeCheckpoint(bytes: Uint8Array, source = 'checkpoint'): Checkpoint {
  const fail = (why: string): never => {
    throw new Error(`loadCheckpoint: ${source}: ${why}`);
  };
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const head = buf.subarray(0, 8).toString('latin1');
  if (!CHECKPOINT_MAGIC.startsWith(head) || (head.length < 8 && buf.length >= 8)) {
    fail(`not a ddq checkpoint (starts with bytes ${buf.subarray(0, 8).toString('hex') || '(none)'}, expected "DDQCKPT\\0")`);
  }
  if (buf.length < PREAMBLE) fail(`only ${buf.length} bytes, truncated inside the ${PREAMBLE}-byte preamble`);
  const version = buf.readUInt32LE(8);
  if (version !== CHECKPOINT_VERSION) {
    fail(
      version > CHECKPOINT_VERSION
        ? `format version ${version} is newer than this ddq-ts reads (version ${CHECKPOINT_VERSION}); update ddq-ts, or the file is corrupted`
        : `unknown format version ${version} (this ddq-ts reads version ${CHECKPOINT_VERSION})`,
    );
  }
  const headerBytes = buf.readUInt32LE(12);
  const payloadBytes = Number(buf.readBigUInt64LE(16));
  const expected = PREAMBLE + headerBytes + payloadBytes + CHECKSUM;
  if (buf.length < expected) fail(`truncated: ${buf.length} bytes, its preamble announces ${expected}`);
  if (buf.length > expected) fail(`${buf.length - expected} unexpected bytes after the end announced by its preamble (${expected} bytes); corrupted`);
  const digest = createHash('sha256').update(buf.subarray(0, expected - CHECKSUM)).digest();
  if (!digest.equals(buf.subarray(expected - CHECKSUM))) fail('checksum mismatch: the file is corrupted');

  let header: { meta?: unknown; tensors?: unknown };
  try {
    header = JSON.parse(buf.subarray(PREAMBLE, PREAMBLE + headerBytes).toString('utf8'));
  } catch (err) {
    return fail(`header is not valid JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(header.tensors)) fail('header has no tensor table');
  const base = PREAMBLE + headerBytes;
  const tensors = new Map<string, StoredTensor>();
  for (const entry of header.tensors as TableEntry[]) {
    const { name, dtype, shape, offset } = entry;
    const size = BYTES[dtype];
    if (typeof name !== 'string' || tensors.has(name)) fail(`tensor table: missing or repeated name ${JSON.stringify(name)}`);
    if (!size) fail(`tensor '${name}': unknown dtype ${JSON.stringify(dtype)}`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) fail(`tensor '${name}': bad shape ${JSON.stringify(shape)}`);
    const n = product(shape);
    if (!Number.isInteger(offset) || offset < 0 || offset % 8 !== 0 || offset + n * size > payloadBytes) {
      fail(`tensor '${name}': ${n} ${dtype} values at offset ${offset} do not fit in the ${payloadBytes}-byte payload`);
    }
    const raw = hostOrderBuffer(buf.subarray(base + offset, base + offset + n * size), size);
    const data = dtype === 'float32' ? new Float32Array(raw) : dtype === 'float64' ? new Float64Array(raw) : new Int32Array(raw);
    tensors.set(name, { shape, data });
  }
  return { meta: header.meta ?? null, tensors };
}

/** Write atomically: readers see the old file or the complete new one, never a mix. */
export function saveCheckpoint(file: string, ckpt: Checkpoint): void {
  writeFileAtomic(file, encodeCheckpoint(ckpt));
}

/** Read and validate a checkpoint file; throws an error naming the file and the problem. */
export function loadCheckpoint(file: string): Checkpoint {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`loadCheckpoint: cannot read ${file}${code === 'ENOENT' ? ': no such file' : `: ${(err as Error).message}`}`);
  }
  return decodeCheckpoint(bytes, file);
}
