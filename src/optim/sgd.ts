// SGD with optional momentum (PyTorch's formulation), Nesterov momentum and L2 weight decay:
//   g' = g + wd·w;  v = μ·v + g';  step = nesterov ? g' + μ·v : v;  w -= lr·step
import { Tensor } from '../tensor/tensor';
import { Optimizer } from './optimizer';

export interface SgdOptions {
  lr: number;
  momentum?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

export class SGD extends Optimizer {
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;

  constructor(params: Tensor[], opts: SgdOptions) {
    super(params, opts.lr);
    this.momentum = opts.momentum ?? 0;
    this.nesterov = opts.nesterov ?? false;
    this.weightDecay = opts.weightDecay ?? 0;
    if (this.momentum < 0 || this.momentum >= 1) throw new Error(`SGD: momentum must be in [0, 1), got ${this.momentum}`);
    if (this.nesterov && this.momentum === 0) throw new Error('SGD: Nesterov momentum needs momentum > 0');
    if (this.weightDecay < 0) throw new Error(`SGD: weight decay must be >= 0, got ${this.weightDecay}`);
  }

  protected update(w: Float32Array | Float64Array, g: Float32Array | Float64Array, i: number): void {
    const { lr, momentum: mu, weightDecay: wd, nesterov } = this;
    if (mu === 0) {
      for (let j = 0; j < w.length; j++) w[j] -= lr * (g[j] + wd * w[j]);
      return;
    }
    const v = this.slot(i, 'momentum');
    // PyTorch starts the buffer at the first gradient rather than at μ·0 + g; same thing here.
    for (let j = 0; j < w.length; j++) {
      const gj = g[j] + wd * w[j];
      v[j] = mu * v[j] + gj;
      w[j] -= lr * (nesterov ? gj + mu * v[j] : v[j]);
    }
  }
}
