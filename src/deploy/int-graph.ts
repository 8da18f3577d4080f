// The integer model: what `convertToInteger` produces, the model file stores and the integer
// runtime executes. A list of tensors and a list of ops in execution order; every array is a
// typed array (the model file moves them into its binary payload).
//
// Tensors are per-sample shapes in NHWC order ([h, w, c], or [features] after a flatten), the
// layout the integer GEMMs want (one output pixel per row, channels contiguous). Two kinds:
// - 'uint8': codes of the quantizer that consumes the tensor, real = scale·(code - zeroPoint).
//   Unsigned grids have zero point 0, signed ones 2^(bits-1); both are bytes.
// - 'int32': a wider integer form for tensors no quantizer consumes directly (a conv output that
//   is pooled or added before being quantized), real = scale·value, zero point 0.
// Weights are stored as packed integers (PackedWeights), scales and per-channel parameters as
// small arrays. Only 'quantize-input' and the final dequantization (output.scale) are float.
import type { AddIntParams } from '../../kernels/int/add-int-reference';

export type ActType = 'uint8' | 'int32';

export interface TensorInfo {
  name: string;
  /** Per sample, NHWC: [h, w, c] or [features]. */
  shape: number[];
  type: ActType;
  scale: number;
  zeroPoint: number;
}

/**
 * Per-channel output stage (requantize-channels-reference.ts): out = clamp(round(acc·M +
 * fraction·2^-16) + offset) with M = multiplier·2^(shift-31) and acc = Σ (a - z_in)·w. The
 * runtime adds the zero-point term itself (its accumulator bias, -z_in·Σ w).
 */
export interface Requant {
  multiplier: Int32Array;
  shift: Int8Array;
  fraction: Int32Array;
  offset: Int32Array;
  qmin: number;
  qmax: number;
}

/** Per-tensor rescale of an integer tensor (codes or int32) onto another grid. */
export interface TensorRequant {
  inputZeroPoint: number;
  multiplier: number;
  shift: number;
  offset: number;
  qmin: number;
  qmax: number;
}

export type WeightFormat = 'int8' | 'int4' | 'int2' | 'indices';

/**
 * A weight matrix [rows = output channels, cols = K] in runtime order (conv: [cOut][kh][kw][cIn],
 * linear on a flattened NHWC tensor: [out][h][w][c]), packed as one stream of rows·cols values
 * (no per-row padding, so the stored bits are exactly rows·cols·bits rounded up to a byte):
 * - 'int8', 'int4', 'int2': signed values, packed with packInt8 / packInt4 / packInt2 (distance 1);
 * - 'indices': b-bit codes (packIndices); the weight is codebook[group][code] (DDQ) or, without
 *   a codebook, code - zeroPoint (uniform weights of 3, 5, 6 or 7 bits).
 * Real weight = scale[group]·value, group = channel when per-channel, else 0 (a trained LSQ step
 * may be negative; the value then has the opposite sign of the weight, which changes nothing).
 */
export interface PackedWeights {
  method: 'ddq' | 'lsq';
  format: WeightFormat;
  bits: number;
  rows: number;
  cols: number;
  data: Uint8Array | Int8Array;
  groups: number;
  scale: Float64Array;
  codebook?: Int8Array;
  zeroPoint?: number;
}

export interface QuantizeInputOp {
  op: 'quantize-input';
  output: number;
  /** code = clamp(round(x / scale) + zeroPoint, qmin, qmax); ties as the training quantizer. */
  scale: number;
  zeroPoint: number;
  qmin: number;
  qmax: number;
  ties: 'up' | 'even';
}

export interface ConvOp {
  op: 'conv';
  name: string;
  input: number;
  output: number;
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  depthwise: boolean;
  /** Bits of the input activation quantizer (for reports; the codes' range is qmin..qmax). */
  inputBits: number;
  weights: PackedWeights;
  requant: Requant;
}

export interface LinearOp {
  op: 'linear';
  name: string;
  input: number;
  output: number;
  inputBits: number;
  weights: PackedWeights;
  requant: Requant;
}

export interface MaxPoolOp {
  op: 'max-pool';
  input: number;
  output: number;
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
}

/** Sum over the image, then one requantization (the division by h·w folded into it). */
export interface GlobalAvgPoolOp {
  op: 'global-avg-pool';
  input: number;
  output: number;
  requant: TensorRequant;
}

export interface AddOp {
  op: 'add';
  a: number;
  b: number;
  output: number;
  params: AddIntParams;
}

export interface RequantizeOp {
  op: 'requantize';
  input: number;
  output: number;
  requant: TensorRequant;
}

/** Same data, new shape (a flatten): the runtime shares the buffer. */
export interface ReshapeOp {
  op: 'reshape';
  input: number;
  output: number;
}

export type IntOp = QuantizeInputOp | ConvOp | LinearOp | MaxPoolOp | GlobalAvgPoolOp | AddOp | RequantizeOp | ReshapeOp;

/** One quantized layer, for reports: what was trained and how it is stored. */
export interface LayerSummary {
  name: string;
  kind: 'conv' | 'depthwise' | 'linear';
  method: 'ddq' | 'lsq';
  weightBits: number;
  activationBits: number;
  /** [rows, cols] of the weight matrix. */
  shape: [number, number];
  format: WeightFormat;
  perChannel: boolean;
}

/** The quantized layers of a model, in execution order. */
export function layerSummaries(model: IntegerModel): LayerSummary[] {
  const out: LayerSummary[] = [];
  for (const op of model.ops) {
    if (op.op !== 'conv' && op.op !== 'linear') continue;
    const w = op.weights;
    out.push({
      name: op.name, kind: op.op === 'linear' ? 'linear' : op.depthwise ? 'depthwise' : 'conv', method: w.method, weightBits: w.bits,
      activationBits: op.inputBits, shape: [w.rows, w.cols], format: w.format, perChannel: w.groups > 1,
    });
  }
  return out;
}

export interface IntegerModel {
  format: 'ddq-integer-model';
  /** The float input the model expects: [channels, height, width], normalised as in training. */
  input: { channels: number; height: number; width: number; mean?: number[]; std?: number[] };
  classes: number;
  tensors: TensorInfo[];
  ops: IntOp[];
  /** Logits = output tensor (int32) · scale. */
  output: { tensor: number; scale: number };
  /** Free-form provenance (net, checkpoint, quantization method...). */
  meta: Record<string, unknown>;
}
