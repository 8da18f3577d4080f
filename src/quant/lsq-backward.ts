// LSQ's backward over one group of elements: the straight-through input gradient and the step
// gradient's sum. Both divide every x by the step; one pass (`lsqBackwardFused`) reads x and g
// once instead of twice and gives bit for bit what the two plain loops give.
//   dx:    g inside [-Q_N·s, Q_P·s] (v = x/s in [-Q_N, Q_P]), 0 outside
//   local: round(v) - v inside, -Q_N below, Q_P above;   sum = Σ g·local (in index order)
import type { FloatArray } from '../../kernels/float-array';
import { roundHalfEvenSmall } from './rounding';

/** dx over [begin, end): the plain loop. */
export function lsqInputGrad(x: FloatArray, g: FloatArray, s: number, qn: number, qp: number, dx: FloatArray, begin: number, end: number): void {
  for (let i = begin; i < end; i++) {
    const v = x[i] / s;
    if (v >= -qn && v <= qp) dx[i] = g[i];
    else dx[i] = 0;
  }
}

/**
 * Σ g·local over [begin, end): the plain loop. No `cond ? a : b` values: in V8 a select costs
 * more than 0/1 factors (see lsq.ts).
 */
export function lsqStepSum(x: FloatArray, g: FloatArray, s: number, qn: number, qp: number, begin: number, end: number): number {
  let acc = 0;
  for (let i = begin; i < end; i++) {
    const v = x[i] / s;
    const below = +(v < -qn);
    const above = +(v > qp);
    const local = (roundHalfEvenSmall(v) - v) * (1 - below - above) - below * qn + above * qp;
    acc += g[i] * local;
  }
  return acc;
}

/**
 * Both in one pass; returns the sum. Inside the range the 0/1 factors of `lsqStepSum` reduce
 * exactly to round(v) - v (up to the sign of a zero, which cannot change a sum that starts at
 * +0), so that common case skips them; outside it uses the same formula as the plain loop.
 */
export function lsqBackwardFused(x: FloatArray, g: FloatArray, s: number, qn: number, qp: number, dx: FloatArray, begin: number, end: number): number {
  let acc = 0;
  for (let i = begin; i < end; i++) {
    const v = x[i] / s;
    const gi = g[i];
    if (v >= -qn && v <= qp) {
      dx[i] = gi;
      acc += gi * (roundHalfEvenSmall(v) - v);
    } else {
      dx[i] = 0;
      const below = +(v < -qn);
      const above = +(v > qp);
      acc += gi * ((roundHalfEvenSmall(v) - v) * (1 - below - above) - below * qn + above * qp);
    }
  }
  return acc;
}

/**
 * Same sum as `lsqStepSum`, bit for bit, faster: two elements per iteration (sharing V8's
 * per-access checks), and inside the range the 0/1 factors reduce exactly to round(v) - v, as
 * in `lsqBackwardFused`. The additions stay one at a time, in index order.
 */
export function lsqStepSumFast(x: FloatArray, g: FloatArray, s: number, qn: number, qp: number, begin: number, end: number): number {
  let acc = 0;
  let i = begin;
  for (; i + 1 < end; i += 2) {
    const v0 = x[i] / s;
    const v1 = x[i + 1] / s;
    if (v0 >= -qn && v0 <= qp && v1 >= -qn && v1 <= qp) {
      acc += g[i] * (roundHalfEvenSmall(v0) - v0);
      acc += g[i + 1] * (roundHalfEvenSmall(v1) - v1);
    } else {
      acc = lsqStepSumFrom(acc, x, g, s, qn, qp, i, i + 2);
    }
  }
  return lsqStepSumFrom(acc, x, g, s, qn, qp, i, end);
}

/** acc plus the plain loop's terms over [begin, end), in order. */
function lsqStepSumFrom(acc: number, x: FloatArray, g: FloatArray, s: number, qn: number, qp: number, begin: number, end: number): number {
  for (let i = begin; i < end; i++) {
    const v = x[i] / s;
    const below = +(v < -qn);
    const above = +(v > qp);
    acc += g[i] * ((roundHalfEvenSmall(v) - v) * (1 - below - above) - below * qn + above * qp);
  }
  return acc;
}
