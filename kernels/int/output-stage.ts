// The output stage of a quantized linear/conv layer: int32 accumulators (already corrected for
// zero points, see zero-point.ts) plus an int32 bias, rescaled per output channel, offset by the
// output zero point, clamped and narrowed to int8 or uint8 (TFLite's reference
// FullyConnected/Conv epilogue; ruy's and XNNPACK's do the same with NEON). A fused ReLU or ReLU6
// is just the clamp bounds: see `activationRange`.
//
// out[i][j] = clamp(rescale(acc[i][j] + bias[j], channel j) + outputZeroPoint, qmin, qmax),
// where rescale is one of the named roundings (multiply-by-quantized-multiplier.ts) or the float32
// one (requantize-fp32.ts). The bias add wraps like int32 hardware.
import {
  multiplyByQuantizedMultiplierDoubleRounding,
  multiplyByQuantizedMultiplierSingleRounding,
} from './multiply-by-quantized-multiplier';
import { requantizeFp32 } from './requantize-fp32';
import { checkDims, checkLength } from './validate';

export type Rounding = 'double' | 'single';

export interface OutputStageParams {
  /** int32 bias per output channel (length n), or none. */
  bias?: Int32Array;
  /** Q31 multiplier per output channel (length n) from quantizeMultiplier. */
  multiplier: Int32Array;
  /** Exponent per output channel (length n) from quantizeMultiplier. */
  shift: Int32Array;
  rounding: Rounding;
  outputZeroPoint: number;
  qmin: number;
  qmax: number;
}

export interface OutputStageFp32Params {
  bias?: Int32Array;
  /** float32 scale per output channel (length n): in_scale·w_scale[j] / out_scale. */
  scale: Float32Array;
  outputZeroPoint: number;
  qmin: number;
  qmax: number;
}

function checkOutput(fn: string, m: number, n: number, acc: Int32Array, out: Int8Array | Uint8Array, zp: number, qmin: number, qmax: number, bias?: Int32Array): void {
  checkDims(fn, { m, n });
  checkLength(fn, 'acc', acc, m * n, `${m}x${n}`);
  checkLength(fn, 'out', out, m * n, `${m}x${n}`);
  if (bias) checkLength(fn, 'bias', bias, n, `${n} channels`);
  const [lo, hi] = out instanceof Int8Array ? [-128, 127] : [0, 255];
  if (!Number.isInteger(qmin) || !Number.isInteger(qmax) || qmin < lo || qmax > hi || qmin > qmax) {
    throw new Error(`${fn}: need integers ${lo} <= qmin <= qmax <= ${hi} for ${out.constructor.name} output, got [${qmin}, ${qmax}]`);
  }
  if (!Number.isInteger(zp) || zp < lo || zp > hi) {
    throw new Error(`${fn}: outputZeroPoint must be an integer in [${lo}, ${hi}], got ${zp}`);
  }
}

/** Requantize M×N accumulators with per-channel fixed-point multipliers into int8/uint8 `out`. */
export function outputStage<T extends Int8Array | Uint8Array>(m: number, n: number, acc: Int32Array, p: OutputStageParams, out: T): T {
  const { bias, multiplier, shift, rounding, outputZeroPoint: zp, qmin, qmax } = p;
  checkOutput('outputStage', m, n, acc, out, zp, qmin, qmax, bias);
  checkLength('outputStage', 'multiplier', multiplier, n, `${n} channels`);
  checkLength('outputStage', 'shift', shift, n, `${n} channels`);
  if (rounding !== 'double' && rounding !== 'single') throw new Error(`outputStage: rounding must be 'double' or 'single', got '${rounding}'`);
  const rescale = rounding === 'double' ? multiplyByQuantizedMultiplierDoubleRounding : multiplyByQuantizedMultiplierSingleRounding;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const x = bias ? (acc[i * n + j] + bias[j]) | 0 : acc[i * n + j];
      const v = rescale(x, multiplier[j], shift[j]) + zp;
      out[i * n + j] = v < qmin ? qmin : v > qmax ? qmax : v;
    }
  }
  return out;
}

/** Requantize M×N accumulators with per-channel float32 scales (XNNPACK fp32) into `out`. */
export function outputStageFp32<T extends Int8Array | Uint8Array>(m: number, n: number, acc: Int32Array, p: OutputStageFp32Params, out: T): T {
  const { bias, scale, outputZeroPoint: zp, qmin, qmax } = p;
  checkOutput('outputStageFp32', m, n, acc, out, zp, qmin, qmax, bias);
  checkLength('outputStageFp32', 'scale', scale, n, `${n} channels`);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const x = bias ? (acc[i * n + j] + bias[j]) | 0 : acc[i * n + j];
      out[i * n + j] = requantizeFp32(x, scale[j], zp, qmin, qmax);
    }
  }
  return out;
}

/**
 * Clamp bounds of a fused activation on a quantized output (TFLite's
 * CalculateActivationRangeQuantized): none = the type's range; relu = [max(lo, zp), hi];
 * relu6 = [max(lo, zp), min(hi, zp + round(6 / scale))] with round half away from zero.
 */
export function activationRange(activation: 'none' | 'relu' | 'relu6', outputScale: number, outputZeroPoint: number, type: 'int8' | 'uint8'): { qmin: number; qmax: number } {
  const [lo, hi] = type === 'int8' ? [-128, 127] : [0, 255];
  if (!(outputScale > 0) || !Number.isFinite(outputScale)) throw new Error(`activationRange: outputScale must be positive and finite, got ${outputScale}`);
  if (activation === 'none') return { qmin: lo, qmax: hi };
  const qmin = Math.max(lo, outputZeroPoint);
  if (activation === 'relu') return { qmin, qmax: hi };
  if (activation !== 'relu6') throw new Error(`activationRange: unknown activation '${activation}'`);
  const six = 6 / outputScale;
  const q6 = outputZeroPoint + Math.sign(six) * Math.floor(Math.abs(six) + 0.5);
  return { qmin, qmax: Math.min(hi, q6) };
}
