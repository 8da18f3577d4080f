// The integer half of global average pooling on NHWC tensors: out[b][c] = Σ_{h,w} x[b][h][w][c]
// (int32, wrapping). The division by H·W and the input's zero point are folded into the
// requantization that follows (requantize-channels.ts: bias -H·W·z, multiplier
// in_scale / (H·W·out_scale)), so averaging costs one rounding, not two.
import { checkDims, checkLength } from './validate';

export function globalSumPool2dInt(n: number, hw: number, channels: number, x: Uint8Array | Int32Array, out: Int32Array): Int32Array {
  checkDims('globalSumPool2dInt', { n, hw, channels });
  checkLength('globalSumPool2dInt', 'x', x, n * hw * channels, `NHWC [${n}, ${hw} pixels, ${channels}]`);
  checkLength('globalSumPool2dInt', 'out', out, n * channels, `${n}x${channels}`);
  for (let b = 0; b < n; b++) {
    const o = b * channels;
    for (let c = 0; c < channels; c++) out[o + c] = 0;
    for (let p = 0; p < hw; p++) {
      const i = (b * hw + p) * channels;
      for (let c = 0; c < channels; c++) out[o + c] += x[i + c];
    }
  }
  return out;
}
