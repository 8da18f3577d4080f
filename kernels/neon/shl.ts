// SHL #imm: shift left by an immediate in 0..esize-1, keeping the low esize bits (wrapping). On
// bytes, SHL #4 moves a low nibble into the high nibble: the int4 decode that yields w·16.
import { elementBits, expectImmediate, expectRegister, type IntLanes } from './registers';

/** SHL Vd, Vn, #imm (any lane size, signed or unsigned view): d[i] = n[i] << imm, wrapping. */
export function shl<T extends IntLanes>(d: T, n: T, imm: number): T {
  expectRegister('shl', 'd', d);
  expectRegister('shl', 'n', n);
  const bits = elementBits(d);
  expectImmediate('shl', 'imm', imm, 0, bits - 1);
  // The typed-array store keeps the low `bits` bits (and re-signs them for signed views).
  for (let i = 0; i < d.length; i++) d[i] = n[i] << imm;
  return d;
}
