// crossEntropy: mean over the batch of -log softmax(logits)[label], fused so the backward is
// the familiar (softmax - onehot) / N without building either tensor explicitly.
import { record } from '../autograd/node';
import { Tensor } from '../tensor/tensor';
import { shapeString } from '../tensor/shape';
import { allocFor } from './operand';

export type Labels = Int32Array | Uint8Array | readonly number[] | Tensor;

/** logits [N, C]; labels N class indices in [0, C). Returns a scalar (mean reduction). */
export function crossEntropy(logits: Tensor, labels: Labels): Tensor {
  if (logits.rank !== 2) throw new Error(`crossEntropy: logits must be [N, C], got ${shapeString(logits.shape)}`);
  const [n, c] = logits.shape;
  const y = labels instanceof Tensor ? labels.data : labels;
  if (y.length !== n) throw new Error(`crossEntropy: ${y.length} labels for ${n} rows of logits ${shapeString(logits.shape)}`);
  if (n === 0) throw new Error('crossEntropy: empty batch');
  const x = logits.data;
  const probs = new Float64Array(n * c);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const label = y[i];
    if (!Number.isInteger(label) || label < 0 || label >= c) {
      throw new Error(`crossEntropy: label ${label} at row ${i} is not a class index in [0, ${c})`);
    }
    let m = -Infinity;
    for (let j = 0; j < c; j++) m = Math.max(m, x[i * c + j]);
    let s = 0;
    for (let j = 0; j < c; j++) s += (probs[i * c + j] = Math.exp(x[i * c + j] - m));
    for (let j = 0; j < c; j++) probs[i * c + j] /= s;
    total -= x[i * c + label] - m - Math.log(s);
  }
  const out = new Tensor(allocFor(1, logits), []);
  out.data[0] = total / n;
  return record('crossEntropy', [logits], out, (g) => {
    const scale = g.data[0] / n;
    const dx = new Tensor(allocFor(logits.size, g, logits), logits.shape);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < c; j++) dx.data[i * c + j] = scale * probs[i * c + j];
      dx.data[i * c + y[i]] -= scale;
    }
    return [dx];
  });
}
