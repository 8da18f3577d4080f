// What every quantizer offers the rest of the system: a differentiable fake-quantize forward,
// its current bitwidth, and the bitwidth as a tensor (differentiable for DDQ, constant for
// fixed-precision quantizers) for the budget regulariser.
import { Tensor } from '../tensor/tensor';
import { Module } from '../nn/module';

export interface Quantizer extends Module {
  bits(): number;
  bitsTensor(): Tensor;
}

/** Full precision: passes values through and counts as 32 bits. */
export class NoQuantizer extends Module implements Quantizer {
  forward(x: Tensor): Tensor {
    return x;
  }

  bits(): number {
    return 32;
  }

  bitsTensor(): Tensor {
    return Tensor.scalar(32, { dtype: 'float64' });
  }
}
