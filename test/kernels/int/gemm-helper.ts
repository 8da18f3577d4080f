// Shared test helpers for the integer GEMMs: seeded operands and a compact mismatch report.
import { Rng } from '../../../src/tensor/rng';
import type { RequantizeChannelsParams } from '../../../kernels/int/requantize-channels-reference';

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

/**
 * Seeded per-channel output-stage parameters for the fused GEMMs: both multiplier signs, shifts
 * of the fast path, and with `checked` some biases and shifts that force the checked path.
 */
export function randomRequantizeParams(rng: Rng, C: number, checked: boolean, qmin: number, qmax: number): RequantizeChannelsParams {
  const MAX = 2147483647;
  return {
    bias: Int32Array.from({ length: C }, () => (checked && rng.int(0, 3) === 0 ? rng.int(-3000000, 3000000) : rng.int(-30000, 30000))),
    multiplier: Int32Array.from({ length: C }, () => (rng.int(0, 4) ? 1 : -1) * rng.int(1 << 30, MAX)),
    shift: Int32Array.from({ length: C }, () => (checked && rng.int(0, 3) === 0 ? rng.int(-31, -20) : rng.int(-13, -3))),
    fraction: Int32Array.from({ length: C }, () => rng.int(-32768, 32769)),
    offset: Int32Array.from({ length: C }, () => rng.int(-20, 140)),
    qmin,
    qmax,
  };
}

/** Seeded uint8 codes with a share of the extremes 0 and 255. */
export const edgeCodes = (rng: Rng, count: number): Uint8Array =>
  Uint8Array.from({ length: count }, () => (rng.int(0, 4) === 0 ? 255 : rng.int(0, 3) === 0 ? 0 : rng.int(0, 256)));
