// SQXTN / SQXTN2: signed saturating extract narrow (.4S -> .4H, .8H -> .8B). Each lane is clamped
// to the narrow signed range. SQXTN writes the low half of Vd and zeroes the rest; SQXTN2 writes
// the high half and keeps the low half.
import { saturateSigned } from './registers';
import { expectNarrowing, narrowInto } from './narrow';

/** SQXTN Vd.4H, Vn.4S (or Vd.8B, Vn.8H): d[i] = sat(n[i]) for the low half; high half = 0. */
export function sqxtn(d: Int16Array, n: Int32Array): Int16Array;
export function sqxtn(d: Int8Array, n: Int16Array): Int8Array;
export function sqxtn(d: Int8Array | Int16Array, n: Int16Array | Int32Array): Int8Array | Int16Array {
  expectNarrowing('sqxtn', d, n);
  const bits = d.BYTES_PER_ELEMENT * 8;
  narrowInto(d, n, false, (x) => saturateSigned(x, bits));
  return d;
}

/** SQXTN2 Vd.8H, Vn.4S (or Vd.16B, Vn.8H): d[half+i] = sat(n[i]); the low half is kept. */
export function sqxtn2(d: Int16Array, n: Int32Array): Int16Array;
export function sqxtn2(d: Int8Array, n: Int16Array): Int8Array;
export function sqxtn2(d: Int8Array | Int16Array, n: Int16Array | Int32Array): Int8Array | Int16Array {
  expectNarrowing('sqxtn2', d, n);
  const bits = d.BYTES_PER_ELEMENT * 8;
  narrowInto(d, n, true, (x) => saturateSigned(x, bits));
  return d;
}
