// MobileNetV2 (Sandler et al. 2018): inverted residual blocks (1x1 expand, 3x3 depthwise,
// 1x1 linear projection; ReLU6; residual when shapes allow), a width multiplier, and strides
// adapted to the input size so small images (28x28) are not reduced to nothing.
import type { Rng } from '../src/tensor/rng';
import { Tensor } from '../src/tensor/tensor';
import { add } from '../src/ops/binary';
import { BatchNorm2d, Conv2d, Flatten, GlobalAvgPool2d, Linear, ReLU6, Sequential, Module, Dropout } from '../src/nn/index';

/** One stage: expansion factor t, output channels c, repeats n, first stride s. */
export type StageSetting = readonly [t: number, c: number, n: number, s: number];

/** The paper's stages (ImageNet, 224x224 input after a stride-2 stem). */
export const IMAGENET_STAGES: readonly StageSetting[] = [
  [1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1],
];

/**
 * A small variant for 28x28 inputs (MNIST-sized): stride-1 stem, three reductions
 * (28 -> 14 -> 7 -> 4), fewer repeats and expansion 4, so a CPU can train it in minutes.
 */
export const SMALL_STAGES: readonly StageSetting[] = [
  [1, 16, 1, 1], [4, 24, 2, 2], [4, 32, 2, 2], [4, 64, 2, 2], [4, 96, 1, 1],
];

export interface MobileNetV2Options {
  inChannels?: number;
  classes: number;
  /** Input height = width; the stem is stride 1 below 64, else stride 2. */
  size?: number;
  widthMultiplier?: number;
  stages?: readonly StageSetting[];
  /** Channels of the last 1x1 convolution before pooling (scaled by the width multiplier if > 1). */
  lastChannels?: number;
  dropout?: number;
  rng: Rng;
}

/** Round channels to a multiple of 8 (the paper's convention), never below 90% of the target. */
export function makeDivisible(v: number, divisor = 8): number {
  const r = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  return r < 0.9 * v ? r + divisor : r;
}

function convBn(cIn: number, cOut: number, k: number, stride: number, groups: number, relu6: boolean, rng: Rng): Module[] {
  const layers: Module[] = [new Conv2d(cIn, cOut, k, { rng, stride, padding: (k - 1) >> 1, groups }), new BatchNorm2d(cOut)];
  if (relu6) layers.push(new ReLU6());
  return layers;
}

export class InvertedResidual extends Module {
  readonly body: Sequential;
  readonly useResidual: boolean;

  constructor(cIn: number, cOut: number, stride: number, expansion: number, rng: Rng) {
    super();
    const hidden = Math.round(cIn * expansion);
    const layers: Module[] = [];
    if (expansion !== 1) layers.push(...convBn(cIn, hidden, 1, 1, 1, true, rng));
    layers.push(...convBn(hidden, hidden, 3, stride, hidden, true, rng)); // depthwise
    layers.push(...convBn(hidden, cOut, 1, 1, 1, false, rng)); // linear bottleneck
    this.body = this.child('body', new Sequential(...layers));
    this.useResidual = stride === 1 && cIn === cOut;
  }

  forward(x: Tensor): Tensor {
    const y = this.body.forward(x);
    return this.useResidual ? add(x, y) : y;
  }
}

export function mobilenetv2(opts: MobileNetV2Options): Sequential {
  const { rng } = opts;
  const width = opts.widthMultiplier ?? 1;
  const size = opts.size ?? 28;
  const stages = opts.stages ?? (size < 64 ? SMALL_STAGES : IMAGENET_STAGES);
  let channels = makeDivisible(32 * width);
  const last = opts.lastChannels ?? (size < 64 ? 256 : 1280);
  const lastChannels = width > 1 ? makeDivisible(last * width) : last;
  const layers: Module[] = [...convBn(opts.inChannels ?? 1, channels, 3, size < 64 ? 1 : 2, 1, true, rng)];
  for (const [t, c, n, s] of stages) {
    const out = makeDivisible(c * width);
    for (let i = 0; i < n; i++) {
      layers.push(new InvertedResidual(channels, out, i === 0 ? s : 1, t, rng));
      channels = out;
    }
  }
  layers.push(...convBn(channels, lastChannels, 1, 1, 1, true, rng));
  layers.push(new GlobalAvgPool2d(), new Flatten());
  if (opts.dropout) layers.push(new Dropout(opts.dropout, { rng }));
  layers.push(new Linear(lastChannels, opts.classes, { rng }));
  return new Sequential(...layers);
}
