// Pooling layers (no parameters).
import { Tensor } from '../tensor/tensor';
import { avgPool2d, globalAvgPool2d, maxPool2d } from '../ops/pool2d';
import { Module } from './module';

export class MaxPool2d extends Module {
  constructor(readonly kernel: number, readonly stride = kernel, readonly padding = 0) {
    super();
  }

  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernel, { stride: this.stride, padding: this.padding });
  }
}

export class AvgPool2d extends Module {
  constructor(readonly kernel: number, readonly stride = kernel, readonly padding = 0) {
    super();
  }

  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernel, { stride: this.stride, padding: this.padding });
  }
}

/** [N, C, H, W] -> [N, C, 1, 1]. */
export class GlobalAvgPool2d extends Module {
  forward(x: Tensor): Tensor {
    return globalAvgPool2d(x);
  }
}
