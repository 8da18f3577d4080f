// The empirical Fisher of the quantized layers' weights: F_i = mean over batches of (∂L/∂w_i)²,
// L the training loss of a batch. It weights each weight's squared quantization error in the
// Fisher bit fit (src/quant/fisher-fit.ts): a second-order estimate of the loss a coarser grid
// costs. Gradients reach the latent weights straight through the weight quantizers.
//
// Nothing the run keeps is changed: batch norm uses batch statistics as in training, but its
// running statistics are put back afterwards; dropout is off; every gradient is cleared.
import type { Module } from '../nn/module';
import type { DataLoader } from '../../datasets/loader';
import { crossEntropy } from '../ops/cross-entropy';
import { quantizedLayers } from '../quant/quantize';
import type { QuantizedLayer } from '../quant/quantized-layers';
import { batchNormLayers, batchStatisticsPass } from './batch-statistics-pass';

/** Fisher values of every quantized layer's weights from `batches` batches of `loader` (wrapping into further epochs). */
export function weightFisher(model: Module, loader: DataLoader, batches: number): Map<QuantizedLayer, Float64Array> {
  const layers = quantizedLayers(model).map(({ layer }) => layer);
  const fisher = new Map(layers.map((l) => [l, new Float64Array(l.weight.size)]));
  const norms = batchNormLayers(model);
  const saved = norms.map((b) => [b.runningMean.data.slice(), b.runningVar.data.slice()]);
  try {
    batchStatisticsPass(model, loader, batches, 'weightFisher', (x, y) => {
      model.zeroGrad();
      crossEntropy(model.forward(x), y).backward();
      for (const [l, f] of fisher) {
        const g = l.weight.grad?.data;
        if (g) for (let i = 0; i < f.length; i++) f[i] += g[i] * g[i];
      }
    });
  } finally {
    model.zeroGrad();
    norms.forEach((b, i) => {
      b.runningMean.data.set(saved[i][0]);
      b.runningVar.data.set(saved[i][1]);
    });
  }
  for (const f of fisher.values()) for (let i = 0; i < f.length; i++) f[i] /= batches;
  return fisher;
}
