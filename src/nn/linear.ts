// Linear layer: y = x·Wᵀ + b. Weight [out, in] with Kaiming-uniform init; bias starts at 0.
import { Tensor } from '../tensor/tensor';
import type { Rng } from '../tensor/rng';
import { linear } from '../ops/linear';
import { flatten } from '../ops/reshape';
import { Module } from './module';
import { kaimingUniform } from './init';

export interface LinearOptions {
  rng: Rng;
  bias?: boolean;
}

export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  /** Output shape of the last forward pass (used to count multiply-accumulates). */
  lastOutputShape: readonly number[] | null = null;

  constructor(inFeatures: number, outFeatures: number, opts: LinearOptions) {
    super();
    if (!Number.isInteger(inFeatures) || !Number.isInteger(outFeatures) || inFeatures < 1 || outFeatures < 1) {
      throw new Error(`Linear: feature counts must be positive integers, got ${inFeatures} -> ${outFeatures}`);
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = this.param('weight', kaimingUniform([outFeatures, inFeatures], opts.rng, 1));
    this.bias = opts.bias === false ? null : this.param('bias', Tensor.zeros([outFeatures]));
  }

  forward(x: Tensor): Tensor {
    const y = linear(x.rank === 2 ? x : flatten(x, 1), this.weight, this.bias);
    this.lastOutputShape = y.shape;
    return y;
  }
}
