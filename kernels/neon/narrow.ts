// Shared plumbing of the narrowing instructions (SQXTN, SQXTUN, SQSHRN, SQRSHRN): a full register
// of wide lanes becomes half a register of narrow lanes. The plain form writes the low half of Vd
// and zeroes the high half; the "2" form writes the high half and keeps the low half.
import { expectRegister, type IntLanes } from './registers';

/** Check a narrowing pair: d is a register with lanes half as wide as n's. */
export function expectNarrowing(op: string, d: IntLanes, n: IntLanes): void {
  expectRegister(op, 'd', d);
  expectRegister(op, 'n', n);
  if (2 * d.BYTES_PER_ELEMENT !== n.BYTES_PER_ELEMENT) {
    throw new Error(`${op}: d lanes must be half as wide as n lanes, got ${d.constructor.name} and ${n.constructor.name}`);
  }
}

/** Write f(n[i]) into the low (upper = false, high half zeroed) or high half of d. */
export function narrowInto(d: IntLanes, n: IntLanes, upper: boolean, f: (x: number) => number): void {
  const half = n.length;
  const results = new Array<number>(half);
  for (let i = 0; i < half; i++) results[i] = f(n[i]); // read every source lane before writing
  for (let i = 0; i < half; i++) d[(upper ? half : 0) + i] = results[i];
  if (!upper) for (let i = half; i < 2 * half; i++) d[i] = 0;
}
