// SQRDMULH: signed saturating rounding doubling multiply returning the high half. For esize-bit
// lanes: sat((2·a·b + 2^(esize-1)) >> esize), i.e. round(a·b / 2^(esize-1)) with ties toward +inf.
// The only saturating case is MIN·MIN (gives MAX). It is the fixed-point multiply of gemmlowp and
// TFLite requantization (gemmlowp's SaturatingRoundingDoublingHighMul is bit-identical).
import { productShiftRight } from './product-shift-right';
import { expectRegister, saturateSigned } from './registers';

/** SQRDMULH Vd.8H or Vd.4S: d[i] = sat((2·n[i]·m[i] + 2^(esize-1)) >> esize). */
export function sqrdmulh<T extends Int16Array | Int32Array>(d: T, n: T, m: T): T {
  expectRegister('sqrdmulh', 'd', d);
  expectRegister('sqrdmulh', 'n', n);
  expectRegister('sqrdmulh', 'm', m);
  const bits = d.BYTES_PER_ELEMENT * 8;
  for (let i = 0; i < d.length; i++) {
    // floor((2ab + 2^(e-1)) / 2^e) = floor((ab + 2^(e-2)) / 2^(e-1)).
    const r =
      bits === 32
        ? productShiftRight(n[i], m[i], 31, true)
        : Math.floor((n[i] * m[i] + 2 ** (bits - 2)) / 2 ** (bits - 1));
    d[i] = saturateSigned(r, bits);
  }
  return d;
}
