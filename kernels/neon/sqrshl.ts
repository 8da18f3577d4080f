// SQRSHL (register): signed saturating rounding shift left. Like SRSHL, but a left shift that
// overflows the lane saturates to MIN/MAX instead of wrapping (any nonzero value shifted by >=
// esize saturates).
import { expectRegister } from './registers';
import { shiftAmount, shiftElement } from './shift-element';

/** SQRSHL Vd, Vn, Vm (.16B/.8H/.4S): d[i] = n[i] shifted by int8(m[i]), rounding, saturating. */
export function sqrshl<T extends Int8Array | Int16Array | Int32Array>(d: T, n: T, m: T): T {
  expectRegister('sqrshl', 'd', d);
  expectRegister('sqrshl', 'n', n);
  expectRegister('sqrshl', 'm', m);
  const bits = d.BYTES_PER_ELEMENT * 8;
  for (let i = 0; i < d.length; i++) d[i] = shiftElement(n[i], shiftAmount(m[i]), bits, true, true);
  return d;
}
