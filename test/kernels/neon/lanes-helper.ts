// Test helpers for the NEON mirrors: edge-biased random registers and BigInt wrapping/saturation,
// so every reference below is written from the Arm pseudocode with exact integers.
import { Rng } from '../../../src/tensor/rng';

type Ctor = Int8ArrayConstructor | Int16ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor | Uint16ArrayConstructor | Uint32ArrayConstructor;

/** Values worth hitting for a signed or unsigned lane of `bits` bits. */
export function edgeValues(bits: number, signed: boolean): number[] {
  const min = signed ? -(2 ** (bits - 1)) : 0;
  const max = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  const v = new Set<number>([min, min + 1, min + 2, max, max - 1, max - 2, 0, 1, 2, 3, 15, 16, 17]);
  if (signed) [-1, -2, -3, -5].forEach((x) => v.add(x));
  for (let i = 0; i < bits - 1; i++) for (const d of [-1, 0, 1]) v.add(2 ** i + d).add(-(2 ** i) + d);
  return [...v].filter((x) => x >= min && x <= max);
}

/** A register of `count` lanes: a quarter edge values, the rest uniform random bits. */
export function randomLanes<T extends Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array>(rng: Rng, ctor: Ctor, count?: number): T {
  const arr = new ctor(count ?? 16 / ctor.BYTES_PER_ELEMENT) as T;
  const bits = ctor.BYTES_PER_ELEMENT * 8;
  const signed = ctor === Int8Array || ctor === Int16Array || ctor === Int32Array;
  const edges = edgeValues(bits, signed);
  for (let i = 0; i < arr.length; i++) {
    arr[i] = rng.int(0, 4) === 0 ? edges[rng.int(0, edges.length)] : rng.nextUint32(); // store wraps
  }
  return arr;
}

export function wrapSigned(x: bigint, bits: number): number {
  return Number(BigInt.asIntN(bits, x));
}

export function wrapUnsigned(x: bigint, bits: number): number {
  return Number(BigInt.asUintN(bits, x));
}

export function satSigned(x: bigint, bits: number): number {
  const max = (1n << BigInt(bits - 1)) - 1n;
  const min = -(1n << BigInt(bits - 1));
  return Number(x > max ? max : x < min ? min : x);
}

export function satUnsigned(x: bigint, bits: number): number {
  const max = (1n << BigInt(bits)) - 1n;
  return Number(x > max ? max : x < 0n ? 0n : x);
}

export const B = (x: number): bigint => BigInt(x);

/**
 * Collects (label, actual, expected) comparisons and reports them as one assertion, listing the
 * first few mismatches: thousands of random lanes stay one cheap tap assert.
 */
export class Mismatches {
  private readonly bad: string[] = [];
  count = 0;
  check(label: string, actual: ArrayLike<number>, expected: ArrayLike<number>): void {
    this.count++;
    let same = actual.length === expected.length;
    for (let i = 0; same && i < actual.length; i++) same = Object.is(actual[i], expected[i]) || actual[i] === expected[i];
    if (!same && this.bad.length < 5) this.bad.push(`${label}: got [${Array.from(actual)}], want [${Array.from(expected)}]`);
  }
  /** The first mismatches (empty when all agreed). */
  get failures(): string[] {
    return this.bad;
  }
}
