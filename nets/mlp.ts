// A multi-layer perceptron: Flatten, then Linear + ReLU for each hidden size, then Linear.
import type { Rng } from '../src/tensor/rng';
import { Flatten, Linear, ReLU, Sequential } from '../src/nn/index';
import type { Module } from '../src/nn/module';

export interface MlpOptions {
  /** Input features per sample (e.g. 784 for 28x28x1). */
  inputSize: number;
  hidden?: number[];
  classes: number;
  rng: Rng;
}

export function mlp(opts: MlpOptions): Sequential {
  const hidden = opts.hidden ?? [256, 128];
  const layers: Module[] = [new Flatten()];
  let width = opts.inputSize;
  for (const h of hidden) {
    layers.push(new Linear(width, h, { rng: opts.rng }), new ReLU());
    width = h;
  }
  layers.push(new Linear(width, opts.classes, { rng: opts.rng }));
  return new Sequential(...layers);
}
