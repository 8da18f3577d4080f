// Batch normalization followed by a ReLU clipped at `cap` (6: ReLU6, Infinity: plain ReLU),
// forward (train and eval) and backward, in one kernel. Convolution + batch norm + ReLU6 is the
// unit MobileNetV2 is built from; done as two ops, the activation costs a second pass over the
// tensor and a second tensor-sized allocation in each direction, which measured about as much
// as the batch norm itself (the tensors are megabytes, so every pass is a trip to memory).
//
// Same arithmetic (one-pass statistics, memory-order passes) as batch-norm.ts followed by the
// relu/relu6 op (src/ops/unary.ts), so the fused op gives the same bits as the pair:
//   v = x·scale + shift, rounded to y's precision;
//   u = (v + |v|)/2 = max(v, 0);   y = u - max(u - cap, 0) = min(u, cap)   (branch-free);
//   backward: the gradient passes where 0 < y < cap (ReLU: where y > 0), then the batch-norm
//   backward.
// Both clip steps are exact for float32 v (u - cap is exact when u >= cap, and only its sign
// matters when u < cap), so y is exactly the clamp of v and the mask read from y is exactly the
// mask of v. (Float64: exact for |v| < 2^53.) Branch-free because the signs are random: a branch
// per element measured 4x slower.
import { accumulateGradient, backwardCoefficients, BatchNormRunning, batchStatistics, checkBatchNormTrainArgs, checkEps, checkAffine, evalAffine } from './batch-norm';
import { FloatArray } from './float-array';
import { checkFloatArray, checkNchwShape, NchwShape } from './nchw-shape';

function checkCap(fn: string, cap: number): void {
  if (!(cap > 0)) throw new Error(`${fn}: cap must be > 0 (6 for ReLU6, Infinity for ReLU), got ${cap}`);
}

/**
 * y[start, end) = clip(x·scale + shift) to [0, cap]. For a float32 y the affine value is first
 * rounded to float32 (Math.fround: the rounding a store would do), so the result is the clip of
 * exactly what a separate batch-norm output would hold. (Storing and reading back measured 1.3x
 * slower than fround; the test of a loop-invariant flag per element costs nothing measurable.)
 */
function applyClipped(
  x: FloatArray, y: FloatArray, start: number, end: number, scale: number, shift: number, cap: number,
): void {
  const round = y instanceof Float32Array;
  if (cap === Infinity) {
    for (let i = start; i < end; i++) {
      let v = x[i] * scale + shift;
      if (round) v = Math.fround(v);
      y[i] = (v + Math.abs(v)) * 0.5;
    }
  } else {
    for (let i = start; i < end; i++) {
      let v = x[i] * scale + shift;
      if (round) v = Math.fround(v);
      const u = (v + Math.abs(v)) * 0.5;
      const over = u - cap;
      y[i] = u - (over + Math.abs(over)) * 0.5;
    }
  }
}

/** dx[start, end) = dy where the forward output y is strictly inside (0, cap), else 0. */
function maskGradient(y: FloatArray, dy: FloatArray, dx: FloatArray, start: number, end: number, cap: number): void {
  if (cap === Infinity) {
    for (let i = start; i < end; i++) dx[i] = dy[i] * +(y[i] > 0);
  } else {
    // 0 < v < cap exactly when v·(cap - v) > 0 (one comparison instead of two).
    for (let i = start; i < end; i++) {
      const v = y[i];
      dx[i] = dy[i] * +(v * (cap - v) > 0);
    }
  }
}

/** Training forward: batch statistics (saved for backward, running ones updated), then the clip. */
export function batchNorm2dReluForwardTrain(
  s: NchwShape, x: FloatArray, gamma: FloatArray | null, beta: FloatArray | null, eps: number, cap: number,
  y: FloatArray, saveMean: FloatArray, saveInvStd: FloatArray, running?: BatchNormRunning,
): void {
  const fn = 'batchNorm2dReluForwardTrain';
  checkBatchNormTrainArgs(fn, s, x, gamma, beta, eps, y, saveMean, saveInvStd, running);
  checkCap(fn, cap);
  const { scale, shift } = batchStatistics(s, x, gamma, beta, eps, saveMean, saveInvStd, running);
  const { n, c, h, w } = s;
  const plane = h * w;
  for (let b = 0, start = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++, start += plane) applyClipped(x, y, start, start + plane, scale[ch], shift[ch], cap);
  }
}

