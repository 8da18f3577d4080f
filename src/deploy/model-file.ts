// The integer model file: an IntegerModel in one checksummed binary file.
//
//   offset  size  content
//   0       8     magic "DDQMODEL"
//   8       4     format version, uint32 little-endian (MODEL_FORMAT_VERSION)
//   12      4     header length H in bytes, uint32 LE
//   16      4     payload length P in bytes, uint32 LE
//   20      H     JSON header, UTF-8: the model (architecture, tensors, ops, per-layer bits and
//                 shapes, scales and zero points) with every array replaced by {"$blob": i},
//                 plus "blobs": [[type, storedAs, length], ...] in payload order
//   20+H    P     payload: the arrays, back to back in blob order, no alignment padding
//   20+H+P  32    SHA-256 of bytes [0, 20+H+P)
//
// Packed weights are stored exactly as packed (b bits per weight, one stream per layer), so the
// payload is the packed bits plus small per-channel arrays. Per-channel int32 arrays are stored in
// the narrowest of int8 / int16 / int32 that holds their values ("storedAs") and widened again on
// load. Loading checks, in this order: the magic (a foreign file), the length of the fixed part
// (truncated), the version (a newer format is named as such), the announced lengths against the
// file length (truncated or trailing bytes), the checksum (corrupted), the JSON and the blob
// table, and finally the whole model (validate-model.ts). Every error names the file.
// Saving writes a temporary file and renames it (atomic).
import { createHash } from 'crypto';
import * as fs from 'fs';
import { writeFileAtomic } from '../../datasets/atomic-write';
import type { IntegerModel } from './int-graph';
import { validateModel } from './validate-model';
import { hostOrderBuffer, littleEndianBytes } from '../io/byte-order';

export const MODEL_MAGIC = 'DDQMODEL';
export const MODEL_FORMAT_VERSION = 1;
export const MODEL_PREAMBLE_BYTES = 20;
export const MODEL_CHECKSUM_BYTES = 32;

type ArrayType = 'int8' | 'uint8' | 'int16' | 'int32' | 'float64';
type BlobArray = Int8Array | Uint8Array | Int32Array | Float64Array;
/** [in-memory type, stored type, element count]; blobs follow each other in the payload. */
type BlobEntry = [ArrayType, ArrayType, number];

const BYTES: Record<ArrayType, number> = { int8: 1, uint8: 1, int16: 2, int32: 4, float64: 8 };
const CTOR = { int8: Int8Array, uint8: Uint8Array, int16: Int16Array, int32: Int32Array, float64: Float64Array };

function typeOf(a: unknown): ArrayType | null {
  if (a instanceof Int8Array) return 'int8';
  if (a instanceof Uint8Array) return 'uint8';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Float64Array) return 'float64';
  return null;
}

/** The narrowest stored type for an array's values. */
function storedType(type: ArrayType, a: BlobArray): ArrayType {
  if (type !== 'int32') return type;
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] < lo) lo = a[i];
    if (a[i] > hi) hi = a[i];
  }
  return lo >= -128 && hi <= 127 ? 'int8' : lo >= -32768 && hi <= 32767 ? 'int16' : 'int32';
}

/** The model as file bytes (validated first, so a bad model is never written). */
export function encodeModel(model: IntegerModel): Uint8Array {
  validateModel(model, 'encodeModel');
  const arrays: { data: BlobArray; stored: ArrayType }[] = [];
  const blobs: BlobEntry[] = [];
  let payload = 0;
  const json = JSON.stringify(model, (_key, value) => {
    const type = typeOf(value);
    if (!type) return value;
    const a = value as BlobArray;
    const stored = storedType(type, a);
    blobs.push([type, stored, a.length]);
    arrays.push({ data: a, stored });
    payload += a.length * BYTES[stored];
    return { $blob: blobs.length - 1 };
  });
  const header = Buffer.from(JSON.stringify({ model: JSON.parse(json), blobs }), 'utf8');
  const total = MODEL_PREAMBLE_BYTES + header.length + payload + MODEL_CHECKSUM_BYTES;
  const out = Buffer.alloc(total);
  out.write(MODEL_MAGIC, 0, 'latin1');
  out.writeUInt32LE(MODEL_FORMAT_VERSION, 8);
  out.writeUInt32LE(header.length, 12);
  out.writeUInt32LE(payload, 16);
  header.copy(out, MODEL_PREAMBLE_BYTES);
  let at = MODEL_PREAMBLE_BYTES + header.length;
  for (const { data, stored } of arrays) {
    const bytes = stored === typeOf(data) ? data : CTOR[stored].from(data as ArrayLike<number>);
    out.set(littleEndianBytes(bytes), at);
    at += bytes.byteLength;
  }
  createHash('sha256').update(out.subarray(0, total - MODEL_CHECKSUM_BYTES)).digest().copy(out, total - MODEL_CHECKSUM_BYTES);
  return out;
}

