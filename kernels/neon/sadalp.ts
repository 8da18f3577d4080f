// SADALP: signed add and accumulate long pairwise. Like SADDLP, but the pair sums are added to the
// wide lanes of Vd, wrapping at the wide width (mod 2^16 for .8H, mod 2^32 for .4S). ruy's NEON
// int8 kernel uses it to drain int16 product pairs into int32 accumulators.
import { expectRegister } from './registers';

/** SADALP Vd.8H, Vn.16B (or Vd.4S, Vn.8H): d[i] = wrap(d[i] + n[2i] + n[2i+1]). */
export function sadalp(d: Int16Array, n: Int8Array): Int16Array;
export function sadalp(d: Int32Array, n: Int16Array): Int32Array;
export function sadalp(d: Int16Array | Int32Array, n: Int8Array | Int16Array): Int16Array | Int32Array {
  expectRegister('sadalp', 'd', d);
  expectRegister('sadalp', 'n', n);
  if (d.BYTES_PER_ELEMENT !== 2 * n.BYTES_PER_ELEMENT) {
    throw new Error(`sadalp: d lanes must be twice as wide as n lanes, got ${d.constructor.name} and ${n.constructor.name}`);
  }
  // The sum is exact in a double; the typed-array store reduces it mod 2^16 or 2^32 (the wrap).
  for (let i = 0; i < d.length; i++) d[i] = d[i] + n[2 * i] + n[2 * i + 1];
  return d;
}
