// DUP / MOVI: broadcast one value (a general register or an immediate) or one lane of a vector to
// every lane. The constant masks, zero points and shift amounts of a kernel come from here.
import { expectImmediate, expectRegister, type IntLanes } from './registers';

/** DUP Vd, Wn (or MOVI): every lane = value, reduced to the lane width. */
export function dup<T extends IntLanes>(d: T, value: number): T {
  expectRegister('dup', 'd', d);
  if (!Number.isInteger(value)) throw new Error(`dup: value must be an integer, got ${value}`);
  d.fill(value);
  return d;
}

/** DUP Vd, Vn.T[lane]: every lane = n[lane]. */
export function dupLane<T extends IntLanes>(d: T, n: T, lane: number): T {
  expectRegister('dupLane', 'd', d);
  expectRegister('dupLane', 'n', n);
  expectImmediate('dupLane', 'lane', lane, 0, n.length - 1);
  d.fill(n[lane]);
  return d;
}
