// batchNorm2dRelu: batchNorm2d followed by relu (cap Infinity) or relu6 (cap 6) as one op, so
// the pair costs one pass over memory and one tensor in each direction instead of two
// (kernels/batch-norm-relu.ts). Same values as the two ops in sequence; the gradient passes
// where the output is strictly between 0 and cap.
import { batchNorm2dReluBackward, batchNorm2dReluForwardEval, batchNorm2dReluForwardTrain } from '../../kernels/batch-norm-relu';
import { record } from '../autograd/node';
import { Tensor } from '../tensor/tensor';
import { allocFor } from './operand';
import { BatchNormOptions, batchNormShape } from './batch-norm';

export function batchNorm2dRelu(x: Tensor, gamma: Tensor | null, beta: Tensor | null, cap: number, opts: BatchNormOptions): Tensor {
  const s = batchNormShape('batchNorm2dRelu', x, gamma, beta, opts);
  const c = s.c;
  const eps = opts.eps ?? 1e-5;
  const inputs = [x, gamma, beta].filter((t): t is Tensor => t !== null);
  const y = new Tensor(allocFor(x.size, ...inputs), x.shape);
  const mean = new Float64Array(c);
  const invStd = new Float64Array(c);
  const training = opts.training;
  if (training) {
    const running = { mean: opts.runningMean.data, var: opts.runningVar.data, momentum: opts.momentum ?? 0.1 };
    batchNorm2dReluForwardTrain(s, x.data, gamma?.data ?? null, beta?.data ?? null, eps, cap, y.data, mean, invStd, running);
  } else {
    batchNorm2dReluForwardEval(s, x.data, gamma?.data ?? null, beta?.data ?? null, opts.runningMean.data, opts.runningVar.data, eps, cap, y.data);
    for (let ch = 0; ch < c; ch++) {
      mean[ch] = opts.runningMean.data[ch];
      invStd[ch] = 1 / Math.sqrt(opts.runningVar.data[ch] + eps);
    }
  }
  return record('batchNorm2dRelu', inputs, y, (g, needs) => {
    const dx = new Tensor(allocFor(x.size, g, x), x.shape);
    const dgamma = gamma ? new Tensor(allocFor(c, g, gamma), gamma.shape) : null;
    const dbeta = beta ? new Tensor(allocFor(c, g, beta), beta.shape) : null;
    batchNorm2dReluBackward(s, x.data, y.data, g.data, gamma?.data ?? null, mean, invStd, cap, training, dx.data, dgamma?.data ?? null, dbeta?.data ?? null);
    const grads: (Tensor | null)[] = [needs[0] ? dx : null];
    if (gamma) grads.push(dgamma);
    if (beta) grads.push(dbeta);
    return grads;
  });
}
