// Exact arithmetic on 32x32-bit products, which a double cannot hold (they need 62 bits): the
// one helper behind SQRDMULH, SQDMULH and single-rounding requantization. The product is split
// so every intermediate stays below 2^53 and is therefore exact.

const TWO16 = 65536;

/**
 * floor((a·b + (rounding ? 2^(shift-1) : 0)) / 2^shift) for int32 `a` and `b` (|a|, |b| <= 2^31)
 * and 1 <= shift <= 62: exact whenever the result is below 2^53 in magnitude (always for
 * shift >= 17); a larger result (possible only for small shifts) comes out rounded, but it is
 * then far outside int32 and callers saturate it.
 */
export function productShiftRight(a: number, b: number, shift: number, rounding: boolean): number {
  // b = bh·2^16 + bl with 0 <= bl < 2^16, so a·b = a·bh·2^16 + a·bl, each part below 2^48.
  const bl = b & 0xffff;
  const bh = (b - bl) / TWO16;
  if (shift < 17) {
    // a·bh·2^16 is a multiple of 2^shift: it passes through the floor unchanged.
    return a * bh * 2 ** (16 - shift) + Math.floor((a * bl + (rounding ? 2 ** (shift - 1) : 0)) / 2 ** shift);
  }
  // floor((X·2^16 + Y) / 2^s) = floor((X + floor(Y / 2^16)) / 2^(s-16)) for integers X, Y.
  // The rounding term 2^(shift-1) is a multiple of 2^16, so it moves out of the inner floor.
  const inner = a * bh + Math.floor((a * bl) / TWO16) + (rounding ? 2 ** (shift - 17) : 0);
  return Math.floor(inner / 2 ** (shift - 16));
}
