// Small helpers on a batch of classifier outputs [B, classes]: the shape check every consumer
// needs, and the number of rows whose largest logit is the label (first maximum wins, as argmax).
import type { Tensor } from '../tensor/tensor';
import { shapeString } from '../tensor/shape';

export function checkLogits(fn: string, logits: Tensor, batch: number): void {
  if (logits.rank !== 2 || logits.shape[0] !== batch) {
    throw new Error(`${fn}: the model must map a batch of ${batch} inputs to logits [${batch}, classes], got ${shapeString(logits.shape)}`);
  }
}

export function countCorrect(logits: Tensor, labels: ArrayLike<number>): number {
  const [n, c] = logits.shape;
  const d = logits.data;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < c; j++) if (d[i * c + j] > d[i * c + best]) best = j;
    if (best === labels[i]) correct++;
  }
  return correct;
}
