// Widening moves: SSHLL/SSHLL2 (signed shift left long; SXTL is SSHLL #0) and SADDW/SADDW2 (signed
// add wide). They take the low (or, for the "2" forms, high) half of a narrow register up to twice
// the lane width, which is how int16 partial sums drain into int32 accumulators.
import { expectImmediate, expectRegister } from './registers';

type Narrow = Int8Array | Int16Array;
type Wide = Int16Array | Int32Array;

function checkWidening(op: string, d: Wide, n: Narrow): void {
  expectRegister(op, 'd', d);
  expectRegister(op, 'n', n);
  if (d.BYTES_PER_ELEMENT !== 2 * n.BYTES_PER_ELEMENT) {
    throw new Error(`${op}: d lanes must be twice as wide as n lanes, got ${d.constructor.name} and ${n.constructor.name}`);
  }
}

/** SSHLL Vd.4S, Vn.4H, #imm (or .8H from .8B): d[i] = n[i]·2^imm for the low half; exact. */
export function sshll(d: Int32Array, n: Int16Array, imm: number): Int32Array;
export function sshll(d: Int16Array, n: Int8Array, imm: number): Int16Array;
export function sshll(d: Wide, n: Narrow, imm: number): Wide {
  checkWidening('sshll', d, n);
  expectImmediate('sshll', 'imm', imm, 0, n.BYTES_PER_ELEMENT * 8 - 1);
  for (let i = 0; i < d.length; i++) d[i] = n[i] * 2 ** imm;
  return d;
}

/** SSHLL2 Vd.4S, Vn.8H, #imm (or .8H from .16B): as SSHLL on the high half of n. */
export function sshll2(d: Int32Array, n: Int16Array, imm: number): Int32Array;
export function sshll2(d: Int16Array, n: Int8Array, imm: number): Int16Array;
export function sshll2(d: Wide, n: Narrow, imm: number): Wide {
  checkWidening('sshll2', d, n);
  expectImmediate('sshll2', 'imm', imm, 0, n.BYTES_PER_ELEMENT * 8 - 1);
  const half = d.length;
  for (let i = 0; i < half; i++) d[i] = n[half + i] * 2 ** imm;
  return d;
}

/** SADDW Vd.4S, Vn.4S, Vm.4H (or .8H with .8B): d[i] = wrap(n[i] + m[i]) using m's low half. */
export function saddw(d: Int32Array, n: Int32Array, m: Int16Array): Int32Array;
export function saddw(d: Int16Array, n: Int16Array, m: Int8Array): Int16Array;
export function saddw(d: Wide, n: Wide, m: Narrow): Wide {
  checkWidening('saddw', d, m);
  expectRegister('saddw', 'n', n);
  // The typed-array store wraps the exact sum at the wide width.
  for (let i = 0; i < d.length; i++) d[i] = n[i] + m[i];
  return d;
}

/** SADDW2 Vd.4S, Vn.4S, Vm.8H (or .8H with .16B): as SADDW with m's high half. */
export function saddw2(d: Int32Array, n: Int32Array, m: Int16Array): Int32Array;
export function saddw2(d: Int16Array, n: Int16Array, m: Int8Array): Int16Array;
export function saddw2(d: Wide, n: Wide, m: Narrow): Wide {
  checkWidening('saddw2', d, m);
  expectRegister('saddw2', 'n', n);
  const half = d.length;
  for (let i = 0; i < half; i++) d[i] = n[i] + m[half + i];
  return d;
}
