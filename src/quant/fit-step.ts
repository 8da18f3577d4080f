// The step of a zero-anchored uniform grid fitted to data: the step that minimises the mean
// squared quantization error (values beyond the grid clip to its ends). A grid spanning the
// batch's [min, max] wastes most of a low bitwidth on a few large activations: measured on
// LeNet-5 / Fashion-MNIST with 4-bit activations, DDQ started that way ended 0.4 point below LSQ
// (whose step starts small, 2·mean|x|/sqrt(Q_P)), its learned steps still 1.6-1.9x LSQ's.
// Clipping the rare large values buys a finer grid for the many small ones.
import type { FloatArray } from '../../kernels/float-array';

/** Values used for the search at most; a strided subsample of larger inputs. */
const SAMPLE = 1 << 16;
/** Candidate steps: the full-range step times RATIO^k, k = 0..CANDIDATES-1 (down to ~2% of it). */
const RATIO = 0.97;
const CANDIDATES = 128;

/** Mean squared error of x on the grid (i - zeroIndex)·step, i = 0..count-1, clipped at the ends. */
export function uniformGridError(x: FloatArray, count: number, zeroIndex: number, step: number): number {
  const lo = -zeroIndex;
  const hi = count - 1 - zeroIndex;
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const q = Math.min(hi, Math.max(lo, Math.round(x[i] / step)));
    const e = x[i] - q * step;
    s += e * e;
  }
  return x.length ? s / x.length : 0;
}

/**
 * The step (among full-range step × 0.97^k) with the smallest squared error on x, for a grid of
 * `count` levels whose level `zeroIndex` is zero. The full-range step covers max(|min|/zeroIndex,
 * max/(count-1-zeroIndex)). Ties keep the larger step. Deterministic.
 */
export function fitUniformStep(x: FloatArray, count: number, zeroIndex: number): number {
  if (!Number.isInteger(count) || count < 2) throw new Error(`fitUniformStep: need at least 2 levels, got ${count}`);
  if (!(zeroIndex >= 0 && zeroIndex < count)) throw new Error(`fitUniformStep: zero index ${zeroIndex} outside 0..${count - 1}`);
  const stride = Math.max(1, Math.ceil(x.length / SAMPLE));
  const sample = new Float64Array(Math.ceil(x.length / stride));
  for (let i = 0, j = 0; i < x.length; i += stride, j++) sample[j] = x[i];
  let full = 1e-6;
  for (const v of sample) {
    if (v > 0 && count - 1 - zeroIndex > 0) full = Math.max(full, v / (count - 1 - zeroIndex));
    if (v < 0 && zeroIndex > 0) full = Math.max(full, -v / zeroIndex);
  }
  let best = full;
  let bestError = uniformGridError(sample, count, zeroIndex, full);
  for (let k = 1, step = full * RATIO; k < CANDIDATES; k++, step *= RATIO) {
    const e = uniformGridError(sample, count, zeroIndex, step);
    if (e < bestError) [best, bestError] = [step, e];
  }
  return best;
}
