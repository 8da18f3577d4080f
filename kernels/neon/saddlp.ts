// SADDLP: signed add long pairwise. Adjacent pairs of narrow lanes are added into one lane of
// twice the width (.16B -> .8H, .8H -> .4S). The widening makes it exact: no wrap is possible.
import { expectRegister } from './registers';

/** SADDLP Vd.8H, Vn.16B (or Vd.4S, Vn.8H): d[i] = n[2i] + n[2i+1]. */
export function saddlp(d: Int16Array, n: Int8Array): Int16Array;
export function saddlp(d: Int32Array, n: Int16Array): Int32Array;
export function saddlp(d: Int16Array | Int32Array, n: Int8Array | Int16Array): Int16Array | Int32Array {
  expectRegister('saddlp', 'd', d);
  expectRegister('saddlp', 'n', n);
  if (d.BYTES_PER_ELEMENT !== 2 * n.BYTES_PER_ELEMENT) {
    throw new Error(`saddlp: d lanes must be twice as wide as n lanes, got ${d.constructor.name} and ${n.constructor.name}`);
  }
  for (let i = 0; i < d.length; i++) d[i] = n[2 * i] + n[2 * i + 1];
  return d;
}
