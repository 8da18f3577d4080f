// Training with fixed batch-norm statistics ("freezing" batch norm, as quantization-aware
// training recipes do for their last epochs: Jacob et al. 2018, Krishnamoorthi 2018).
//
// Why: in training mode a batch-norm layer normalises with the statistics of the current batch;
// in evaluation and in the integer model it uses fixed running statistics. With 4-bit
// activations after every batch norm the two can give different networks: a model may learn to
// rely on the per-batch normalisation and lose several points once the statistics are fixed, even
// after re-estimating them (measured: docs/ddq.md items 11 and 13). With fixed statistics during
// training, the network that trains is the one that is evaluated and exported. γ and β still
// train; the running statistics do not move (the Trainer re-estimates them before each such
// epoch, for the network as it then is: the bitwidths may just have changed).
import type { Module } from '../nn/module';
import { batchNormLayers } from './batch-statistics-pass';

/** Puts every batch-norm layer in evaluation mode (the rest keeps its mode). Returns how many. */
export function fixBatchNormStatistics(model: Module): number {
  const layers = batchNormLayers(model);
  for (const b of layers) b.training = false;
  return layers.length;
}
