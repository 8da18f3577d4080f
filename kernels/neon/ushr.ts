// USHR #imm: unsigned (logical) shift right by an immediate in 1..esize; zeros shift in. On
// bytes, USHR #2/#4/#6 bring the packed 2-bit or 4-bit fields down for AND/TBL decoding.
import { elementBits, expectImmediate, expectRegister, type IntLanes } from './registers';

/** USHR Vd, Vn, #imm (any lane size; lanes read as unsigned): d[i] = n[i] >>> imm. */
export function ushr<T extends IntLanes>(d: T, n: T, imm: number): T {
  expectRegister('ushr', 'd', d);
  expectRegister('ushr', 'n', n);
  const bits = elementBits(d);
  expectImmediate('ushr', 'imm', imm, 1, bits);
  const mask = bits === 32 ? 0xffffffff : (1 << bits) - 1;
  for (let i = 0; i < d.length; i++) {
    const u = (n[i] & mask) >>> 0; // the lane's bits as an unsigned number
    d[i] = imm >= 32 ? 0 : u >>> imm;
  }
  return d;
}
