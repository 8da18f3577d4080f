// ADDV: add across vector. All lanes summed into one scalar of the lane width, wrapping (ADDV on
// .4S gives a 32-bit result mod 2^32). Kernels use it to reduce a row sum to one number.
import { expectRegister, type SignedLanes } from './registers';

/** ADDV <V>d, Vn.T: the sum of n's lanes, wrapped to the lane width (signed view). */
export function addv(n: SignedLanes): number {
  expectRegister('addv', 'n', n);
  let s = 0;
  for (let i = 0; i < n.length; i++) s += n[i];
  const bits = n.BYTES_PER_ELEMENT * 8;
  return (s << (32 - bits)) >> (32 - bits);
}
