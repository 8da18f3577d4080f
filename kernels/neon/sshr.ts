// SSHR #imm: signed (arithmetic) shift right by an immediate in 1..esize, truncating toward -inf;
// SSHR #esize gives the sign fill (0 or -1).
import { expectImmediate, expectRegister } from './registers';
import { shiftElement } from './shift-element';

/** SSHR Vd, Vn, #imm (.16B/.8H/.4S): d[i] = n[i] >> imm (arithmetic). */
export function sshr<T extends Int8Array | Int16Array | Int32Array>(d: T, n: T, imm: number): T {
  expectRegister('sshr', 'd', d);
  expectRegister('sshr', 'n', n);
  const bits = d.BYTES_PER_ELEMENT * 8;
  expectImmediate('sshr', 'imm', imm, 1, bits);
  for (let i = 0; i < d.length; i++) d[i] = shiftElement(n[i], -imm, bits, false, false);
  return d;
}
