// SQXTUN / SQXTUN2: signed saturating extract unsigned narrow (.4S -> .4H, .8H -> .8B): a signed
// lane clamped to [0, 2^(esize/2) - 1]. This is how uint8 outputs leave an int16 pipeline.
import { saturateUnsigned } from './registers';
import { expectNarrowing, narrowInto } from './narrow';

/** SQXTUN Vd.4H, Vn.4S (or Vd.8B, Vn.8H): d[i] = clamp(n[i], 0, MAX) low half; high half = 0. */
export function sqxtun(d: Uint16Array, n: Int32Array): Uint16Array;
export function sqxtun(d: Uint8Array, n: Int16Array): Uint8Array;
export function sqxtun(d: Uint8Array | Uint16Array, n: Int16Array | Int32Array): Uint8Array | Uint16Array {
  expectNarrowing('sqxtun', d, n);
  const bits = d.BYTES_PER_ELEMENT * 8;
  narrowInto(d, n, false, (x) => saturateUnsigned(x, bits));
  return d;
}

/** SQXTUN2: as SQXTUN into the high half of d, keeping the low half. */
export function sqxtun2(d: Uint16Array, n: Int32Array): Uint16Array;
export function sqxtun2(d: Uint8Array, n: Int16Array): Uint8Array;
export function sqxtun2(d: Uint8Array | Uint16Array, n: Int16Array | Int32Array): Uint8Array | Uint16Array {
  expectNarrowing('sqxtun2', d, n);
  const bits = d.BYTES_PER_ELEMENT * 8;
  narrowInto(d, n, true, (x) => saturateUnsigned(x, bits));
  return d;
}
