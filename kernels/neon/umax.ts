// UMAX / UMIN: unsigned lane-wise maximum and minimum (the clamp of uint8 outputs).
import { expectRegister, type UnsignedLanes } from './registers';

/** UMAX Vd, Vn, Vm (.16B/.8H/.4S): d[i] = max(n[i], m[i]), unsigned. */
export function umax<T extends UnsignedLanes>(d: T, n: T, m: T): T {
  expectRegister('umax', 'd', d);
  expectRegister('umax', 'n', n);
  expectRegister('umax', 'm', m);
  for (let i = 0; i < d.length; i++) d[i] = n[i] > m[i] ? n[i] : m[i];
  return d;
}

/** UMIN Vd, Vn, Vm (.16B/.8H/.4S): d[i] = min(n[i], m[i]), unsigned. */
export function umin<T extends UnsignedLanes>(d: T, n: T, m: T): T {
  expectRegister('umin', 'd', d);
  expectRegister('umin', 'n', n);
  expectRegister('umin', 'm', m);
  for (let i = 0; i < d.length; i++) d[i] = n[i] < m[i] ? n[i] : m[i];
  return d;
}
