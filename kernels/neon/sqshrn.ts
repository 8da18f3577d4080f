// SQSHRN / SQSHRN2 #imm: signed saturating shift right narrow, imm in 1..esize/2:
// sat(floor(x / 2^imm)) into the narrow lanes (low half, high half zeroed; "2" writes the high
// half and keeps the low).
import { expectImmediate, saturateSigned } from './registers';
import { expectNarrowing, narrowInto } from './narrow';

/** SQSHRN Vd.4H, Vn.4S, #imm (or .8B from .8H): d[i] = sat(n[i] >> imm). */
export function sqshrn(d: Int16Array, n: Int32Array, imm: number): Int16Array;
export function sqshrn(d: Int8Array, n: Int16Array, imm: number): Int8Array;
export function sqshrn(d: Int8Array | Int16Array, n: Int16Array | Int32Array, imm: number): Int8Array | Int16Array {
  expectNarrowing('sqshrn', d, n);
  const bits = d.BYTES_PER_ELEMENT * 8;
  expectImmediate('sqshrn', 'imm', imm, 1, bits);
  narrowInto(d, n, false, (x) => saturateSigned(Math.floor(x / 2 ** imm), bits));
  return d;
}

/** SQSHRN2: as SQSHRN into the high half of d, keeping the low half. */
export function sqshrn2(d: Int16Array, n: Int32Array, imm: number): Int16Array;
export function sqshrn2(d: Int8Array, n: Int16Array, imm: number): Int8Array;
export function sqshrn2(d: Int8Array | Int16Array, n: Int16Array | Int32Array, imm: number): Int8Array | Int16Array {
  expectNarrowing('sqshrn2', d, n);
  const bits = d.BYTES_PER_ELEMENT * 8;
  expectImmediate('sqshrn2', 'imm', imm, 1, bits);
  narrowInto(d, n, true, (x) => saturateSigned(Math.floor(x / 2 ** imm), bits));
  return d;
}
