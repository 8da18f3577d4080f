// SQSUB: signed saturating subtract, lane-wise; the exact difference is clamped to the signed range.
import { expectRegister, saturateSigned, type SignedLanes } from './registers';

/** SQSUB Vd, Vn, Vm (.16B/.8H/.4S): d[i] = sat(n[i] - m[i]). */
export function sqsub<T extends SignedLanes>(d: T, n: T, m: T): T {
  expectRegister('sqsub', 'd', d);
  expectRegister('sqsub', 'n', n);
  expectRegister('sqsub', 'm', m);
  const bits = d.BYTES_PER_ELEMENT * 8;
  for (let i = 0; i < d.length; i++) d[i] = saturateSigned(n[i] - m[i], bits);
  return d;
}
