// SMAX / SMIN: signed lane-wise maximum and minimum; the clamp of a fused activation (ReLU6 is
// SMAX with the zero point then SMIN with quantized 6).
import { expectRegister, type SignedLanes } from './registers';

/** SMAX Vd, Vn, Vm (.16B/.8H/.4S): d[i] = max(n[i], m[i]). */
export function smax<T extends SignedLanes>(d: T, n: T, m: T): T {
  expectRegister('smax', 'd', d);
  expectRegister('smax', 'n', n);
  expectRegister('smax', 'm', m);
  for (let i = 0; i < d.length; i++) d[i] = n[i] > m[i] ? n[i] : m[i];
  return d;
}

/** SMIN Vd, Vn, Vm (.16B/.8H/.4S): d[i] = min(n[i], m[i]). */
export function smin<T extends SignedLanes>(d: T, n: T, m: T): T {
  expectRegister('smin', 'd', d);
  expectRegister('smin', 'n', n);
  expectRegister('smin', 'm', m);
  for (let i = 0; i < d.length; i++) d[i] = n[i] < m[i] ? n[i] : m[i];
  return d;
}
