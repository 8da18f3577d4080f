// SQDMULH: signed saturating doubling multiply returning the high half, without rounding:
// sat((2·a·b) >> esize) = floor(a·b / 2^(esize-1)). Only MIN·MIN saturates (to MAX). ruy's
// single-rounding requantization pairs it with a rounding right shift (SRSHL).
import { productShiftRight } from './product-shift-right';
import { expectRegister, saturateSigned } from './registers';

/** SQDMULH Vd.8H or Vd.4S: d[i] = sat((2·n[i]·m[i]) >> esize), a floor shift. */
export function sqdmulh<T extends Int16Array | Int32Array>(d: T, n: T, m: T): T {
  expectRegister('sqdmulh', 'd', d);
  expectRegister('sqdmulh', 'n', n);
  expectRegister('sqdmulh', 'm', m);
  const bits = d.BYTES_PER_ELEMENT * 8;
  for (let i = 0; i < d.length; i++) {
    const r =
      bits === 32 ? productShiftRight(n[i], m[i], 31, false) : Math.floor((n[i] * m[i]) / 2 ** (bits - 1));
    d[i] = saturateSigned(r, bits);
  }
  return d;
}
