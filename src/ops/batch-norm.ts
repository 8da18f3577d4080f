// batchNorm2d: per-channel normalisation of NCHW activations. In training mode it uses the
// batch's statistics (and updates the running ones in place); in evaluation mode the running
// statistics, which makes it a fixed per-channel affine map y = x·scale + shift.
//   training backward (closed form, in the kernel): dx = γ·invStd/M · (M·dy - Σdy - x̂·Σ(dy·x̂))
//   evaluation backward: dx = dy·scale;  dγ = Σ dy·x̂;  dβ = Σ dy
import { batchNorm2dBackward, batchNorm2dForwardEval, batchNorm2dForwardTrain } from '../../kernels/batch-norm';
import type { NchwShape } from '../../kernels/nchw-shape';
import { record } from '../autograd/node';
import { Tensor } from '../tensor/tensor';
import { shapeString } from '../tensor/shape';
import { allocFor } from './operand';

export interface BatchNormOptions {
  training: boolean;
  /** Running statistics (float arrays of length C), read in eval mode and updated in training. */
  runningMean: Tensor;
  runningVar: Tensor;
  momentum?: number;
  eps?: number;
}

/** The kernel shape of x, after checking x and the per-channel tensors against it. */
export function batchNormShape(op: string, x: Tensor, gamma: Tensor | null, beta: Tensor | null, opts: BatchNormOptions): NchwShape {
  if (x.rank !== 4) throw new Error(`${op}: input must be [N, C, H, W], got ${shapeString(x.shape)}`);
  const [n, c, h, w] = x.shape;
  for (const [name, t] of [['gamma', gamma], ['beta', beta], ['runningMean', opts.runningMean], ['runningVar', opts.runningVar]] as const) {
    if (t !== null && (t.rank !== 1 || t.shape[0] !== c)) {
      throw new Error(`${op}: ${name} ${shapeString(t.shape)} does not match ${c} channels of input ${shapeString(x.shape)}`);
    }
  }
  return { n, c, h, w };
}

export function batchNorm2d(x: Tensor, gamma: Tensor | null, beta: Tensor | null, opts: BatchNormOptions): Tensor {
  const s = batchNormShape('batchNorm2d', x, gamma, beta, opts);
  const { n, c, h, w } = s;
  const eps = opts.eps ?? 1e-5;
  const inputs = [x, gamma, beta].filter((t): t is Tensor => t !== null);
  const y = new Tensor(allocFor(x.size, ...inputs), x.shape);
  const mean = new Float64Array(c);
  const invStd = new Float64Array(c);
  if (opts.training) {
    const running = { mean: opts.runningMean.data, var: opts.runningVar.data, momentum: opts.momentum ?? 0.1 };
    batchNorm2dForwardTrain(s, x.data, gamma?.data ?? null, beta?.data ?? null, eps, y.data, mean, invStd, running);
  } else {
    batchNorm2dForwardEval(s, x.data, gamma?.data ?? null, beta?.data ?? null, opts.runningMean.data, opts.runningVar.data, eps, y.data);
    for (let ch = 0; ch < c; ch++) {
      mean[ch] = opts.runningMean.data[ch];
      invStd[ch] = 1 / Math.sqrt(opts.runningVar.data[ch] + eps);
    }
  }
  return record('batchNorm2d', inputs, y, (g, needs) => {
    const dx = new Tensor(allocFor(x.size, g, x), x.shape);
    const dgamma = gamma ? new Tensor(allocFor(c, g, gamma), gamma.shape) : null;
    const dbeta = beta ? new Tensor(allocFor(c, g, beta), beta.shape) : null;
    if (opts.training) {
      batchNorm2dBackward(s, x.data, g.data, gamma?.data ?? null, mean, invStd, dx.data, dgamma?.data ?? null, dbeta?.data ?? null);
    } else {
      const plane = h * w;
      for (let ch = 0; ch < c; ch++) {
        const scale = invStd[ch] * (gamma ? gamma.data[ch] : 1);
        let sg = 0;
        let sgx = 0;
        for (let b = 0; b < n; b++) {
          for (let i = (b * c + ch) * plane, end = i + plane; i < end; i++) {
            dx.data[i] = g.data[i] * scale;
            sg += g.data[i];
            sgx += g.data[i] * (x.data[i] - mean[ch]) * invStd[ch];
          }
        }
        if (dgamma) dgamma.data[ch] = sgx;
        if (dbeta) dbeta.data[ch] = sg;
      }
    }
    const grads: (Tensor | null)[] = [needs[0] ? dx : null];
    if (gamma) grads.push(dgamma);
    if (beta) grads.push(dbeta);
    return grads;
  });
}
