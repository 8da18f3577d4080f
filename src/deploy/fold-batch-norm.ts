// Batch-norm folding in float, for full-precision export: a convolution followed by batch norm in
// eval mode, y = γ·(conv(x, w) + b - μ)/σ + β with σ = sqrt(var + eps), is one convolution with
//   w'[c] = w[c]·γ_c/σ_c   and   b'[c] = β_c + (b_c - μ_c)·γ_c/σ_c.
// The integer path does NOT fold this way. Quantized weights were trained unfolded (batch norm
// after the quantized conv): scaling them by γ/σ and quantizing again would move them off the
// grid they were trained on. convertToInteger instead folds γ/σ into each channel's fixed-point
// output multiplier and the shift into its bias and offset, which computes exactly the trained
// function (see docs/deployment.md).
import { Tensor } from '../tensor/tensor';
import type { Conv2d } from '../nn/conv2d';
import type { BatchNorm2d } from '../nn/batch-norm';

/** Per-channel scale γ/σ and shift β - μ·γ/σ of a batch norm in eval mode (float64). */
export function batchNormAffine(bn: BatchNorm2d): { scale: Float64Array; shift: Float64Array } {
  const C = bn.channels;
  const scale = new Float64Array(C);
  const shift = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    scale[c] = bn.weight.data[c] / Math.sqrt(bn.runningVar.data[c] + bn.eps);
    shift[c] = bn.bias.data[c] - bn.runningMean.data[c] * scale[c];
  }
  return { scale, shift };
}

/** The folded weight [cOut, cIn/groups, kh, kw] and bias [cOut] (float32). */
export function foldBatchNorm(conv: Conv2d, bn: BatchNorm2d): { weight: Tensor; bias: Tensor } {
  const cOut = conv.outChannels;
  if (bn.channels !== cOut) throw new Error(`foldBatchNorm: batch norm has ${bn.channels} channels, the conv has ${cOut} outputs`);
  const { scale, shift } = batchNormAffine(bn);
  const w = conv.weight;
  const per = w.size / cOut;
  const weight = Tensor.zeros([...w.shape]);
  const bias = Tensor.zeros([cOut]);
  for (let c = 0; c < cOut; c++) {
    for (let i = c * per; i < (c + 1) * per; i++) weight.data[i] = w.data[i] * scale[c];
    bias.data[c] = shift[c] + (conv.bias ? conv.bias.data[c] : 0) * scale[c];
  }
  return { weight, bias };
}
