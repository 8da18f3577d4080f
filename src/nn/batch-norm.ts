// BatchNorm2d layer: learned scale (γ, starts at 1) and shift (β, starts at 0) per channel,
// running mean and variance as buffers (saved in state dicts, used in eval mode).
import { Tensor } from '../tensor/tensor';
import { batchNorm2d, BatchNormOptions } from '../ops/batch-norm';
import { batchNorm2dRelu } from '../ops/batch-norm-relu';
import { Module } from './module';

export class BatchNorm2d extends Module {
  readonly channels: number;
  readonly eps: number;
  /** Weight of each batch's statistics in the running ones; re-estimation changes it (reestimate-batch-norm.ts). */
  momentum: number;
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;

  constructor(channels: number, opts: { eps?: number; momentum?: number } = {}) {
    super();
    if (!Number.isInteger(channels) || channels < 1) throw new Error(`BatchNorm2d: channels must be a positive integer, got ${channels}`);
    this.channels = channels;
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum ?? 0.1;
    this.weight = this.param('weight', Tensor.ones([channels]));
    this.bias = this.param('bias', Tensor.zeros([channels]));
    this.runningMean = this.buffer('runningMean', Tensor.zeros([channels]));
    this.runningVar = this.buffer('runningVar', Tensor.ones([channels]));
  }

  forward(x: Tensor): Tensor {
    return batchNorm2d(x, this.weight, this.bias, this.options());
  }

  /** forward followed by a ReLU clipped at `cap` (6: ReLU6, Infinity: ReLU), as one fused op. */
  forwardRelu(x: Tensor, cap: number): Tensor {
    return batchNorm2dRelu(x, this.weight, this.bias, cap, this.options());
  }

  /** Whether forward is this class's own (not overridden), so it may be fused with a ReLU. */
  get fusable(): boolean {
    return this.forward === BatchNorm2d.prototype.forward;
  }

  private options(): BatchNormOptions {
    return {
      training: this.training,
      runningMean: this.runningMean,
      runningVar: this.runningVar,
      momentum: this.momentum,
      eps: this.eps,
    };
  }
}
