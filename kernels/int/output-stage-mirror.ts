// The output stage as a NEON kernel runs it on four output channels of one row (ruy's and
// TFLite's optimized epilogue): ADD the bias, the named requantization sequence (see
// multiply-by-quantized-multiplier.ts), SQXTN to int16, SQADD the output zero point in int16 (so
// an extreme accumulator saturates instead of wrapping), SQXTN/SQXTUN to 8 bits, then SMAX/SMIN
// (UMAX/UMIN) with the clamp bounds. Must equal outputStage on every input.
import { add, dup, smax, smin, sqadd, sqxtn, sqxtun, umax, umin } from '../neon';
import {
  multiplyByQuantizedMultiplierDoubleRoundingMirror,
  multiplyByQuantizedMultiplierSingleRoundingMirror,
} from './multiply-by-quantized-multiplier';
import type { Rounding } from './output-stage';

/**
 * Four channels: d[0..3] = clamp(rescale(acc + bias) + zp, qmin, qmax) as int8/uint8 (the rest of
 * the 16-byte register `d` is zeroed).
 */
export function outputStageMirror<T extends Int8Array | Uint8Array>(
  d: T, acc: Int32Array, bias: Int32Array, multiplier: Int32Array, shift: Int32Array,
  rounding: Rounding, outputZeroPoint: number, qmin: number, qmax: number,
): T {
  const x = add(new Int32Array(4), acc, bias);
  if (rounding === 'double') multiplyByQuantizedMultiplierDoubleRoundingMirror(x, x, multiplier, shift);
  else multiplyByQuantizedMultiplierSingleRoundingMirror(x, x, multiplier, shift);
  const wide = sqxtn(new Int16Array(8), x);
  sqadd(wide, wide, dup(new Int16Array(8), outputZeroPoint));
  if (d instanceof Int8Array) {
    const n8 = sqxtn(new Int8Array(16), wide);
    smin(n8, smax(n8, n8, dup(new Int8Array(16), qmin)), dup(new Int8Array(16), qmax));
    for (let i = 0; i < 16; i++) d[i] = i < 4 ? n8[i] : 0;
  } else {
    const u8 = sqxtun(new Uint8Array(16), wide);
    umin(u8, umax(u8, u8, dup(new Uint8Array(16), qmin)), dup(new Uint8Array(16), qmax));
    for (let i = 0; i < 16; i++) d[i] = i < 4 ? u8[i] : 0;
  }
  return d;
}
