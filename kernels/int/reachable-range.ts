// The output range a GEMM layer's output stage can actually reach, given a bound on its
// accumulators. Why: a layer whose output is a wide int32 tensor (a residual branch before the
// add) declares the whole int32 range, and the fused kernels then take their slow generic path;
// clamping to a smaller range that still holds every reachable value changes no output, and a
// range below 2^30 gets the bit-operation clamp and the folded constants.
//
// Per channel, x = acc + bias lies in [bias - B, bias + B] with B a bound on |acc| (255·Σ|w|
// for uint8 activations), and the output stage is monotone in x (non-decreasing for a positive
// multiplier, non-increasing for a negative one), so its extremes are at the two ends.
import { rescaleWithFraction, type RequantizeChannelsParams } from './requantize-channels-reference';

/**
 * [qmin', qmax'] within [qmin, qmax] such that clamp(v, qmin', qmax') = clamp(v, qmin, qmax)
 * for every output v reachable with |acc[j]| <= bound[j].
 */
export function reachableRange(channels: number, p: RequantizeChannelsParams, bound: ArrayLike<number>): { qmin: number; qmax: number } {
  let lo = Infinity;
  let hi = -Infinity;
  for (let j = 0; j < channels; j++) {
    const ends = [p.bias[j] - bound[j], p.bias[j] + bound[j]];
    // The reference wraps x to int32; past that the ends no longer bracket the outputs.
    if (ends.some((x) => !Number.isInteger(x) || x < -2147483648 || x > 2147483647)) return { qmin: p.qmin, qmax: p.qmax };
    for (const x of ends) {
      const v = rescaleWithFraction(x, p.multiplier[j], p.shift[j], p.fraction[j]) + p.offset[j];
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  const clamp = (v: number): number => Math.min(p.qmax, Math.max(p.qmin, v));
  return channels === 0 ? { qmin: p.qmin, qmax: p.qmax } : { qmin: clamp(lo), qmax: clamp(hi) };
}
