// Parameter-free layers wrapping elementwise ops, so they can sit in a Sequential.
import { Tensor } from '../tensor/tensor';
import { relu, relu6 } from '../ops/unary';
import { flatten } from '../ops/reshape';
import { Module } from './module';

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

export class ReLU6 extends Module {
  forward(x: Tensor): Tensor {
    return relu6(x);
  }
}

/**
 * The clip cap of a plain ReLU (Infinity) or ReLU6 (6) module, null for any other module (or
 * one whose forward was overridden): a batch norm followed by such a module may run as the
 * fused op batchNorm2dRelu (see Sequential).
 */
export function reluCap(m: Module | undefined): number | null {
  if (m === undefined) return null;
  if (m instanceof ReLU6 && m.forward === ReLU6.prototype.forward) return 6;
  if (m instanceof ReLU && m.forward === ReLU.prototype.forward) return Infinity;
  return null;
}

/** Keep the batch axis, merge the rest: [N, ...] -> [N, prod(...)]. */
export class Flatten extends Module {
  forward(x: Tensor): Tensor {
    return flatten(x, 1);
  }
}

export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}
