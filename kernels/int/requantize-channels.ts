// The fast per-channel output stage: bit for bit what requantizeChannelsReference returns.
//
// The single-rounding product floor((x·m + 2^(30-shift)) / 2^(31-shift)) needs 62 bits in
// general, but for |x| < 2^21 and shift >= -21 the integer x·m + 2^(30-shift) stays below 2^53,
// so a double holds it exactly, and so does its scaling by 2^(shift-31): the whole rescale is
// Math.floor(x·M + 0.5) with M = m·2^(shift-31) precomputed per channel, every step exact. The
// accumulators of the small layers this runtime serves are almost always in that range; the
// rest take the exact split-product path (one predictable branch per element). Shifts above 9
// also take it: there |x·M| may pass 2^31, where the reference saturates before the offset.
import { rescaleSingleRounding, checkRequantizeChannels, type RequantizeChannelsParams } from './requantize-channels-reference';
import { checkDims, checkLength } from './validate';

/** Parameters plus what the fast path precomputes per channel. */
export interface RequantizeChannelsPlan extends RequantizeChannelsParams {
  channels: number;
  /** m·2^(shift-31), the multiplier as an exact double. */
  scale: Float64Array;
  /** |x| below this takes the double path (2^21, or 0 for shifts outside [-21, 9]). */
  limit: Float64Array;
}

const FAST_LIMIT = 2097152; // 2^21

/** Validate the parameters of `channels` channels and precompute the fast path's constants. */
export function prepareRequantizeChannels(channels: number, p: RequantizeChannelsParams, outType: 'uint8' | 'int32'): RequantizeChannelsPlan {
  checkRequantizeChannels('prepareRequantizeChannels', channels, p, outType === 'uint8' ? new Uint8Array(0) : new Int32Array(0));
  const scale = new Float64Array(channels);
  const limit = new Float64Array(channels);
  for (let j = 0; j < channels; j++) {
    scale[j] = p.multiplier[j] * 2 ** (p.shift[j] - 31);
    limit[j] = p.shift[j] >= -21 && p.shift[j] <= 9 ? FAST_LIMIT : 0;
  }
  return {
    channels, scale, limit,
    bias: p.bias.slice(0, channels), multiplier: p.multiplier.slice(0, channels), shift: p.shift.slice(0, channels),
    offset: p.offset.slice(0, channels), qmin: p.qmin, qmax: p.qmax,
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
  const { bias, scale, limit, offset, multiplier, shift, qmin, qmax } = plan;
  for (let i = 0; i < rows; i++) {
    const a0 = accStart + i * C;
    const o0 = outStart + i * C;
    for (let j = 0; j < C; j++) {
      const x = (acc[a0 + j] + bias[j]) | 0;
      const lim = limit[j];
      let v = x < lim && x > -lim ? Math.floor(x * scale[j] + 0.5) : rescaleSingleRounding(x, multiplier[j], shift[j]);
      v += offset[j];
      out[o0 + j] = v < qmin ? qmin : v > qmax ? qmax : v;
    }
  }
}
