// Conv2d layer: weight [cOut, cIn/groups, kh, kw] with Kaiming-normal (fan-in, ReLU gain)
// init; groups == cIn == cOut makes it depthwise.
import { Tensor } from '../tensor/tensor';
import type { Rng } from '../tensor/rng';
import { conv2d, Conv2dOptions } from '../ops/conv2d';
import { Module } from './module';
import { kaimingNormal } from './init';

export interface Conv2dLayerOptions {
  rng: Rng;
  stride?: number;
  padding?: number;
  dilation?: number;
  groups?: number;
  bias?: boolean;
}

export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number;
  readonly options: Required<Omit<Conv2dOptions, 'stride' | 'padding' | 'dilation'>> & { stride: number; padding: number; dilation: number };
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  /** Output shape of the last forward pass (used to count multiply-accumulates). */
  lastOutputShape: readonly number[] | null = null;

  constructor(inChannels: number, outChannels: number, kernelSize: number, opts: Conv2dLayerOptions) {
    super();
    const groups = opts.groups ?? 1;
    for (const [name, v] of [['inChannels', inChannels], ['outChannels', outChannels], ['kernelSize', kernelSize], ['groups', groups]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`Conv2d: ${name} must be a positive integer, got ${v}`);
    }
    if (inChannels % groups !== 0 || outChannels % groups !== 0) {
      throw new Error(`Conv2d: ${inChannels} input and ${outChannels} output channels must both divide into ${groups} groups`);
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = kernelSize;
    this.options = { stride: opts.stride ?? 1, padding: opts.padding ?? 0, dilation: opts.dilation ?? 1, groups };
    this.weight = this.param('weight', kaimingNormal([outChannels, inChannels / groups, kernelSize, kernelSize], opts.rng));
    this.bias = opts.bias ? this.param('bias', Tensor.zeros([outChannels])) : null;
  }

  get isDepthwise(): boolean {
    return this.options.groups > 1 && this.options.groups === this.inChannels && this.inChannels === this.outChannels;
  }

  forward(x: Tensor): Tensor {
    const y = conv2d(x, this.weight, this.bias, this.options);
    this.lastOutputShape = y.shape;
    return y;
  }
}
