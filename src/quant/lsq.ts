// LSQ quantizer (Esser et al., "Learned Step Size Quantization", ICLR 2020): a uniform grid
// with a learned step s, fixed bitwidth b.
//   forward:  x_q = round(clamp(x / s, -Q_N, Q_P)) · s        (round half to even)
//   dx:       1 inside [-Q_N·s, Q_P·s], 0 outside              (straight through)
//   ds:       (round(v) - v) inside, -Q_N below, Q_P above, with v = x/s,
//             times the gradient scale 1/sqrt(N·Q_P) (N: elements of the tensor)
// Signed tensors use Q_N = 2^(b-1), Q_P = 2^(b-1) - 1; unsigned ones Q_N = 0, Q_P = 2^b - 1.
// The step starts at 2·mean|x|/sqrt(Q_P), from the weights or from the first batch seen.
import type { FloatArray } from '../../kernels/float-array';
import { Tensor } from '../tensor/tensor';
import { customOp } from '../ops/custom-op';
import { Module } from '../nn/module';
import { roundHalfEvenSmall } from './rounding';
import { lsqBackwardFused, lsqInputGrad, lsqStepSumFast } from './lsq-backward';

/** Most clamped elements listed for the backward; with more, it tests the range itself. */
const OUTSIDE_LIST = 1024;

export interface LsqOptions {
  kind: 'weight' | 'activation';
  bits: number;
  /** One step per output channel (weights only; axis 0). */
  perChannel?: boolean;
  groups?: number;
}

export class LsqQuantizer extends Module {
  readonly kind: 'weight' | 'activation';
  readonly bitwidth: number;
  readonly groups: number;
  readonly step: Tensor;
  /** [initialized, signed] */
  private readonly state: Tensor;

  constructor(opts: LsqOptions) {
    super();
    if (!Number.isInteger(opts.bits) || opts.bits < 2 || opts.bits > 16) {
      throw new Error(`LsqQuantizer: bits must be an integer in 2..16, got ${opts.bits}`);
    }
    this.kind = opts.kind;
    this.bitwidth = opts.bits;
    this.groups = opts.perChannel ? opts.groups ?? 0 : 1;
    if (!(this.groups >= 1)) throw new Error('LsqQuantizer: per-channel steps need the channel count (groups)');
    this.step = this.param('step', Tensor.ones([this.groups], { dtype: 'float64' }));
    this.state = this.buffer('state', Tensor.fromArray([0, this.kind === 'weight' ? 1 : 0]));
  }

  bits(): number {
    return this.bitwidth;
  }

  /** Bitwidth as a (constant) scalar, for the resource model. */
  bitsTensor(): Tensor {
    return Tensor.scalar(this.bitwidth, { dtype: 'float64' });
  }

  /**
   * Keep every step positive (called after optimizer updates): with a large learning rate a
   * small step can be pushed through zero, which would flip the grid and its clamping range.
   */
  projectStep(minimum = 1e-8): void {
    for (let g = 0; g < this.groups; g++) if (!(this.step.data[g] >= minimum)) this.step.data[g] = minimum;
  }

  get signed(): boolean {
    return this.state.data[1] === 1;
  }

  /** [Q_N, Q_P]: how many steps below and above zero the grid reaches. */
  range(): [number, number] {
    const b = this.bitwidth;
    return this.signed ? [2 ** (b - 1), 2 ** (b - 1) - 1] : [0, 2 ** b - 1];
  }

  isInitialized(): boolean {
    return this.state.data[0] === 1;
  }

  /** LSQ's initial step from data; activations become signed if the data has negatives. */
  initFromData(x: FloatArray): void {
    if (this.kind === 'activation') {
      let neg = false;
      for (let i = 0; i < x.length; i++) if (x[i] < 0) neg = true;
      this.state.data[1] = neg ? 1 : 0;
    }
    const qp = this.range()[1];
    const per = x.length / this.groups;
    for (let g = 0; g < this.groups; g++) {
      let s = 0;
      for (let i = g * per; i < (g + 1) * per; i++) s += Math.abs(x[i]);
      this.step.data[g] = Math.max((2 * (s / per)) / Math.sqrt(qp), 1e-8);
    }
    this.state.data[0] = 1;
  }

  forward(x: Tensor): Tensor {
    if (!this.isInitialized()) {
      if (!this.training && this.kind === 'activation') {
        throw new Error('LsqQuantizer: activation step is not initialised; run a training batch or call initFromData first');
      }
      this.initFromData(x.data);
    }
    const [qn, qp] = this.range();
    return lsqQuantize(x, this.step, qn, qp, this.groups);
  }
}

