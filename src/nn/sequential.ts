// Sequential: children applied in order; children are named '0', '1', ... like PyTorch.
import { Tensor } from '../tensor/tensor';
import { Module } from './module';

export class Sequential extends Module {
  readonly layers: Module[];

  constructor(...layers: Module[]) {
    super();
    this.layers = layers;
    layers.forEach((m, i) => this.child(String(i), m));
  }

  forward(x: Tensor): Tensor {
    let h = x;
    for (const [, m] of this.namedChildren()) h = m.forward(h);
    return h;
  }

  override replaceChild(name: string, module: Module): void {
    super.replaceChild(name, module);
    this.layers[Number(name)] = module;
  }
}
