// Dropout layer: active in training mode only; owns a generator forked from the one it is
// given, so its masks are reproducible and its state can be checkpointed.
import { Tensor } from '../tensor/tensor';
import type { Rng } from '../tensor/rng';
import { dropout } from '../ops/dropout';
import { Module } from './module';

export class Dropout extends Module {
  readonly p: number;
  readonly rng: Rng;

  constructor(p: number, opts: { rng: Rng }) {
    super();
    if (!(p >= 0 && p < 1)) throw new Error(`Dropout: probability must be in [0, 1), got ${p}`);
    this.p = p;
    this.rng = opts.rng.fork();
  }

  forward(x: Tensor): Tensor {
    return this.training ? dropout(x, this.p, this.rng) : x;
  }
}
