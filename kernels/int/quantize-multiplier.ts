// QuantizeMultiplier (TFLite quantization_util.cc): a real rescale factor M (e.g. in_scale·
// w_scale / out_scale) as a Q31 fixed-point multiplier and a power-of-two exponent,
// M ≈ multiplier · 2^(shift - 31), with multiplier in [2^30, 2^31) for M != 0. The edge rules:
// - M = 0 gives { multiplier: 0, shift: 0 };
// - frexp(M) = q·2^shift with 0.5 <= |q| < 1, and multiplier = round(q·2^31), ties away from zero
//   (TfLiteRound); if that rounds up to +2^31 it is halved and shift incremented (a negative M
//   that rounds to -2^31 keeps it: it is a valid int32, and TFLite checks only the positive case);
// - shift < -31 flushes to { 0, 0 } (every bit would be shifted out);
// - for single rounding only, shift > 30 saturates to { 2^31 - 1, 30 } (that variant's range).
// Negative M gives a negative multiplier (double rounding supports it; single rounding does not).

export interface QuantizedMultiplier {
  multiplier: number;
  shift: number;
}

export interface QuantizeMultiplierOptions {
  /** Apply the TFLITE_SINGLE_ROUNDING limit (shift <= 30) and reject negative multipliers. */
  singleRounding?: boolean;
}

/** C's frexp for a finite nonzero double: [q, e] with x = q·2^e and 0.5 <= |q| < 1. */
export function frexp(x: number): [number, number] {
  let e = Math.floor(Math.log2(Math.abs(x))) + 1;
  let q = x * 2 ** -e; // exact unless 2^-e over/underflows, which |x| in (2^-1000, 2^1000) avoids
  // log2 can be off by one near powers of two; fix up to the exact range.
  while (Math.abs(q) >= 1) {
    q /= 2;
    e++;
  }
  while (Math.abs(q) < 0.5) {
    q *= 2;
    e--;
  }
  return [q, e];
}

export function quantizeMultiplier(real: number, opts: QuantizeMultiplierOptions = {}): QuantizedMultiplier {
  if (!Number.isFinite(real)) throw new Error(`quantizeMultiplier: the multiplier must be finite, got ${real}`);
  if (opts.singleRounding && real < 0) {
    throw new Error(`quantizeMultiplier: single rounding supports only non-negative multipliers, got ${real}`);
  }
  if (real === 0) return { multiplier: 0, shift: 0 };
  // Anything below 2^-40 flushes to zero below; skipping frexp also avoids subnormal scaling.
  if (Math.abs(real) < 2 ** -40) return { multiplier: 0, shift: 0 };
  if (Math.abs(real) >= 2 ** 1000) throw new Error(`quantizeMultiplier: multiplier ${real} is out of range`);
  let [q, shift] = frexp(real);
  // q·2^31 is exact (a power-of-two scaling); round half away from zero like std::round.
  const scaled = q * 2147483648;
  let fixed = Math.sign(scaled) * Math.floor(Math.abs(scaled) + 0.5);
  if (fixed === 2147483648) {
    fixed /= 2;
    shift++;
  }
  if (shift < -31) return { multiplier: 0, shift: 0 };
  if (opts.singleRounding && shift > 30) return { multiplier: 2147483647, shift: 30 };
  return { multiplier: fixed, shift };
}
