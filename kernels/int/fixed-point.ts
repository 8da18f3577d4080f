// gemmlowp's scalar fixed-point primitives (fixedpoint/fixedpoint.h), the building blocks of
// TFLite's double-rounding requantization:
// - saturatingRoundingDoublingHighMul(a, b): round(a·b / 2^31), ties toward +inf, with the one
//   overflow MIN·MIN saturated to MAX; bit-identical to the SQRDMULH instruction.
// - roundingDivideByPOT(x, e): x / 2^e rounded to nearest with ties AWAY FROM ZERO, so
//   roundingDivideByPOT(-5, 1) = -3, whereas SRSHL by -1 (ties toward +inf) gives -2.
import { productShiftRight } from '../neon/product-shift-right';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** SQRDMULH on scalars: sat(floor((a·b + 2^30) / 2^31)) for int32 a, b. */
export function saturatingRoundingDoublingHighMul(a: number, b: number): number {
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  return productShiftRight(a, b, 31, true);
}

/** x / 2^exponent, rounded to nearest, ties away from zero; exponent in [0, 31]. */
export function roundingDivideByPOT(x: number, exponent: number): number {
  if (!Number.isInteger(exponent) || exponent < 0 || exponent > 31) {
    throw new Error(`roundingDivideByPOT: exponent must be an integer in [0, 31], got ${exponent}`);
  }
  // gemmlowp: mask = 2^e - 1, remainder = x & mask, threshold = mask/2 (+1 for negative x),
  // result = (x >> e) + (remainder > threshold). Written with exact doubles instead of bit ops.
  const mask = 2 ** exponent - 1;
  const floor = Math.floor(x / 2 ** exponent);
  const remainder = x - floor * 2 ** exponent;
  const threshold = Math.floor(mask / 2) + (x < 0 ? 1 : 0);
  return floor + (remainder > threshold ? 1 : 0);
}
