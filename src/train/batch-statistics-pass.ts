// A pass of training batches through a model as batch-norm re-estimation and the Fisher bit fit
// both need it: every batch-norm layer on batch statistics (as in training), everything else in
// evaluation mode (no dropout), the loader read from its current position and wrapping into
// further epochs. Afterwards every module is back in the mode it had.
import type { Module } from '../nn/module';
import type { DataLoader } from '../../datasets/loader';
import type { Tensor } from '../tensor/tensor';
import { BatchNorm2d } from '../nn/batch-norm';

/** The model's batch-norm layers. */
export function batchNormLayers(model: Module): BatchNorm2d[] {
  return model.namedModules().map(([, m]) => m).filter((m): m is BatchNorm2d => m instanceof BatchNorm2d);
}

export function checkBatchCount(batches: number, caller: string): void {
  if (!Number.isInteger(batches) || batches < 1) throw new Error(`${caller}: batches must be a positive integer, got ${batches}`);
}

/** Calls `step` on `batches` batches of `loader` (index 0, 1, ...) with the modes above; `caller` names bad counts. */
export function batchStatisticsPass(
  model: Module, loader: DataLoader, batches: number, caller: string, step: (x: Tensor, y: Int32Array, index: number) => void,
): void {
  checkBatchCount(batches, caller);
  model.keepingModes(() => {
    model.eval();
    for (const b of batchNormLayers(model)) b.training = true;
    let done = 0;
    while (done < batches) {
      for (const { x, y } of loader.epochBatches()) {
        step(x, y, done);
        if (++done === batches) return;
      }
    }
  });
}
