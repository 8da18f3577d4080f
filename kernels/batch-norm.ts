// Batch normalization over NCHW activations (statistics per channel over N, H and W), forward
// in training and evaluation mode, and backward.
//
// Training:  mean_c = E[x],  var_c = E[(x - mean_c)^2] (biased),  invStd_c = 1/sqrt(var_c + eps)
//            y = (x - mean_c) * invStd_c * gamma_c + beta_c
// Evaluation uses running statistics instead of the batch's. Statistics are accumulated in
// double, two passes (mean first, then squared deviations), which stays accurate when the mean
// is large compared with the spread.
//
// Running statistics follow PyTorch: with `running` given, the training forward also does
//   running.mean = (1 - momentum) * running.mean + momentum * mean_c
//   running.var  = (1 - momentum) * running.var  + momentum * var_c * M / (M - 1)   (unbiased)
// with M = n*h*w. Outputs (y, dx, dgamma, dbeta, saved statistics) are overwritten. gamma and
// beta may be null (no affine transform: gamma 1, beta 0).
import { FloatArray } from './float-array';
import { checkFloatArray, checkNchwShape, NchwShape } from './nchw-shape';

export interface BatchNormRunning {
  mean: FloatArray;
  var: FloatArray;
  /** Weight of the new batch statistic, in [0, 1] (PyTorch's default is 0.1). */
  momentum: number;
}

export function checkEps(fn: string, eps: number): void {
  if (!(eps >= 0) || !Number.isFinite(eps)) throw new Error(`${fn}: eps must be a finite number >= 0, got ${eps}`);
}

export function checkAffine(fn: string, s: NchwShape, gamma: FloatArray | null, beta: FloatArray | null): void {
  if (gamma) checkFloatArray(fn, 'gamma', gamma, [s.c]);
  if (beta) checkFloatArray(fn, 'beta', beta, [s.c]);
}

/** The argument checks of a training-mode forward (shared with the fused batch norm + ReLU). */
export function checkBatchNormTrainArgs(
  fn: string, s: NchwShape, x: FloatArray, gamma: FloatArray | null, beta: FloatArray | null, eps: number,
  y: FloatArray, saveMean: FloatArray, saveInvStd: FloatArray, running?: BatchNormRunning,
): void {
  checkNchwShape(fn, s);
  checkEps(fn, eps);
  const { n, c, h, w } = s;
  checkFloatArray(fn, 'x', x, [n, c, h, w]);
  checkFloatArray(fn, 'y', y, [n, c, h, w]);
  checkAffine(fn, s, gamma, beta);
  checkFloatArray(fn, 'saveMean', saveMean, [c]);
  checkFloatArray(fn, 'saveInvStd', saveInvStd, [c]);
  const count = n * h * w;
  if (count < 2) throw new Error(`${fn}: need more than 1 value per channel to train, got n*h*w = ${count}`);
  if (running) {
    checkFloatArray(fn, 'running.mean', running.mean, [c]);
    checkFloatArray(fn, 'running.var', running.var, [c]);
    if (!(running.momentum >= 0 && running.momentum <= 1)) {
      throw new Error(`${fn}: running.momentum must be in [0, 1], got ${running.momentum}`);
    }
  }
}

/**
 * Normalizes with the batch's own statistics and saves mean and 1/sqrt(var + eps) per channel
 * (for the backward pass) in saveMean and saveInvStd.
 */
export function batchNorm2dForwardTrain(
  s: NchwShape, x: FloatArray, gamma: FloatArray | null, beta: FloatArray | null, eps: number,
  y: FloatArray, saveMean: FloatArray, saveInvStd: FloatArray, running?: BatchNormRunning,
): void {
  checkBatchNormTrainArgs('batchNorm2dForwardTrain', s, x, gamma, beta, eps, y, saveMean, saveInvStd, running);
  const { n, c, h, w } = s;
  const plane = h * w;
  const count = n * plane;
  const stride = c * plane; // from one image's channel plane to the next image's
  for (let ch = 0; ch < c; ch++) {
    let sum = 0;
    for (let b = 0, start = ch * plane; b < n; b++, start += stride) {
      for (let i = start; i < start + plane; i++) sum += x[i];
    }
    const mean = sum / count;
    let sq = 0;
    for (let b = 0, start = ch * plane; b < n; b++, start += stride) {
      for (let i = start; i < start + plane; i++) {
        const d = x[i] - mean;
        sq += d * d;
      }
    }
    const variance = sq / count;
    const invStd = 1 / Math.sqrt(variance + eps);
    saveMean[ch] = mean;
    saveInvStd[ch] = invStd;
    // y = x * scale + shift, with the affine transform folded in.
    const scale = invStd * (gamma ? gamma[ch] : 1);
    const shift = (beta ? beta[ch] : 0) - mean * scale;
    for (let b = 0, start = ch * plane; b < n; b++, start += stride) {
      for (let i = start; i < start + plane; i++) y[i] = x[i] * scale + shift;
    }
    if (running) {
      const m = running.momentum;
      running.mean[ch] = (1 - m) * running.mean[ch] + m * mean;
      running.var[ch] = (1 - m) * running.var[ch] + m * variance * (count / (count - 1));
    }
  }
}

