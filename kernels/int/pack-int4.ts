// Storage format "int4": two signed 4-bit weights per byte, each row packed on its own.
//
// Nibble order and pairing distance: a row is cut into chunks of 2·d values (d = `distance`);
// byte j of chunk c holds value k = c·2d + j in its LOW nibble and value k + d in its HIGH nibble.
// - d = 16 is KleidiAI's layout (low nibbles k..k+15, high nibbles k+16..k+31 of a 32-chunk): one
//   16-byte load then SHL #4 / AND #0xF0 yields two SDOT operands covering 32 consecutive k.
// - d = kr (4 or 8) is XNNPACK's layout for its c4/c8 kernels: the two halves of a byte are one
//   kr-group apart. d = 1 packs neighbours (k, k+1) together.
// The row is padded with zero weights to a whole number of chunks: ceil(cols / 2d)·d bytes.
//
// Signedness: a nibble holds w & 0xF, two's complement, w in [-8, 7], which is what the kernels'
// SHL/AND decode needs. That equals the offset-binary code (w + 8) with its top bit flipped, so a
// byte of two offset-binary nibbles (unsigned weights with zero point 8, as many model formats and
// KleidiAI's qsu4 sources store them) converts with one XOR by 0x88: `int4OffsetBinaryToSigned`.
// A padded zero weight is nibble 0x0 here, 0x8 in offset binary (a 0x88 byte).
import { checkDims, checkIntRange, checkLength } from './validate';

export interface PackedInt4 {
  format: 'int4';
  rows: number;
  cols: number;
  /** Pairing distance d: a byte holds values k (low nibble) and k + d (high nibble). */
  distance: number;
  /** Bytes per row: ceil(cols / 2d)·d. */
  rowBytes: number;
  data: Uint8Array;
}

function checkDistance(fn: string, distance: number): void {
  if (!Number.isInteger(distance) || distance < 1) {
    throw new Error(`${fn}: distance must be a positive integer, got ${distance}`);
  }
}

/** Bytes one row of `cols` int4 values occupies with pairing distance d. */
export function int4RowBytes(cols: number, distance: number): number {
  return Math.ceil(cols / (2 * distance)) * distance;
}

/** Byte index (within a row) and nibble (0 low, 1 high) of value k. */
function int4Position(k: number, d: number): [number, number] {
  const chunk = Math.floor(k / (2 * d));
  const r = k - chunk * 2 * d;
  return r < d ? [chunk * d + r, 0] : [chunk * d + r - d, 1];
}

/** Pack integer values in [-8, 7] (row-major rows x cols) two per byte; see the file header. */
export function packInt4(values: ArrayLike<number>, rows: number, cols: number, distance = 16): PackedInt4 {
  checkDims('packInt4', { rows, cols });
  checkDistance('packInt4', distance);
  checkLength('packInt4', 'values', values, rows * cols, `${rows}x${cols}`);
  checkIntRange('packInt4', 'values', values, rows * cols, -8, 7);
  const rowBytes = int4RowBytes(cols, distance);
  const data = new Uint8Array(rows * rowBytes);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < cols; k++) {
      const [byte, half] = int4Position(k, distance);
      data[r * rowBytes + byte] |= (values[r * cols + k] & 0xf) << (4 * half);
    }
  }
  return { format: 'int4', rows, cols, distance, rowBytes, data };
}

/** The signed values of an int4 matrix, row-major. */
export function unpackInt4(packed: PackedInt4): Int8Array {
  const { rows, cols, distance, rowBytes, data } = packed;
  checkDistance('unpackInt4', distance);
  if (rowBytes !== int4RowBytes(cols, distance)) {
    throw new Error(`unpackInt4: rowBytes ${rowBytes} does not match ${cols} columns at distance ${distance} (need ${int4RowBytes(cols, distance)})`);
  }
  checkLength('unpackInt4', 'data', data, rows * rowBytes, `${rows} rows of ${rowBytes} bytes`);
  const out = new Int8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < cols; k++) {
      const [byte, half] = int4Position(k, distance);
      const nibble = (data[r * rowBytes + byte] >> (4 * half)) & 0xf;
      out[r * cols + k] = (nibble << 28) >> 28; // sign-extend the nibble
    }
  }
  return out;
}

/** Convert bytes of two offset-binary nibbles (w + 8) to two's-complement nibbles, in place. */
export function int4OffsetBinaryToSigned(bytes: Uint8Array): Uint8Array {
  for (let i = 0; i < bytes.length; i++) bytes[i] ^= 0x88;
  return bytes;
}
