// SRSHL (register): signed rounding shift left by the signed low byte of each Vm lane. A negative
// amount s is a rounding right shift (x + 2^(-s-1)) >> -s, computed without overflow, ties toward
// +inf: SRSHL(-5, -1) = -2, whereas gemmlowp's RoundingDivideByPOT(-5, 1) = -3. Amounts at or
// beyond minus the element size give 0; left shifts wrap.
import { expectRegister } from './registers';
import { shiftAmount, shiftElement } from './shift-element';

/** SRSHL Vd, Vn, Vm (.16B/.8H/.4S): d[i] = n[i] shifted by int8(m[i]), rounding right shifts. */
export function srshl<T extends Int8Array | Int16Array | Int32Array>(d: T, n: T, m: T): T {
  expectRegister('srshl', 'd', d);
  expectRegister('srshl', 'n', n);
  expectRegister('srshl', 'm', m);
  const bits = d.BYTES_PER_ELEMENT * 8;
  for (let i = 0; i < d.length; i++) d[i] = shiftElement(n[i], shiftAmount(m[i]), bits, true, false);
  return d;
}
