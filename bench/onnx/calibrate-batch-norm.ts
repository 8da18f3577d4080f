// Give an untrained model realistic batch-norm statistics: forward passes in training mode
// (without a tape) over a few batches, each BatchNorm2d's running mean and variance set to the
// plain average over those batches (PyTorch's momentum=None), by using momentum 1/k on batch k.
// A model calibrated this way has the activation ranges of real data, which is what the int8
// exports and their agreement checks need when no trained checkpoint is at hand.
import { noGrad } from '../../src/autograd/grad-mode';
import { BatchNorm2d } from '../../src/nn/batch-norm';
import type { Module } from '../../src/nn/module';
import { Tensor } from '../../src/tensor/tensor';

export function calibrateBatchNorm(model: Module, batches: { x: Float32Array; shape: number[] }[]): void {
  if (batches.length === 0) throw new Error('calibrateBatchNorm: need at least one batch');
  const bns = model.namedModules().map(([, m]) => m).filter((m): m is BatchNorm2d => m instanceof BatchNorm2d);
  const saved = bns.map((bn) => bn.momentum);
  const wasTraining = model.training;
  try {
    model.train();
    noGrad(() => {
      batches.forEach((b, k) => {
        // `momentum` is readonly for users of the layer; this calibration is its one writer.
        for (const bn of bns) (bn as { momentum: number }).momentum = 1 / (k + 1);
        model.forward(new Tensor(b.x, b.shape));
      });
    });
  } finally {
    bns.forEach((bn, i) => ((bn as { momentum: number }).momentum = saved[i]));
    model.train(wasTraining);
  }
}
