// evaluate: mean cross-entropy and accuracy of a classifier over one pass of a loader, in
// evaluation mode (dropout off, batch norm on running statistics) and without a tape.
import type { Module } from '../nn/module';
import type { DataLoader } from '../../datasets/loader';
import { crossEntropy } from '../ops/cross-entropy';
import { noGrad } from '../autograd/grad-mode';
import { checkLogits, countCorrect } from './logits';

export interface EvalResult {
  /** Mean cross-entropy per sample. */
  loss: number;
  /** Fraction of samples whose largest logit is the label. */
  accuracy: number;
  correct: number;
  count: number;
}

/**
 * One full epoch of `loader` (from its start: a loader left mid-epoch is rewound). Leaves every
 * module in the training mode it had. Use an unshuffled, unaugmented loader for test sets.
 */
export function evaluate(model: Module, loader: DataLoader): EvalResult {
  if (loader.batch !== 0) loader.setState({ ...loader.getState(), batch: 0 });
  let lossSum = 0;
  let correct = 0;
  let count = 0;
  model.keepingModes(() => {
    model.eval();
    noGrad(() => {
      for (const { x, y } of loader.epochBatches()) {
        const logits = model.forward(x);
        checkLogits('evaluate', logits, y.length);
        lossSum += crossEntropy(logits, y).item() * y.length;
        correct += countCorrect(logits, y);
        count += y.length;
      }
    });
  });
  return { loss: lossSum / count, accuracy: correct / count, correct, count };
}