/** Parse and validate model file bytes; `source` (usually the file name) appears in errors. */
export function decodeModel(bytes: Uint8Array, source = 'model'): IntegerModel {
  const fail = (why: string): never => {
    throw new Error(`loadModel: ${source}: ${why}`);
  };
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const head = buf.subarray(0, 8).toString('latin1');
  if (!MODEL_MAGIC.startsWith(head) || (head.length < 8 && buf.length >= 8) || buf.length === 0) {
    fail(`not a ddq integer model file (starts with bytes ${buf.subarray(0, 8).toString('hex') || '(none)'}, expected "${MODEL_MAGIC}")`);
  }
  if (buf.length < MODEL_PREAMBLE_BYTES) fail(`truncated: only ${buf.length} bytes, less than the ${MODEL_PREAMBLE_BYTES}-byte preamble`);
  const version = buf.readUInt32LE(8);
  if (version !== MODEL_FORMAT_VERSION) {
    fail(
      version > MODEL_FORMAT_VERSION
        ? `format version ${version} is newer than this ddq-ts reads (version ${MODEL_FORMAT_VERSION}); update ddq-ts, or the file is corrupted`
        : `unknown format version ${version} (this ddq-ts reads version ${MODEL_FORMAT_VERSION})`,
    );
  }
  const headerBytes = buf.readUInt32LE(12);
  const payloadBytes = buf.readUInt32LE(16);
  const expected = MODEL_PREAMBLE_BYTES + headerBytes + payloadBytes + MODEL_CHECKSUM_BYTES;
  if (buf.length < expected) fail(`truncated: ${buf.length} bytes, its preamble announces ${expected}`);
  if (buf.length > expected) fail(`${buf.length - expected} unexpected bytes after the end announced by its preamble (${expected} bytes); corrupted`);
  const digest = createHash('sha256').update(buf.subarray(0, expected - MODEL_CHECKSUM_BYTES)).digest();
  if (!digest.equals(buf.subarray(expected - MODEL_CHECKSUM_BYTES))) fail('checksum mismatch: the file is corrupted');

  let parsed: { model?: unknown; blobs?: unknown };
  try {
    parsed = JSON.parse(buf.subarray(MODEL_PREAMBLE_BYTES, MODEL_PREAMBLE_BYTES + headerBytes).toString('utf8'));
  } catch (err) {
    return fail(`header is not valid JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(parsed.blobs) || typeof parsed.model !== 'object' || parsed.model === null) fail('header has no model or no blob table');
  const base = MODEL_PREAMBLE_BYTES + headerBytes;
  let offset = 0;
  const arrays = (parsed.blobs as unknown[]).map((entry, i) => {
    if (!Array.isArray(entry) || entry.length !== 3) return fail(`blob ${i}: malformed table entry ${JSON.stringify(entry)}`);
    const [type, stored, length] = entry as BlobEntry;
    if (!BYTES[type] || !BYTES[stored]) fail(`blob ${i}: unknown type ${JSON.stringify(entry)}`);
    if (!Number.isInteger(length) || length < 0 || offset + length * BYTES[stored] > payloadBytes) {
      fail(`blob ${i}: ${length} ${stored} values at offset ${offset} do not fit in the ${payloadBytes}-byte payload`);
    }
    const raw = hostOrderBuffer(buf.subarray(base + offset, base + offset + length * BYTES[stored]), BYTES[stored]);
    const values = new CTOR[stored](raw);
    offset += length * BYTES[stored];
    return type === stored ? values : CTOR[type].from(values as ArrayLike<number>);
  });
  if (offset !== payloadBytes) fail(`the blob table covers ${offset} bytes of the ${payloadBytes}-byte payload`);
  const model = JSON.parse(JSON.stringify(parsed.model), (_key, value) => {
    if (value && typeof value === 'object' && !Array.isArray(value) && '$blob' in value) {
      const i = (value as { $blob: unknown }).$blob;
      if (!Number.isInteger(i) || (i as number) < 0 || (i as number) >= arrays.length) fail(`reference to blob ${JSON.stringify(i)}, the table has ${arrays.length}`);
      return arrays[i as number];
    }
    return value;
  }) as IntegerModel;
  try {
    validateModel(model, 'model');
  } catch (err) {
    fail(`invalid model: ${(err as Error).message}`);
  }
  return model;
}

/** Write atomically: readers see the old file or the complete new one, never a mix. */
export function saveModel(file: string, model: IntegerModel): number {
  const bytes = encodeModel(model);
  writeFileAtomic(file, bytes);
  return bytes.length;
}

/** Read and validate a model file; throws an error naming the file and the problem. */
export function loadModel(file: string): IntegerModel {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`loadModel: cannot read ${file}${code === 'ENOENT' ? ': no such file' : `: ${(err as Error).message}`}`);
  }
  return decodeModel(bytes, file);
}
