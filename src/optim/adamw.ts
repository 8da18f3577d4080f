// AdamW (Loshchilov & Hutter 2019): Adam moments with bias correction, and weight decay
// applied directly to the weights (decoupled) instead of through the gradient:
//   w -= lr·wd·w;  m = β1·m + (1-β1)·g;  v = β2·v + (1-β2)·g²
//   w -= lr · (m / (1-β1^t)) / (sqrt(v / (1-β2^t)) + eps)
import { Tensor } from '../tensor/tensor';
import { Optimizer } from './optimizer';

export interface AdamWOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}

export class AdamW extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;

  constructor(params: Tensor[], opts: AdamWOptions) {
    super(params, opts.lr);
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0.01;
    for (const [name, b] of [['beta1', this.beta1], ['beta2', this.beta2]] as const) {
      if (!(b >= 0 && b < 1)) throw new Error(`AdamW: ${name} must be in [0, 1), got ${b}`);
    }
  }

  protected update(w: Float32Array | Float64Array, g: Float32Array | Float64Array, i: number): void {
    const { lr, beta1, beta2, eps, weightDecay } = this;
    const m = this.slot(i, 'm');
    const v = this.slot(i, 'v');
    const c1 = 1 - Math.pow(beta1, this.stepCount);
    const c2 = 1 - Math.pow(beta2, this.stepCount);
    for (let j = 0; j < w.length; j++) {
      w[j] -= lr * weightDecay * w[j];
      m[j] = beta1 * m[j] + (1 - beta1) * g[j];
      v[j] = beta2 * v[j] + (1 - beta2) * g[j] * g[j];
      w[j] -= (lr * (m[j] / c1)) / (Math.sqrt(v[j] / c2) + eps);
    }
  }
}