/** Evaluation forward: the running statistics' affine map, then the clip. */
export function batchNorm2dReluForwardEval(
  s: NchwShape, x: FloatArray, gamma: FloatArray | null, beta: FloatArray | null,
  runningMean: FloatArray, runningVar: FloatArray, eps: number, cap: number, y: FloatArray,
): void {
  const fn = 'batchNorm2dReluForwardEval';
  checkNchwShape(fn, s);
  checkEps(fn, eps);
  checkCap(fn, cap);
  const { n, c, h, w } = s;
  checkFloatArray(fn, 'x', x, [n, c, h, w]);
  checkFloatArray(fn, 'y', y, [n, c, h, w]);
  checkAffine(fn, s, gamma, beta);
  checkFloatArray(fn, 'runningMean', runningMean, [c]);
  checkFloatArray(fn, 'runningVar', runningVar, [c]);
  const { scale, shift } = evalAffine(c, gamma, beta, runningMean, runningVar, eps);
  const plane = h * w;
  for (let b = 0, start = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++, start += plane) applyClipped(x, y, start, start + plane, scale[ch], shift[ch], cap);
  }
}

/**
 * Gradients through the clip and the batch norm. `y` is the forward output (it says where the
 * clip passed the gradient). With `training`, the batch norm is the training-mode one (saved
 * batch statistics: the closed form of batch-norm.ts); otherwise the fixed affine map of eval
 * mode, whose statistics are given in saveMean and saveInvStd (running mean, 1/sqrt(var + eps)).
 * dx is first filled with the clipped gradient, then rewritten in place.
 */
export function batchNorm2dReluBackward(
  s: NchwShape, x: FloatArray, y: FloatArray, dy: FloatArray, gamma: FloatArray | null,
  saveMean: FloatArray, saveInvStd: FloatArray, cap: number, training: boolean,
  dx: FloatArray, dgamma: FloatArray | null, dbeta: FloatArray | null,
): void {
  const fn = 'batchNorm2dReluBackward';
  checkNchwShape(fn, s);
  checkCap(fn, cap);
  const { n, c, h, w } = s;
  for (const [name, arr] of [['x', x], ['y', y], ['dy', dy], ['dx', dx]] as const) checkFloatArray(fn, name, arr, [n, c, h, w]);
  if (gamma) checkFloatArray(fn, 'gamma', gamma, [c]);
  checkFloatArray(fn, 'saveMean', saveMean, [c]);
  checkFloatArray(fn, 'saveInvStd', saveInvStd, [c]);
  if (dgamma) checkFloatArray(fn, 'dgamma', dgamma, [c]);
  if (dbeta) checkFloatArray(fn, 'dbeta', dbeta, [c]);
  const plane = h * w;
  const count = n * plane;
  // Pass 1, in memory order: the clipped gradient g into dx, and its per-channel sums.
  const sumDy = new Float64Array(c);
  const sumDyXc = new Float64Array(c);
  for (let b = 0, start = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++, start += plane) {
      maskGradient(y, dy, dx, start, start + plane, cap);
      accumulateGradient(dx, x, start, start + plane, saveMean[ch], sumDy, sumDyXc, ch);
    }
  }
  // dx = g·k + (x - mean)·a + b0 in training (see batchNorm2dBackward), g·k in eval.
  const { k, a, b0 } = backwardCoefficients(sumDy, sumDyXc, saveInvStd, gamma, count, training, dgamma, dbeta);
  // Pass 2, in memory order (in eval mode a and b0 are 0 and x is not read).
  for (let b = 0, start = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++, start += plane) {
      const kc = k[ch];
      if (training) {
        const mean = saveMean[ch];
        const ac = a[ch];
        const bc = b0[ch];
        for (let i = start; i < start + plane; i++) dx[i] = dx[i] * kc + (x[i] - mean) * ac + bc;
      } else {
        for (let i = start; i < start + plane; i++) dx[i] *= kc;
      }
    }
  }
}
