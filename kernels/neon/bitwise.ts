// AND / ORR / EOR (vector): bitwise logic on the whole register. AND with 0xF0 keeps a high
// nibble (int4 decode), AND with 3 keeps a 2-bit field, EOR with 0x88 turns offset-binary int4
// nibbles into two's complement, ORR assembles index fields into a TBL index.
import { expectRegister, type IntLanes } from './registers';

/** AND Vd, Vn, Vm: d[i] = n[i] & m[i]. */
export function and<T extends IntLanes>(d: T, n: T, m: T): T {
  expectRegister('and', 'd', d);
  expectRegister('and', 'n', n);
  expectRegister('and', 'm', m);
  for (let i = 0; i < d.length; i++) d[i] = n[i] & m[i];
  return d;
}

/** ORR Vd, Vn, Vm: d[i] = n[i] | m[i]. */
export function orr<T extends IntLanes>(d: T, n: T, m: T): T {
  expectRegister('orr', 'd', d);
  expectRegister('orr', 'n', n);
  expectRegister('orr', 'm', m);
  for (let i = 0; i < d.length; i++) d[i] = n[i] | m[i];
  return d;
}

/** EOR Vd, Vn, Vm: d[i] = n[i] ^ m[i]. */
export function eor<T extends IntLanes>(d: T, n: T, m: T): T {
  expectRegister('eor', 'd', d);
  expectRegister('eor', 'n', n);
  expectRegister('eor', 'm', m);
  for (let i = 0; i < d.length; i++) d[i] = n[i] ^ m[i];
  return d;
}
