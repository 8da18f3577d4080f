// SRSHR #imm: signed rounding shift right by an immediate in 1..esize, (x + 2^(imm-1)) >> imm at
// infinite precision, ties toward +inf. SRSHR #esize gives 0 for every input.
import { expectImmediate, expectRegister } from './registers';
import { shiftElement } from './shift-element';

/** SRSHR Vd, Vn, #imm (.16B/.8H/.4S): d[i] = (n[i] + 2^(imm-1)) >> imm. */
export function srshr<T extends Int8Array | Int16Array | Int32Array>(d: T, n: T, imm: number): T {
  expectRegister('srshr', 'd', d);
  expectRegister('srshr', 'n', n);
  const bits = d.BYTES_PER_ELEMENT * 8;
  expectImmediate('srshr', 'imm', imm, 1, bits);
  for (let i = 0; i < d.length; i++) d[i] = shiftElement(n[i], -imm, bits, true, false);
  return d;
}
