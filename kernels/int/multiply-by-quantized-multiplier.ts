// Applying a quantized multiplier (multiplier m, exponent shift, from quantizeMultiplier) to an
// int32 accumulator x, i.e. x·m·2^(shift-31) rounded to an integer. Two roundings exist in the
// wild and they differ by one on some inputs (x = -1000, m = 2^31 - 1, shift = -4 gives -63 with
// double rounding and -62 with single rounding), so each has its own name:
//
// - Double rounding (TFLite's default MultiplyByQuantizedMultiplier, gemmlowp): first
//   SaturatingRoundingDoublingHighMul(x·2^max(shift,0), m) (ties toward +inf), then
//   RoundingDivideByPOT(·, max(-shift,0)) (ties away from zero). The left shift wraps (SSHL).
// - Single rounding (TFLITE_SINGLE_ROUNDING, ruy since 2020): floor((x·m + 2^(30-shift)) /
//   2^(31-shift)), one rounding of the exact 64-bit product, ties toward +inf. Needs m >= 0 and
//   shift in [-31, 30]; a result outside int32 (TFLite only DCHECKs it) saturates here.
//
// - Double rounding with both ties upward (ruy's reference before it moved to single rounding, and
//   what SQRDMULH + SRSHL give without gemmlowp's fixup): like double rounding, but the right shift
//   rounds ties toward +inf. On (±1000, 2^31 - 1, -4) it gives 63 and -62.
//
// The *Mirror functions compute the same on four int32 lanes with the NEON instruction sequences
// real kernels use, and must agree with the scalar definitions bit for bit:
// - double: SSHL (left) · SQRDMULH · AND + SSHR #31 + SQADD (the "fixup" that turns SRSHL's ties
//   toward +inf into ties away from zero for negative x) · SRSHL (right);
// - single: for a right shift r >= 1, SSHL · SQDMULH · SRSHL: the truncation of SQDMULH followed
//   by a rounding shift by r equals one rounding by 31 + r (ruy's observation); for shift >= 0
//   there is no right shift and SQRDMULH provides the single rounding itself.
import { and, dup, sqadd, sqdmulh, sqrdmulh, srshl, sshl, sshr } from '../neon';
import { productShiftRight } from '../neon/product-shift-right';
import { roundingDivideByPOT, saturatingRoundingDoublingHighMul } from './fixed-point';

function checkShift(fn: string, shift: number, lo: number, hi: number): void {
  if (!Number.isInteger(shift) || shift < lo || shift > hi) {
    throw new Error(`${fn}: shift must be an integer in [${lo}, ${hi}], got ${shift}`);
  }
}

/** TFLite's double-rounding MultiplyByQuantizedMultiplier. shift in [-31, 31]. */
export function multiplyByQuantizedMultiplierDoubleRounding(x: number, multiplier: number, shift: number): number {
  checkShift('multiplyByQuantizedMultiplierDoubleRounding', shift, -31, 31);
  const left = shift > 0 ? shift : 0;
  const right = shift > 0 ? 0 : -shift;
  const shifted = left >= 32 ? 0 : x << left; // wraps, like C's int32 multiply in practice and SSHL
  return roundingDivideByPOT(saturatingRoundingDoublingHighMul(shifted, multiplier), right);
}

/** Double rounding with ties toward +inf in both steps (SQRDMULH then SRSHL). shift in [-31, 31]. */
export function multiplyByQuantizedMultiplierDoubleRoundingUp(x: number, multiplier: number, shift: number): number {
  checkShift('multiplyByQuantizedMultiplierDoubleRoundingUp', shift, -31, 31);
  const left = shift > 0 ? shift : 0;
  const right = shift > 0 ? 0 : -shift;
  const high = saturatingRoundingDoublingHighMul(left >= 32 ? 0 : x << left, multiplier);
  return right === 0 ? high : Math.floor((high + 2 ** (right - 1)) / 2 ** right);
}

/** TFLITE_SINGLE_ROUNDING MultiplyByQuantizedMultiplier. multiplier >= 0, shift in [-31, 30]. */
export function multiplyByQuantizedMultiplierSingleRounding(x: number, multiplier: number, shift: number): number {
  checkShift('multiplyByQuantizedMultiplierSingleRounding', shift, -31, 30);
  if (multiplier < 0) throw new Error(`multiplyByQuantizedMultiplierSingleRounding: multiplier must be >= 0, got ${multiplier}`);
  const r = productShiftRight(x, multiplier, 31 - shift, true);
  return r > 2147483647 ? 2147483647 : r < -2147483648 ? -2147483648 : r;
}

/** Double rounding on four lanes with the gemmlowp/TFLite NEON sequence; d may alias x. */
export function multiplyByQuantizedMultiplierDoubleRoundingMirror(
  d: Int32Array, x: Int32Array, multiplier: Int32Array, shift: Int32Array,
): Int32Array {
  const left = Int32Array.from(shift, (s) => (s > 0 ? s : 0));
  const right = Int32Array.from(shift, (s) => (s > 0 ? 0 : s)); // <= 0: a right shift for SRSHL
  const t = sshl(new Int32Array(4), x, left);
  sqrdmulh(t, t, multiplier);
  // fixup = (t & right) >> 31: -1 exactly when t < 0 and there is a right shift, else 0.
  const fixup = sshr(new Int32Array(4), and(new Int32Array(4), t, right), 31);
  sqadd(t, t, fixup);
  return srshl(d, t, right);
}

/** Single rounding on four lanes with ruy's NEON sequence; d may alias x. */
export function multiplyByQuantizedMultiplierSingleRoundingMirror(
  d: Int32Array, x: Int32Array, multiplier: Int32Array, shift: Int32Array,
): Int32Array {
  const out = new Int32Array(4);
  for (let i = 0; i < 4; i++) {
    // Lanes take the two paths by their shift sign; a real kernel has one shift per channel
    // block, so it branches once, not per lane.
    const lane = (v: number) => dup(new Int32Array(4), v);
    const t = sshl(new Int32Array(4), lane(x[i]), lane(Math.max(shift[i], 0)));
    if (shift[i] >= 0) sqrdmulh(t, t, lane(multiplier[i]));
    else srshl(t, sqdmulh(t, t, lane(multiplier[i])), lane(shift[i]));
    out[i] = t[0];
  }
  d.set(out);
  return d;
}
