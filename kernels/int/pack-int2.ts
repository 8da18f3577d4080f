// Storage format "int2": four signed 2-bit weights per byte, each row packed on its own.
//
// Field order and distance: a row is cut into chunks of 4·d values (d = `distance`); byte j of
// chunk c holds values k = c·4d + j + t·d in bits 2t..2t+1 for t = 0..3. Decoding is AND #3 for
// t = 0 and USHR #2t (then AND #3) for the others, as in KleidiAI's 2-bit kernels; d = 16 lets one
// 16-byte load feed four SDOT operands covering 64 consecutive k.
//
// Codes: a weight w in [-2, 1] is stored as the offset-binary code w + 2 in [0, 3]; the kernels
// decode codes through the TBL table {-2, -1, 0, 1}. A padded zero weight is code 2.
import { checkDims, checkIntRange, checkLength } from './validate';

export interface PackedInt2 {
  format: 'int2';
  rows: number;
  cols: number;
  /** Field distance d: a byte holds values k, k + d, k + 2d, k + 3d. */
  distance: number;
  /** Bytes per row: ceil(cols / 4d)·d. */
  rowBytes: number;
  data: Uint8Array;
}

/** The decode table: code c stands for weight INT2_LEVELS[c]. */
export const INT2_LEVELS: readonly number[] = [-2, -1, 0, 1];

export function int2RowBytes(cols: number, distance: number): number {
  return Math.ceil(cols / (4 * distance)) * distance;
}

function int2Position(k: number, d: number): [number, number] {
  const chunk = Math.floor(k / (4 * d));
  const r = k - chunk * 4 * d;
  return [chunk * d + (r % d), Math.floor(r / d)];
}

function checkDistance(fn: string, distance: number): void {
  if (!Number.isInteger(distance) || distance < 1) {
    throw new Error(`${fn}: distance must be a positive integer, got ${distance}`);
  }
}

/** Pack integer values in [-2, 1] (row-major rows x cols) four per byte; see the file header. */
export function packInt2(values: ArrayLike<number>, rows: number, cols: number, distance = 16): PackedInt2 {
  checkDims('packInt2', { rows, cols });
  checkDistance('packInt2', distance);
  checkLength('packInt2', 'values', values, rows * cols, `${rows}x${cols}`);
  checkIntRange('packInt2', 'values', values, rows * cols, -2, 1);
  const rowBytes = int2RowBytes(cols, distance);
  // Every field starts as code 2 (weight 0), so padding decodes to zero.
  const data = new Uint8Array(rows * rowBytes).fill(0b10101010);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < cols; k++) {
      const [byte, t] = int2Position(k, distance);
      const at = r * rowBytes + byte;
      data[at] = (data[at] & ~(3 << (2 * t))) | ((values[r * cols + k] + 2) << (2 * t));
    }
  }
  return { format: 'int2', rows, cols, distance, rowBytes, data };
}

/** The signed values of an int2 matrix, row-major. */
export function unpackInt2(packed: PackedInt2): Int8Array {
  const { rows, cols, distance, rowBytes, data } = packed;
  checkDistance('unpackInt2', distance);
  if (rowBytes !== int2RowBytes(cols, distance)) {
    throw new Error(`unpackInt2: rowBytes ${rowBytes} does not match ${cols} columns at distance ${distance} (need ${int2RowBytes(cols, distance)})`);
  }
  checkLength('unpackInt2', 'data', data, rows * rowBytes, `${rows} rows of ${rowBytes} bytes`);
  const out = new Int8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < cols; k++) {
      const [byte, t] = int2Position(k, distance);
      out[r * cols + k] = INT2_LEVELS[(data[r * rowBytes + byte] >> (2 * t)) & 3];
    }
  }
  return out;
}
