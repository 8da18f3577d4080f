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
