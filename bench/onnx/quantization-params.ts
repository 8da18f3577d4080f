// The numbers of an int8 model: 8-bit activation scale and zero point from a calibrated range,
// per-channel symmetric int8 weights, int32 biases on the accumulator grid. Rounding is half to
// even throughout, as ONNX's QuantizeLinear specifies.
import { roundHalfEven } from '../../src/quant/rounding';
import type { Range } from './calibrate-ranges';

export type ActivationType = 'uint8' | 'int8';

export interface ActivationParams {
  type: ActivationType;
  scale: number;
  zeroPoint: number;
}

/**
 * Asymmetric 8-bit parameters covering [min, max] widened to include 0 (so zero, i.e. padding
 * and ReLU's floor, is exact): real = scale * (q - zeroPoint), q in [0, 255] for uint8 or
 * [-128, 127] for int8.
 */
export function activationParams(r: Range, type: ActivationType = 'uint8'): ActivationParams {
  const lo = Math.min(r.min, 0);
  const hi = Math.max(r.max, 0);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new Error(`activationParams: range [${r.min}, ${r.max}] is not finite`);
  const qmin = type === 'uint8' ? 0 : -128;
  const scale = hi > lo ? (hi - lo) / 255 : 1;
  const zeroPoint = Math.min(qmin + 255, Math.max(qmin, qmin + roundHalfEven(-lo / scale)));
  return { type, scale: Math.fround(scale), zeroPoint };
}

/**
 * Per-output-channel symmetric int8 weights: scale_c = max|w_c| / 127, q = round-half-even(w / s)
 * in [-127, 127] (the symmetric range, so -128 never appears).
 */
export function quantizeWeightsPerChannel(w: Float32Array, channels: number): { q: Int8Array; scales: Float32Array } {
  if (w.length % channels !== 0) throw new Error(`quantizeWeightsPerChannel: ${w.length} weights do not split into ${channels} channels`);
  const per = w.length / channels;
  const q = new Int8Array(w.length);
  const scales = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    let amax = 0;
    for (let i = c * per; i < (c + 1) * per; i++) amax = Math.max(amax, Math.abs(w[i]));
    const s = Math.fround(amax > 0 ? amax / 127 : 1);
    scales[c] = s;
    for (let i = c * per; i < (c + 1) * per; i++) q[i] = Math.max(-127, Math.min(127, roundHalfEven(w[i] / s)));
  }
  return { q, scales };
}

/** int32 bias on the accumulator's grid: scale_c = inputScale * weightScale_c, zero point 0. */
export function quantizeBias(bias: Float32Array, inputScale: number, weightScales: Float32Array): { q: Int32Array; scales: Float32Array } {
  if (bias.length !== weightScales.length) throw new Error(`quantizeBias: ${bias.length} biases for ${weightScales.length} weight scales`);
  const q = new Int32Array(bias.length);
  const scales = new Float32Array(bias.length);
  for (let c = 0; c < bias.length; c++) {
    scales[c] = Math.fround(inputScale * weightScales[c]);
    q[c] = Math.max(-2147483648, Math.min(2147483647, roundHalfEven(bias[c] / scales[c])));
  }
  return { q, scales };
}
