// SQRSHRN / SQRSHRN2 #imm: signed saturating rounding shift right narrow, imm in 1..esize/2:
// sat(floor((x + 2^(imm-1)) / 2^imm)) computed at infinite precision (no overflow of the add),
// ties toward +inf.
import { expectImmediate, saturateSigned } from './registers';
import { expectNarrowing, narrowInto } from './narrow';

/** SQRSHRN Vd.4H, Vn.4S, #imm (or .8B from .8H): d[i] = sat((n[i] + 2^(imm-1)) >> imm). */
export function sqrshrn(d: Int16Array, n: Int32Array, imm: number): Int16Array;
export function sqrshrn(d: Int8Array, n: Int16Array, imm: number): Int8Array;
export function sqrshrn(d: Int8Array | Int16Array, n: Int16Array | Int32Array, imm: number): Int8Array | Int16Array {
  expectNarrowing('sqrshrn', d, n);
  const bits = d.BYTES_PER_ELEMENT * 8;
  expectImmediate('sqrshrn', 'imm', imm, 1, bits);
  narrowInto(d, n, false, (x) => saturateSigned(Math.floor((x + 2 ** (imm - 1)) / 2 ** imm), bits));
  return d;
}

/** SQRSHRN2: as SQRSHRN into the high half of d, keeping the low half. */
export function sqrshrn2(d: Int16Array, n: Int32Array, imm: number): Int16Array;
export function sqrshrn2(d: Int8Array, n: Int16Array, imm: number): Int8Array;
export function sqrshrn2(d: Int8Array | Int16Array, n: Int16Array | Int32Array, imm: number): Int8Array | Int16Array {
  expectNarrowing('sqrshrn2', d, n);
  const bits = d.BYTES_PER_ELEMENT * 8;
  expectImmediate('sqrshrn2', 'imm', imm, 1, bits);
  narrowInto(d, n, true, (x) => saturateSigned(Math.floor((x + 2 ** (imm - 1)) / 2 ** imm), bits));
  return d;
}
