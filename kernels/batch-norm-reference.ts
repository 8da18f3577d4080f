// Reference batch normalization for tests: the formulas step by step, element by element. The
// backward pass is the textbook staged chain rule (through xhat, the variance and the mean), a
// different derivation from the closed form in batch-norm.ts.
import { FloatArray } from './float-array';
import { NchwShape } from './nchw-shape';

function index(s: NchwShape, b: number, c: number, i: number): number {
  return (b * s.c + c) * s.h * s.w + i;
}

/** Per-channel batch mean and biased variance. */
export function batchStatsReference(s: NchwShape, x: FloatArray): { mean: Float64Array; variance: Float64Array } {
  const m = s.n * s.h * s.w;
  const mean = new Float64Array(s.c);
  const variance = new Float64Array(s.c);
  for (let c = 0; c < s.c; c++) {
    let sum = 0;
    for (let b = 0; b < s.n; b++) for (let i = 0; i < s.h * s.w; i++) sum += x[index(s, b, c, i)];
    mean[c] = sum / m;
    let sq = 0;
    for (let b = 0; b < s.n; b++) for (let i = 0; i < s.h * s.w; i++) sq += (x[index(s, b, c, i)] - mean[c]) ** 2;
    variance[c] = sq / m;
  }
  return { mean, variance };
}

/** y = (x - mean) / sqrt(var + eps) * gamma + beta with the given per-channel statistics. */
export function batchNormApplyReference(
  s: NchwShape, x: FloatArray, mean: ArrayLike<number>, variance: ArrayLike<number>, eps: number,
  gamma: FloatArray | null, beta: FloatArray | null, y: FloatArray,
): void {
  for (let b = 0; b < s.n; b++) {
    for (let c = 0; c < s.c; c++) {
      for (let i = 0; i < s.h * s.w; i++) {
        const xhat = (x[index(s, b, c, i)] - mean[c]) / Math.sqrt(variance[c] + eps);
        y[index(s, b, c, i)] = xhat * (gamma ? gamma[c] : 1) + (beta ? beta[c] : 0);
      }
    }
  }
}

/** dx, dgamma, dbeta of the training-mode forward, by the staged chain rule. */
export function batchNorm2dBackwardReference(
  s: NchwShape, x: FloatArray, dy: FloatArray, gamma: FloatArray | null, eps: number,
  dx: FloatArray, dgamma: FloatArray, dbeta: FloatArray,
): void {
  const m = s.n * s.h * s.w;
  const { mean, variance } = batchStatsReference(s, x);
  for (let c = 0; c < s.c; c++) {
    const g = gamma ? gamma[c] : 1;
    const std = Math.sqrt(variance[c] + eps);
    let dVar = 0;
    let dMean = 0;
    let dg = 0;
    let db = 0;
    for (let b = 0; b < s.n; b++) {
      for (let i = 0; i < s.h * s.w; i++) {
        const at = index(s, b, c, i);
        const centered = x[at] - mean[c];
        const dxhat = dy[at] * g;
        dg += dy[at] * centered / std;
        db += dy[at];
        dVar += dxhat * centered * -0.5 * (variance[c] + eps) ** -1.5;
        dMean += -dxhat / std;
      }
    }
    // The variance also depends on the mean, but that term is sum(-2 (x - mean)) / m = 0.
    for (let b = 0; b < s.n; b++) {
      for (let i = 0; i < s.h * s.w; i++) {
        const at = index(s, b, c, i);
        dx[at] = dy[at] * g / std + dVar * 2 * (x[at] - mean[c]) / m + dMean / m;
      }
    }
    dgamma[c] = dg;
    dbeta[c] = db;
  }
}
