// SQADD: signed saturating add, lane-wise; the exact sum is clamped to the lane's signed range.
// ruy adds the output zero point with an int16 SQADD so an extreme bias cannot wrap.
import { expectRegister, saturateSigned, type SignedLanes } from './registers';

/** SQADD Vd, Vn, Vm (.16B/.8H/.4S): d[i] = sat(n[i] + m[i]). */
export function sqadd<T extends SignedLanes>(d: T, n: T, m: T): T {
  expectRegister('sqadd', 'd', d);
  expectRegister('sqadd', 'n', n);
  expectRegister('sqadd', 'm', m);
  const bits = d.BYTES_PER_ELEMENT * 8;
  for (let i = 0; i < d.length; i++) d[i] = saturateSigned(n[i] + m[i], bits);
  return d;
}
