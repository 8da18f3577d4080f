// Storage format "int8 rows": a weight matrix [rows x cols] (one output channel per row, cols =
// cIn·kh·kw) as plain two's-complement bytes, row-major, no padding. The other formats pack more
// values per byte; this one is the baseline and what the int8 GEMMs' panel packers read.
import { checkDims, checkIntRange, checkLength } from './validate';

export interface PackedInt8 {
  format: 'int8';
  rows: number;
  cols: number;
  data: Int8Array;
}

/** Pack integer values in [-128, 127] (row-major rows x cols) into int8 rows. */
export function packInt8(values: ArrayLike<number>, rows: number, cols: number): PackedInt8 {
  checkDims('packInt8', { rows, cols });
  checkLength('packInt8', 'values', values, rows * cols, `${rows}x${cols}`);
  checkIntRange('packInt8', 'values', values, rows * cols, -128, 127);
  const data = new Int8Array(rows * cols);
  for (let i = 0; i < rows * cols; i++) data[i] = values[i];
  return { format: 'int8', rows, cols, data };
}

/** The values of an int8-rows matrix, row-major. */
export function unpackInt8(packed: PackedInt8): Int8Array {
  checkLength('unpackInt8', 'data', packed.data, packed.rows * packed.cols, `${packed.rows}x${packed.cols}`);
  return packed.data.slice(0, packed.rows * packed.cols);
}