/**
 * The forward over [begin, end) one element at a time; clamped elements (and NaN) are listed
 * in `outside` while it has room. Returns the new count of clamped elements.
 */
function lsqForwardOne(
  xd: FloatArray, od: FloatArray, s: number, qn: number, qp: number, begin: number, end: number, outside: Int32Array, count: number,
): number {
  for (let i = begin; i < end; i++) {
    const v = xd[i] / s;
    if (v >= -qn && v <= qp) od[i] = roundHalfEvenSmall(v) * s;
    else {
      od[i] = (v < -qn ? -qn : v > qp ? qp : v) * s; // clamped (or NaN): rare
      if (count < outside.length) outside[count] = i;
      count++;
    }
  }
  return count;
}

/** The LSQ fake-quantize op on x with per-group steps. */
export function lsqQuantize(x: Tensor, step: Tensor, qn: number, qp: number, groups = 1): Tensor {
  if (x.size % groups !== 0 || step.size !== groups) {
    throw new Error(`lsqQuantize: ${x.size} values and ${step.size} steps do not split into ${groups} channels`);
  }
  const per = x.size / groups;
  const gradScale = 1 / Math.sqrt(per * qp);
  const xd = x.data;
  const out = new Tensor(x.dtype === 'float64' ? new Float64Array(x.size) : new Float32Array(x.size), x.shape);
  const od = out.data;
  // Hot loops (every activation goes through here): no `cond ? a : b` values and no
  // Math.max/Math.min in the common case. In V8 those measured 10-15 ns per element (a select,
  // and Math.max's zero-sign check on the many exact zeros after a ReLU) against ~2 ns for a
  // predictable branch between two stores, or 0/1 factors. Forward 27 -> ~4 ns, backward
  // 33 -> ~7 ns per element on ReLU6 outputs (backward loops: lsq-backward.ts).
  // The clamped elements (those the straight-through dx zeroes) are listed, up to a limit, so
  // the backward can pass the gradient through without its own range test (see below).
  const outside = new Int32Array(Math.min(x.size, OUTSIDE_LIST));
  let outsideCount = 0;
  // Two elements per iteration share V8's per-access array checks (measured ~20% on DDQ's
  // similar loop, even-grid.ts); a pair with a clamped element goes through the one-at-a-time
  // loop, which gives every element exactly the same value.
  for (let g = 0; g < groups; g++) {
    const s = step.data[g];
    const end = (g + 1) * per;
    let i = g * per;
    for (; i + 1 < end; i += 2) {
      const v0 = xd[i] / s;
      const v1 = xd[i + 1] / s;
      if (v0 >= -qn && v0 <= qp && v1 >= -qn && v1 <= qp) {
        od[i] = roundHalfEvenSmall(v0) * s;
        od[i + 1] = roundHalfEvenSmall(v1) * s;
      } else {
        outsideCount = lsqForwardOne(xd, od, s, qn, qp, i, i + 2, outside, outsideCount);
      }
    }
    outsideCount = lsqForwardOne(xd, od, s, qn, qp, i, end, outside, outsideCount);
  }
  return customOp('lsqQuantize', [x, step], () => out, (gOut, _o, needs) => {
    const gd = gOut.data;
    let dx: Tensor | null = null;
    if (needs[0] && outsideCount <= outside.length) {
      // Straight through but at the listed elements: the incoming gradient itself when none
      // are clamped (ops may share gradient tensors, as add does), else a copy with those zeroed.
      if (outsideCount === 0 && gOut.dtype === x.dtype) dx = gOut;
      else {
        const dd = x.dtype === 'float64' ? new Float64Array(gd) : new Float32Array(gd);
        for (let k = 0; k < outsideCount; k++) dd[outside[k]] = 0;
        dx = new Tensor(dd, x.shape);
      }
    }
    const dxDone = dx !== null;
    if (needs[0] && !dxDone) dx = new Tensor(x.dtype === 'float64' ? new Float64Array(x.size) : new Float32Array(x.size), x.shape);
    const ds = needs[1] ? Tensor.zeros([groups], { dtype: 'float64' }) : null;
    for (let g = 0; g < groups; g++) {
      const s = step.data[g];
      const begin = g * per;
      const end = begin + per;
      // Both gradients from one pass when both are needed (lsq-backward.ts; same values).
      const fillDx = dx !== null && !dxDone;
      if (fillDx && ds) ds.data[g] = lsqBackwardFused(xd, gd, s, qn, qp, dx!.data, begin, end) * gradScale;
      else if (fillDx) lsqInputGrad(xd, gd, s, qn, qp, dx!.data, begin, end);
      else if (ds) ds.data[g] = lsqStepSumFast(xd, gd, s, qn, qp, begin, end) * gradScale;
    }
    return [dx, ds];
  });
}
