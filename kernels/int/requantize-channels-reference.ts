// The output stage of the integer runtime, written plainly: int32 accumulators of a conv/linear
// layer (rows = output pixels, one column per output channel) become the codes of the next
// quantizer (uint8) or a wider int32 tensor. Per channel j:
//   x = acc + bias[j]                          (int32, wrapping)
//   v = rescale(x, multiplier[j], shift[j])    (single rounding, TFLITE_SINGLE_ROUNDING)
//   out = clamp(v + offset[j], qmin, qmax)
// Two things differ from outputStage (output-stage.ts), because batch norm is folded into the
// multipliers (src/deploy): the multiplier may be negative (a batch-norm scale γ < 0), which
// rescales the negated sum, rescale(x, -m) = round(-x·m·2^(shift-31)) with the same ties toward
// +inf as the product itself; and the offset is per channel (output zero point plus the integer
// part of the folded batch-norm shift), so the int32 bias only carries the fractional part.
import { multiplyByQuantizedMultiplierSingleRounding } from './multiply-by-quantized-multiplier';
import { checkDims, checkLength } from './validate';

export interface RequantizeChannelsParams {
  /** int32 per channel, added to the accumulator before rescaling. */
  bias: Int32Array;
  /** Q31 multiplier per channel from quantizeMultiplier (its magnitude), negated for a negative scale. */
  multiplier: Int32Array;
  /** Exponent per channel, in [-31, 30]. */
  shift: Int32Array;
  /** Added after rescaling, per channel. */
  offset: Int32Array;
  qmin: number;
  qmax: number;
}

/** round(x·m·2^(shift-31)), ties toward +inf, for a multiplier of either sign. */
export function rescaleSingleRounding(x: number, multiplier: number, shift: number): number {
  return multiplier >= 0
    ? multiplyByQuantizedMultiplierSingleRounding(x, multiplier, shift)
    : multiplyByQuantizedMultiplierSingleRounding(-x, -multiplier, shift);
}

/** Throws unless the parameters describe `channels` channels and an output range fitting `out`. */
export function checkRequantizeChannels(fn: string, channels: number, p: RequantizeChannelsParams, out: Uint8Array | Int32Array): void {
  checkDims(fn, { channels });
  for (const name of ['bias', 'multiplier', 'shift', 'offset'] as const) checkLength(fn, name, p[name], channels, `${channels} channels`);
  const [lo, hi] = out instanceof Uint8Array ? [0, 255] : [-2147483648, 2147483647];
  if (!Number.isInteger(p.qmin) || !Number.isInteger(p.qmax) || p.qmin < lo || p.qmax > hi || p.qmin > p.qmax) {
    throw new Error(`${fn}: need integers ${lo} <= qmin <= qmax <= ${hi} for ${out.constructor.name} output, got [${p.qmin}, ${p.qmax}]`);
  }
  for (let j = 0; j < channels; j++) {
    const s = p.shift[j];
    if (!Number.isInteger(s) || s < -31 || s > 30) throw new Error(`${fn}: shift[${j}] = ${s} is not an integer in [-31, 30]`);
    if (p.multiplier[j] === -2147483648) throw new Error(`${fn}: multiplier[${j}] = -2^31 has no positive counterpart`);
  }
}

/** out[i][j] for rows x channels accumulators (row-major), by the definition in the header. */
export function requantizeChannelsReference(
  rows: number, channels: number, acc: Int32Array, p: RequantizeChannelsParams, out: Uint8Array | Int32Array,
): void {
  checkDims('requantizeChannelsReference', { rows, channels });
  checkRequantizeChannels('requantizeChannelsReference', channels, p, out);
  checkLength('requantizeChannelsReference', 'acc', acc, rows * channels, `${rows}x${channels}`);
  checkLength('requantizeChannelsReference', 'out', out, rows * channels, `${rows}x${channels}`);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < channels; j++) {
      const x = (acc[i * channels + j] + p.bias[j]) | 0;
      const v = rescaleSingleRounding(x, p.multiplier[j], p.shift[j]) + p.offset[j];
      out[i * channels + j] = Math.min(p.qmax, Math.max(p.qmin, v));
    }
  }
}
