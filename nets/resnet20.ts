// ResNet-20 in the CIFAR style (He et al. 2016, section 4.2): a 3x3 stem with 16 channels,
// three stages of three basic blocks (16, 32, 64 channels; the 2nd and 3rd stages halve the
// resolution), global average pooling and a linear classifier. 6·3 + 2 = 20 weighted layers.
// Shortcuts that change shape use a 1x1 convolution with batch norm (option B).
import type { Rng } from '../src/tensor/rng';
import { Tensor } from '../src/tensor/tensor';
import { add } from '../src/ops/binary';
import { relu } from '../src/ops/unary';
import { BatchNorm2d, Conv2d, Flatten, GlobalAvgPool2d, Linear, ReLU, Sequential, Module } from '../src/nn/index';

export class BasicBlock extends Module {
  readonly body: Sequential;
  readonly shortcut: Sequential | null;

  constructor(cIn: number, cOut: number, stride: number, rng: Rng) {
    super();
    this.body = this.child('body', new Sequential(
      new Conv2d(cIn, cOut, 3, { rng, stride, padding: 1 }), new BatchNorm2d(cOut), new ReLU(),
      new Conv2d(cOut, cOut, 3, { rng, padding: 1 }), new BatchNorm2d(cOut),
    ));
    this.shortcut = stride !== 1 || cIn !== cOut
      ? this.child('shortcut', new Sequential(new Conv2d(cIn, cOut, 1, { rng, stride }), new BatchNorm2d(cOut)))
      : null;
  }

  forward(x: Tensor): Tensor {
    return relu(add(this.body.forward(x), this.shortcut ? this.shortcut.forward(x) : x));
  }
}

export interface ResNet20Options {
  inChannels?: number;
  classes: number;
  /** Channels of the first stage (16 in the paper); later stages double it. */
  width?: number;
  /** Blocks per stage (3 gives ResNet-20; 5 gives ResNet-32, ...). */
  blocks?: number;
  rng: Rng;
}

export function resnet20(opts: ResNet20Options): Sequential {
  const { rng } = opts;
  const w = opts.width ?? 16;
  const blocks = opts.blocks ?? 3;
  const layers: Module[] = [new Conv2d(opts.inChannels ?? 3, w, 3, { rng, padding: 1 }), new BatchNorm2d(w), new ReLU()];
  let channels = w;
  [w, 2 * w, 4 * w].forEach((c, stage) => {
    for (let i = 0; i < blocks; i++) {
      layers.push(new BasicBlock(channels, c, stage > 0 && i === 0 ? 2 : 1, rng));
      channels = c;
    }
  });
  layers.push(new GlobalAvgPool2d(), new Flatten(), new Linear(channels, opts.classes, { rng }));
  return new Sequential(...layers);
}
