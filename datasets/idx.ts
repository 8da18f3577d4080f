// The IDX file format of MNIST (and of many exports since): a 4-byte magic number, then one
// big-endian uint32 size per dimension, then the elements row-major, big-endian.
//   byte 0, 1: 0x00 0x00
//   byte 2:    element type: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64
//   byte 3:    number of dimensions
// The reader checks every one of those fields and the exact file length, so a truncated, padded
// or foreign file fails with a message naming the file instead of becoming silent garbage.
// Gzip-compressed files (the form MNIST is distributed in) are read transparently.
import * as fs from 'fs';
import * as zlib from 'zlib';
import { writeFileAtomic } from './atomic-write';

export type IdxType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** A decoded IDX file: element type, sizes, and the elements row-major in native byte order. */
export interface IdxArray {
  type: IdxType;
  shape: number[];
  data: IdxData;
}

/** What a caller expects of a file; anything else is reported as a foreign file. */
export interface IdxExpect {
  /** Required number of dimensions, or a list of accepted ones. */
  rank?: number | readonly number[];
  /** Accepted element types. */
  types?: readonly IdxType[];
}

interface TypeInfo {
  code: number;
  type: IdxType;
  bytes: number;
}

const TYPES: readonly TypeInfo[] = [
  { code: 0x08, type: 'uint8', bytes: 1 },
  { code: 0x09, type: 'int8', bytes: 1 },
  { code: 0x0b, type: 'int16', bytes: 2 },
  { code: 0x0c, type: 'int32', bytes: 4 },
  { code: 0x0d, type: 'float32', bytes: 4 },
  { code: 0x0e, type: 'float64', bytes: 8 },
];

const TYPE_LIST = TYPES.map((t) => `0x${hex(t.code)} ${t.type}`).join(', ');

function hex(b: number): string {
  return b.toString(16).padStart(2, '0');
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decode IDX bytes (gzip-compressed or not). `source` names the file in error messages.
 * The result owns its data (never a view into `bytes`).
 */
export function parseIdx(bytes: Uint8Array, source = '<buffer>', expect: IdxExpect = {}): IdxArray {
  const fail = (why: string): never => {
    throw new Error(`readIdx: ${source}: ${why}`);
  };
  if (isGzip(bytes)) {
    try {
      bytes = zlib.gunzipSync(bytes);
    } catch (err) {
      fail(`gzip data is corrupt or truncated (${(err as Error).message})`);
    }
  }
  if (bytes.length < 4) fail(`not an IDX file: ${bytes.length} bytes is too short for the 4-byte header`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    fail(`not an IDX file: magic number starts 0x${hex(bytes[0])} 0x${hex(bytes[1])}, expected 0x00 0x00`);
  }
  const info = TYPES.find((t) => t.code === bytes[2]);
  if (!info) fail(`not an IDX file: unknown element type 0x${hex(bytes[2])} (valid: ${TYPE_LIST})`);
  const { type, bytes: elementBytes } = info!;
  const rank = bytes[3];
  if (rank === 0) fail('not an IDX file: dimension count is 0');
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    fail(`truncated header: ${rank} dimensions need ${headerBytes} header bytes, file has ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let d = 0; d < rank; d++) shape.push(view.getUint32(4 + 4 * d, false));
  const shapeText = shape.join('x');

  if (expect.rank !== undefined) {
    const ranks = typeof expect.rank === 'number' ? [expect.rank] : expect.rank;
    if (!ranks.includes(rank)) {
      fail(`expected ${ranks.join(' or ')} dimensions, file has ${rank} (${shapeText}) - wrong file?`);
    }
  }
  if (expect.types && !expect.types.includes(type)) {
    fail(`element type ${type} is not accepted here (accepted: ${expect.types.join(', ')})`);
  }

  // Sizes come from the file: compute in doubles (exact to 2^53) before trusting them.
  let count = 1;
  for (const s of shape) count *= s;
  const dataBytes = count * elementBytes;
  const haveBytes = bytes.length - headerBytes;
  if (haveBytes < dataBytes) {
    fail(`truncated: header says ${shapeText} = ${dataBytes} bytes of data, file has ${haveBytes}`);
  }
  if (haveBytes > dataBytes) {
    fail(`${haveBytes - dataBytes} unexpected bytes after the ${dataBytes} bytes of data the header describes (${shapeText} ${type})`);
  }
  return { type, shape, data: decodeData(type, view, headerBytes, count) };
}

/** Copy big-endian elements into a native (little-endian) typed array of the right kind. */
function decodeData(type: IdxType, view: DataView, offset: number, count: number): IdxData {
  switch (type) {
    case 'uint8':
      return new Uint8Array(view.buffer, view.byteOffset + offset, count).slice();
    case 'int8':
      return new Int8Array(view.buffer, view.byteOffset + offset, count).slice();
    case 'int16': {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(offset + 2 * i, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(offset + 4 * i, false);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(offset + 4 * i, false);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(offset + 8 * i, false);
      return out;
    }
  }
}

/** Read and validate an IDX file (optionally gzip-compressed). Errors name the file. */
export function readIdx(file: string, expect: IdxExpect = {}): IdxArray {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory, not an IDX file' : e.message;
    throw new Error(`readIdx: ${file}: ${why}`);
  }
  return parseIdx(bytes, file, expect);
}

/** The type a typed array is stored as in IDX. */
function typeOfData(data: IdxData): IdxType {
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Float32Array) return 'float32';
  return 'float64';
}

/** Encode elements and sizes as IDX bytes (the element type follows the typed array). */
export function encodeIdx(data: IdxData, shape: readonly number[]): Uint8Array {
  const type = typeOfData(data);
  const info = TYPES.find((t) => t.type === type)!;
  if (shape.length < 1 || shape.length > 255) throw new Error(`encodeIdx: IDX holds 1 to 255 dimensions, got ${shape.length}`);
  let count = 1;
  for (const s of shape) {
    if (!Number.isInteger(s) || s < 0 || s > 0xffffffff) throw new Error(`encodeIdx: invalid size ${s} in shape [${shape.join(',')}]`);
    count *= s;
  }
  if (count !== data.length) throw new Error(`encodeIdx: shape [${shape.join(',')}] needs ${count} elements, data has ${data.length}`);
  const headerBytes = 4 + 4 * shape.length;
  const out = new Uint8Array(headerBytes + count * info.bytes);
  const view = new DataView(out.buffer);
  out[2] = info.code;
  out[3] = shape.length;
  shape.forEach((s, d) => view.setUint32(4 + 4 * d, s, false));
  const o = headerBytes;
  if (info.bytes === 1) out.set(new Uint8Array(data.buffer, data.byteOffset, count), o);
  else if (data instanceof Int16Array) for (let i = 0; i < count; i++) view.setInt16(o + 2 * i, data[i], false);
  else if (data instanceof Int32Array) for (let i = 0; i < count; i++) view.setInt32(o + 4 * i, data[i], false);
  else if (data instanceof Float32Array) for (let i = 0; i < count; i++) view.setFloat32(o + 4 * i, data[i], false);
  else for (let i = 0; i < count; i++) view.setFloat64(o + 8 * i, data[i], false);
  return out;
}

/**
 * Write an IDX file atomically (temporary file + rename). `gzip` defaults to on when the
 * name ends in `.gz`.
 */
export function writeIdx(file: string, data: IdxData, shape: readonly number[], opts: { gzip?: boolean } = {}): void {
  let bytes = encodeIdx(data, shape);
  if (opts.gzip ?? file.endsWith('.gz')) bytes = zlib.gzipSync(bytes);
  writeFileAtomic(file, bytes);
}
