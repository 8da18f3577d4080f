// Storage format "indices": unsigned b-bit codes (b = 1..8), e.g. DDQ codebook indices, packed
// densely. Each row is one little-endian bit stream: value k occupies bits k·b .. k·b + b - 1 of
// the row, bit i of the stream being bit (i mod 8) of byte floor(i / 8). A field may straddle two
// bytes (b = 3, 5, 6, 7). Rows start on a byte boundary: ceil(cols·b / 8) bytes per row, unused
// high bits of a row's last byte are zero. This is the compact form for model files; the GEMMs
// repack codes into their own panels.
import { checkDims, checkIntRange, checkLength } from './validate';

export interface PackedIndices {
  format: 'indices';
  rows: number;
  cols: number;
  bits: number;
  rowBytes: number;
  data: Uint8Array;
}

function checkBits(fn: string, bits: number): void {
  if (!Number.isInteger(bits) || bits < 1 || bits > 8) {
    throw new Error(`${fn}: bits must be an integer in [1, 8], got ${bits}`);
  }
}

export function indicesRowBytes(cols: number, bits: number): number {
  return Math.ceil((cols * bits) / 8);
}

/** Pack integer codes in [0, 2^bits) (row-major rows x cols) as dense bit streams. */
export function packIndices(values: ArrayLike<number>, rows: number, cols: number, bits: number): PackedIndices {
  checkDims('packIndices', { rows, cols });
  checkBits('packIndices', bits);
  checkLength('packIndices', 'values', values, rows * cols, `${rows}x${cols}`);
  checkIntRange('packIndices', 'values', values, rows * cols, 0, 2 ** bits - 1);
  const rowBytes = indicesRowBytes(cols, bits);
  const data = new Uint8Array(rows * rowBytes);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < cols; k++) {
      const bit = k * bits;
      const at = r * rowBytes + (bit >> 3);
      // The field shifted to its bit offset spans at most two bytes (offset <= 7, bits <= 8).
      const field = values[r * cols + k] << (bit & 7);
      data[at] |= field & 0xff;
      if (field > 0xff) data[at + 1] |= field >> 8;
    }
  }
  return { format: 'indices', rows, cols, bits, rowBytes, data };
}

/** The codes of an indices matrix, row-major. */
export function unpackIndices(packed: PackedIndices): Uint8Array {
  const { rows, cols, bits, rowBytes, data } = packed;
  checkBits('unpackIndices', bits);
  if (rowBytes !== indicesRowBytes(cols, bits)) {
    throw new Error(`unpackIndices: rowBytes ${rowBytes} does not match ${cols} columns of ${bits} bits (need ${indicesRowBytes(cols, bits)})`);
  }
  checkLength('unpackIndices', 'data', data, rows * rowBytes, `${rows} rows of ${rowBytes} bytes`);
  const out = new Uint8Array(rows * cols);
  const mask = (1 << bits) - 1;
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < cols; k++) {
      const bit = k * bits;
      const at = r * rowBytes + (bit >> 3);
      const two = data[at] | ((bit & 7) + bits > 8 ? data[at + 1] << 8 : 0);
      out[r * cols + k] = (two >> (bit & 7)) & mask;
    }
  }
  return out;
}
