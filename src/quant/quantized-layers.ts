// Quantization-aware layers: a Conv2d or Linear whose weight and input activation pass through
// quantizers on every forward (fake quantization: values on the quantization grid, kept in
// float, gradients straight through). The wrapped layer keeps its own parameters.
import { Tensor } from '../tensor/tensor';
import { conv2d } from '../ops/conv2d';
import { linear } from '../ops/linear';
import { flatten } from '../ops/reshape';
import { Module } from '../nn/module';
import { Conv2d } from '../nn/conv2d';
import { Linear } from '../nn/linear';
import type { Quantizer } from './quantizer';

export abstract class QuantizedLayer extends Module {
  readonly weightQuantizer: Quantizer;
  readonly inputQuantizer: Quantizer;
  /** Multiply-accumulates per sample, measured by `quantize` with a dry run (0 if unknown). */
  macsPerSample = 0;

  constructor(weightQuantizer: Quantizer, inputQuantizer: Quantizer) {
    super();
    this.weightQuantizer = this.child('weightQuantizer', weightQuantizer);
    this.inputQuantizer = this.child('inputQuantizer', inputQuantizer);
  }

  abstract get weight(): Tensor;
  abstract get kind(): 'conv' | 'depthwise' | 'linear';

  /** The weight as the forward pass sees it (on the quantization grid). */
  quantizedWeight(): Tensor {
    return this.weightQuantizer.forward(this.weight);
  }
}

export class QuantConv2d extends QuantizedLayer {
  readonly layer: Conv2d;

  constructor(layer: Conv2d, weightQuantizer: Quantizer, inputQuantizer: Quantizer) {
    super(weightQuantizer, inputQuantizer);
    this.layer = this.child('layer', layer);
  }

  get weight(): Tensor {
    return this.layer.weight;
  }

  get kind(): 'conv' | 'depthwise' {
    return this.layer.isDepthwise ? 'depthwise' : 'conv';
  }

  forward(x: Tensor): Tensor {
    return conv2d(this.inputQuantizer.forward(x), this.quantizedWeight(), this.layer.bias, this.layer.options);
  }
}

export class QuantLinear extends QuantizedLayer {
  readonly layer: Linear;

  constructor(layer: Linear, weightQuantizer: Quantizer, inputQuantizer: Quantizer) {
    super(weightQuantizer, inputQuantizer);
    this.layer = this.child('layer', layer);
  }

  get weight(): Tensor {
    return this.layer.weight;
  }

  get kind(): 'linear' {
    return 'linear';
  }

  forward(x: Tensor): Tensor {
    const x2 = x.rank === 2 ? x : flatten(x, 1);
    return linear(this.inputQuantizer.forward(x2), this.quantizedWeight(), this.layer.bias);
  }
}
