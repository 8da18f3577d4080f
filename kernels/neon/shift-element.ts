// The one shift rule behind SSHL, SRSHL, SQRSHL and their immediate forms (SHL, SSHR, SRSHR),
// following the Arm pseudocode: a positive amount shifts left, a negative one shifts right,
// rounding adds 2^(s-1) first at infinite precision (ties toward +inf), saturating clamps a left
// shift that overflows instead of wrapping.

/**
 * Shift the signed `bits`-bit value `x` by `shift` (any integer: left if positive, right if
 * negative) and return the `bits`-bit signed result.
 * - left, not saturating: the low `bits` bits of x·2^shift (0 once shift >= bits);
 * - left, saturating: x·2^shift clamped to the signed range (0 stays 0);
 * - right by s = -shift: floor((x + (rounding ? 2^(s-1) : 0)) / 2^s); once s >= bits that is 0
 *   when rounding and the sign fill (0 or -1) otherwise.
 */
export function shiftElement(x: number, shift: number, bits: number, rounding: boolean, saturating: boolean): number {
  if (shift >= 0) {
    if (saturating) {
      const v = x * 2 ** shift; // exact: scaling by a power of two
      const max = 2 ** (bits - 1) - 1;
      const min = -(2 ** (bits - 1));
      return v > max ? max : v < min ? min : v;
    }
    if (shift >= bits) return 0;
    // x << shift keeps the low 32 bits; re-sign-extend from `bits` for 8/16-bit lanes.
    return ((x << shift) << (32 - bits)) >> (32 - bits);
  }
  const s = -shift;
  if (s >= bits) return rounding ? 0 : x < 0 ? -1 : 0;
  // s < 32 and |x| < 2^31, so x + 2^(s-1) is exact in a double.
  return Math.floor((rounding ? x + 2 ** (s - 1) : x) / 2 ** s);
}

/** The signed low byte of a lane: the shift amount register shifts read from Vm. */
export function shiftAmount(lane: number): number {
  return (lane << 24) >> 24;
}