/** Normalizes with running statistics: y = (x - runningMean) / sqrt(runningVar + eps) * gamma + beta. */
export function batchNorm2dForwardEval(
  s: NchwShape, x: FloatArray, gamma: FloatArray | null, beta: FloatArray | null,
  runningMean: FloatArray, runningVar: FloatArray, eps: number, y: FloatArray,
): void {
  const fn = 'batchNorm2dForwardEval';
  checkNchwShape(fn, s);
  checkEps(fn, eps);
  const { n, c, h, w } = s;
  checkFloatArray(fn, 'x', x, [n, c, h, w]);
  checkFloatArray(fn, 'y', y, [n, c, h, w]);
  checkAffine(fn, s, gamma, beta);
  checkFloatArray(fn, 'runningMean', runningMean, [c]);
  checkFloatArray(fn, 'runningVar', runningVar, [c]);
  const plane = h * w;
  const stride = c * plane;
  for (let ch = 0; ch < c; ch++) {
    const scale = (gamma ? gamma[ch] : 1) / Math.sqrt(runningVar[ch] + eps);
    const shift = (beta ? beta[ch] : 0) - runningMean[ch] * scale;
    for (let b = 0, start = ch * plane; b < n; b++, start += stride) {
      for (let i = start; i < start + plane; i++) y[i] = x[i] * scale + shift;
    }
  }
}

/**
 * Gradients of the training-mode forward, from the saved statistics. With xhat = (x - mean) *
 * invStd and M = n*h*w, the standard closed form is
 *   dbeta  = sum dy,   dgamma = sum dy * xhat,
 *   dx     = gamma * invStd / M * (M * dy - dbeta - xhat * dgamma).
 * dgamma and dbeta may be null when not wanted (they are computed anyway, for dx).
 */
export function batchNorm2dBackward(
  s: NchwShape, x: FloatArray, dy: FloatArray, gamma: FloatArray | null, saveMean: FloatArray, saveInvStd: FloatArray,
  dx: FloatArray, dgamma: FloatArray | null, dbeta: FloatArray | null,
): void {
  const fn = 'batchNorm2dBackward';
  checkNchwShape(fn, s);
  const { n, c, h, w } = s;
  checkFloatArray(fn, 'x', x, [n, c, h, w]);
  checkFloatArray(fn, 'dy', dy, [n, c, h, w]);
  checkFloatArray(fn, 'dx', dx, [n, c, h, w]);
  if (gamma) checkFloatArray(fn, 'gamma', gamma, [c]);
  checkFloatArray(fn, 'saveMean', saveMean, [c]);
  checkFloatArray(fn, 'saveInvStd', saveInvStd, [c]);
  if (dgamma) checkFloatArray(fn, 'dgamma', dgamma, [c]);
  if (dbeta) checkFloatArray(fn, 'dbeta', dbeta, [c]);
  const plane = h * w;
  const stride = c * plane;
  const count = n * plane;
  for (let ch = 0; ch < c; ch++) {
    const mean = saveMean[ch];
    const invStd = saveInvStd[ch];
    let sumDy = 0;
    let sumDyXhat = 0;
    for (let b = 0, start = ch * plane; b < n; b++, start += stride) {
      for (let i = start; i < start + plane; i++) {
        sumDy += dy[i];
        sumDyXhat += dy[i] * (x[i] - mean);
      }
    }
    sumDyXhat *= invStd;
    if (dbeta) dbeta[ch] = sumDy;
    if (dgamma) dgamma[ch] = sumDyXhat;
    // dx = k * (dy - sumDy/M - xhat * sumDyXhat/M), written as dy * k + (x - mean) * a + b0.
    const k = (gamma ? gamma[ch] : 1) * invStd;
    const a = -k * invStd * sumDyXhat / count;
    const b0 = -k * sumDy / count;
    for (let b = 0, start = ch * plane; b < n; b++, start += stride) {
      for (let i = start; i < start + plane; i++) dx[i] = dy[i] * k + (x[i] - mean) * a + b0;
    }
  }
}
