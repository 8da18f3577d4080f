// SSHL (register): signed shift left by the signed low byte of each Vm lane; negative amounts are
// arithmetic right shifts (truncating toward -inf). Left shifts wrap; amounts beyond the element
// size give 0 (left) or the sign fill 0/-1 (right).
import { expectRegister } from './registers';
import { shiftAmount, shiftElement } from './shift-element';

/** SSHL Vd, Vn, Vm (.16B/.8H/.4S): d[i] = n[i] shifted by int8(m[i]), no rounding, wrapping. */
export function sshl<T extends Int8Array | Int16Array | Int32Array>(d: T, n: T, m: T): T {
  expectRegister('sshl', 'd', d);
  expectRegister('sshl', 'n', n);
  expectRegister('sshl', 'm', m);
  const bits = d.BYTES_PER_ELEMENT * 8;
  for (let i = 0; i < d.length; i++) d[i] = shiftElement(n[i], shiftAmount(m[i]), bits, false, false);
  return d;
}
