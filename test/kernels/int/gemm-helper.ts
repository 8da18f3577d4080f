// Shared test helpers for the integer GEMMs: seeded operands and a compact mismatch report.
import { Rng } from '../../../src/tensor/rng';

/** Seeded int8 values in [lo, hi] (inclusive), with a share of the extremes. */
export function randomInt8(rng: Rng, count: number, lo = -128, hi = 127): Int8Array {
  const out = new Int8Array(count);
  for (let i = 0; i < count; i++) {
    const r = rng.int(0, 8);
    out[i] = r === 0 ? lo : r === 1 ? hi : rng.int(lo, hi + 1);
  }
  return out;
}

/** Index of the first difference of two equal-length arrays, or -1. */
export function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** Collects shape-labelled comparisons; `failures` lists the first few that differed. */
export class ShapeChecks {
  readonly failures: string[] = [];
  count = 0;
  check(label: string, actual: ArrayLike<number>, expected: ArrayLike<number>): void {
    this.count++;
    const i = firstDifference(actual, expected);
    if (i >= 0 && this.failures.length < 5) this.failures.push(`${label}: element ${i} is ${actual[i]}, want ${expected[i]}`);
  }
}
