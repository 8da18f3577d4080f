// LeNet-5 (LeCun et al. 1998) in its common modern form: ReLU instead of tanh, max pooling
// instead of subsampling. For 28x28 inputs the first convolution pads by 2, as if 32x32.
//   conv 5x5 -> 6, pool 2 -> conv 5x5 -> 16, pool 2 -> fc 120 -> fc 84 -> fc classes
import type { Rng } from '../src/tensor/rng';
import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential } from '../src/nn/index';

export interface LeNet5Options {
  inChannels?: number;
  /** Input height = width (28 for MNIST). */
  size?: number;
  classes: number;
  rng: Rng;
}

export function lenet5(opts: LeNet5Options): Sequential {
  const { rng } = opts;
  const size = opts.size ?? 28;
  const pad = size === 28 ? 2 : 0;
  // Spatial size after conv5(pad) -> pool2 -> conv5 -> pool2.
  const s1 = Math.floor((size + 2 * pad - 4) / 2);
  const s2 = Math.floor((s1 - 4) / 2);
  if (s2 < 1) throw new Error(`lenet5: input size ${size} is too small (need at least 12)`);
  return new Sequential(
    new Conv2d(opts.inChannels ?? 1, 6, 5, { rng, padding: pad, bias: true }), new ReLU(), new MaxPool2d(2),
    new Conv2d(6, 16, 5, { rng, bias: true }), new ReLU(), new MaxPool2d(2),
    new Flatten(),
    new Linear(16 * s2 * s2, 120, { rng }), new ReLU(),
    new Linear(120, 84, { rng }), new ReLU(),
    new Linear(84, opts.classes, { rng }),
  );
}
