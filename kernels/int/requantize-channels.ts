// The fast per-channel output stage: bit for bit what requantizeChannelsReference returns.
//
// The exact value floor((x·m + fraction·2^(r-16) + 2^(r-1)) / 2^r), r = 31 - shift, has a
// numerator of up to ~2^63, but when |x| < 2^21, |fraction| <= 2^16 and r <= 51 (shift >= -20)
// it stays below 2^53: each of x·m, fraction·2^(r-16) and 2^(r-1) is an integer below 2^52 and
// so are their partial sums. Scaled by 2^-r they are exact doubles, so the whole requantization
// is Math.floor(x·M + F + 0.5) with M = m·2^(shift-31) and F = fraction·2^-16 precomputed per
// channel, every step exact. For shifts above 9 the bound on |x| shrinks to 2^(30 - shift), so
// |x·M| stays below 2^30 and nothing reaches the int32 saturation of the reference. Accumulators
// of the layers this runtime serves are almost always in range; the rest take the exact BigInt
// path (a predictable branch).
import { rescaleWithFraction, checkRequantizeChannels, type RequantizeChannelsParams } from './requantize-channels-reference';
import { checkDims, checkLength } from './validate';

/** Parameters plus what the fast path precomputes per channel. */
export interface RequantizeChannelsPlan extends RequantizeChannelsParams {
  channels: number;
  /** m·2^(shift-31), the multiplier as an exact double. */
  scale: Float64Array;
  /** fraction·2^-16 plus 1/2 (the rounding term). */
  addend: Float64Array;
  /** |x| below this takes the double path (2^21 or less; 0 where the parameters forbid it). */
  limit: Float64Array;
  /** offset - qmin: on the fast path the clamp runs as int32 bit operations on v + low. */
  low: Int32Array;
  /** qmax - qmin < 2^30 (always for uint8): the bit-operation clamp applies. */
  narrow: boolean;
}

const FAST_LIMIT = 2097152; // 2^21

/** Validate the parameters of `channels` channels and precompute the fast path's constants. */
export function prepareRequantizeChannels(channels: number, p: RequantizeChannelsParams, outType: 'uint8' | 'int32'): RequantizeChannelsPlan {
  checkRequantizeChannels('prepareRequantizeChannels', channels, p, outType === 'uint8' ? new Uint8Array(0) : new Int32Array(0));
  const narrow = p.qmax - p.qmin < 2 ** 30;
  const scale = new Float64Array(channels);
  const addend = new Float64Array(channels);
  const limit = new Float64Array(channels);
  for (let j = 0; j < channels; j++) {
    scale[j] = p.multiplier[j] * 2 ** (p.shift[j] - 31);
    addend[j] = p.fraction[j] / 65536 + 0.5;
    // The fast path's rounded value is below 2^30 + 2 in magnitude; with |offset - qmin| below
    // 2^30 - 2 their sum is an int32, so a narrow range's clamp can work on bits.
    const low = p.offset[j] - p.qmin;
    const lowOk = !narrow || Math.abs(low) < 2 ** 30 - 2;
    limit[j] = p.shift[j] >= -20 && Math.abs(p.fraction[j]) <= 65536 && lowOk ? Math.min(FAST_LIMIT, 2 ** (30 - p.shift[j])) : 0;
  }
  return {
    channels, scale, addend, limit, narrow, low: Int32Array.from(p.offset.subarray(0, channels), (o) => (narrow ? o - p.qmin : 0)),
    bias: p.bias.slice(0, channels), multiplier: p.multiplier.slice(0, channels), shift: p.shift.slice(0, channels),
    fraction: p.fraction.slice(0, channels), offset: p.offset.slice(0, channels), qmin: p.qmin, qmax: p.qmax,
  };
}

/**
 * out[outStart + i·C + j] from acc[accStart + i·C + j] for `rows` rows of C = plan.channels
 * channels. `out` must be a Uint8Array for a plan whose range fits bytes.
 */
export function requantizeChannels(
  rows: number, acc: Int32Array, plan: RequantizeChannelsPlan, out: Uint8Array | Int32Array, accStart = 0, outStart = 0,
): void {
  const C = plan.channels;
  checkDims('requantizeChannels', { rows, accStart, outStart });
  checkLength('requantizeChannels', 'acc', acc, accStart + rows * C, `${rows}x${C} from ${accStart}`);
  checkLength('requantizeChannels', 'out', out, outStart + rows * C, `${rows}x${C} from ${outStart}`);
  if (out instanceof Uint8Array && (plan.qmin < 0 || plan.qmax > 255)) {
    throw new Error(`requantizeChannels: range [${plan.qmin}, ${plan.qmax}] does not fit a Uint8Array output`);
  }
  const { bias, scale, addend, limit, offset, low, multiplier, shift, fraction, qmin, qmax } = plan;
  const range = qmax - qmin;
  if (plan.narrow) {
    for (let i = 0; i < rows; i++) {
      const a0 = accStart + i * C;
      const o0 = outStart + i * C;
      for (let j = 0; j < C; j++) {
        const x = (acc[a0 + j] + bias[j]) | 0;
        const lim = limit[j];
        if (x < lim && x > -lim) {
          // clamp(v, qmin, qmax) = qmin + min(max(v - qmin, 0), range), in int32 bit operations:
          // data-dependent branches here (half of all ReLU outputs clamp) would mispredict.
          // (uint8 outputs always have a narrow range.)
          let v = (Math.floor(x * scale[j] + addend[j]) + low[j]) | 0;
          v &= ~(v >> 31);
          v -= range;
          v &= v >> 31;
          out[o0 + j] = v + qmax;
        } else {
          const v = rescaleWithFraction(x, multiplier[j], shift[j], fraction[j]) + offset[j];
          out[o0 + j] = v < qmin ? qmin : v > qmax ? qmax : v;
        }
      }
    }
    return;
  }
  for (let i = 0; i < rows; i++) {
    const a0 = accStart + i * C;
    const o0 = outStart + i * C;
    for (let j = 0; j < C; j++) {
      const x = (acc[a0 + j] + bias[j]) | 0;
      const lim = limit[j];
      let v = x < lim && x > -lim ? Math.floor(x * scale[j] + addend[j]) : rescaleWithFraction(x, multiplier[j], shift[j], fraction[j]);
      v += offset[j];
      out[o0 + j] = v < qmin ? qmin : v > qmax ? qmax : v;
    }
  }
}
