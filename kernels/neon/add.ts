// ADD / SUB (vector): plain lane-wise addition and subtraction, wrapping mod 2^esize. On bytes,
// SUB by 64 shifts TBL indices into the next group of four table registers (see tbx.ts).
import { expectRegister, type IntLanes } from './registers';

/** ADD Vd, Vn, Vm (any lane size): d[i] = n[i] + m[i], wrapping. */
export function add<T extends IntLanes>(d: T, n: T, m: T): T {
  expectRegister('add', 'd', d);
  expectRegister('add', 'n', n);
  expectRegister('add', 'm', m);
  // The exact sum fits a double; the typed-array store reduces it mod 2^esize.
  for (let i = 0; i < d.length; i++) d[i] = n[i] + m[i];
  return d;
}

/** SUB Vd, Vn, Vm (any lane size): d[i] = n[i] - m[i], wrapping. */
export function sub<T extends IntLanes>(d: T, n: T, m: T): T {
  expectRegister('sub', 'd', d);
  expectRegister('sub', 'n', n);
  expectRegister('sub', 'm', m);
  for (let i = 0; i < d.length; i++) d[i] = n[i] - m[i];
  return d;
}
