// The output stage of the integer runtime, written plainly: int32 accumulators of a conv/linear
// layer (rows = output pixels, one column per output channel) become the codes of the next
// quantizer (uint8) or a wider int32 tensor. Per channel j:
//   x = acc + bias[j]                                        (int32, wrapping)
//   v = round(x·M_j + fraction[j]·2^-16),  M_j = multiplier[j]·2^(shift[j] - 31)
//   out = clamp(v + offset[j], qmin, qmax)
// with one rounding, ties toward +inf, of the exact value: in integers,
//   v = floor((x·m + fraction·2^(r - 16) + 2^(r - 1)) / 2^r),  r = 31 - shift,
// i.e. TFLITE_SINGLE_ROUNDING's product x·m with a second addend at the product's binary point
// (on ARM: SMULL/SMLAL into 64-bit lanes, the pre-shifted addend, one rounding shift, a narrow).
// Without that addend (fraction 0) it is exactly multiplyByQuantizedMultiplierSingleRounding.
//
// Why three terms instead of TFLite's bias + multiplier + zero point: batch norm is folded into
// the multipliers (src/deploy), so a channel's real output is A·acc + B with an arbitrary shift
// B. The integer part of B/out_scale goes to the per-channel offset; its fractional part needs a
// resolution finer than one accumulator step (TFLite's bias unit), because here the multiplier
// M is often a sizeable fraction of an output step (few-bit weights, small K), and a bias rounded
// to M/2 would move many outputs across a rounding boundary. `bias` stays in accumulator units
// for terms that live there (the activation zero point, -z·Σ w). The multiplier may be negative
// (a batch-norm scale γ < 0); x·m is then simply negative, and ties still go toward +inf.
import { checkDims, checkLength } from './validate';

export interface RequantizeChannelsParams {
  /** int32 per channel, accumulator units, added first (e.g. the zero-point term -z·Σ w). */
  bias: Int32Array;
  /** Q31 multiplier per channel (quantizeMultiplier's magnitude), negated for a negative scale. */
  multiplier: Int32Array;
  /** Exponent per channel, in [-31, 15]. */
  shift: Int32Array;
  /** Per channel, in 2^-16 output steps, added before the rounding. */
  fraction: Int32Array;
  /** Per channel, added after the rounding (output zero point plus an integer shift). */
  offset: Int32Array;
  qmin: number;
  qmax: number;
}

/** Bits below the binary point of `fraction`. */
export const FRACTION_BITS = 16;

const B = BigInt;
const INT32_MAX = 2147483647;
const INT32_MIN = -2147483648;

/** round(x·m·2^(shift-31) + fraction·2^-16), ties toward +inf, exact (BigInt), saturated to int32. */
export function rescaleWithFraction(x: number, multiplier: number, shift: number, fraction: number): number {
  const r = B(31 - shift);
  const num = B(x) * B(multiplier) + (B(fraction) << (r - 16n)) + (1n << (r - 1n));
  const v = num >> r; // BigInt >> is a floor division
  return Number(v > B(INT32_MAX) ? B(INT32_MAX) : v < B(INT32_MIN) ? B(INT32_MIN) : v);
}

/** Throws unless the parameters describe `channels` channels and an output range fitting `out`. */
export function checkRequantizeChannels(fn: string, channels: number, p: RequantizeChannelsParams, out: Uint8Array | Int32Array): void {
  checkDims(fn, { channels });
  for (const name of ['bias', 'multiplier', 'shift', 'fraction', 'offset'] as const) checkLength(fn, name, p[name], channels, `${channels} channels`);
  const [lo, hi] = out instanceof Uint8Array ? [0, 255] : [INT32_MIN, INT32_MAX];
  if (!Number.isInteger(p.qmin) || !Number.isInteger(p.qmax) || p.qmin < lo || p.qmax > hi || p.qmin > p.qmax) {
    throw new Error(`${fn}: need integers ${lo} <= qmin <= qmax <= ${hi} for ${out.constructor.name} output, got [${p.qmin}, ${p.qmax}]`);
  }
  for (let j = 0; j < channels; j++) {
    const s = p.shift[j];
    if (!Number.isInteger(s) || s < -31 || s > 15) throw new Error(`${fn}: shift[${j}] = ${s} is not an integer in [-31, 15]`);
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
      const v = rescaleWithFraction(x, p.multiplier[j], p.shift[j], p.fraction[j]) + p.offset[j];
      out[i * channels + j] = Math.min(p.qmax, Math.max(p.qmin, v));
    }
  }
}
