// Sequential: children applied in order; children are named '0', '1', ... like PyTorch.
// A BatchNorm2d directly followed by a ReLU or ReLU6 runs as one fused op (same values, one
// pass over memory instead of two; see ops/batch-norm-relu.ts). The modules stay as they are,
// so state dicts, quantize() and deployment see the same network.
import { Tensor } from '../tensor/tensor';
import { Module } from './module';
import { BatchNorm2d } from './batch-norm';
import { reluCap } from './activations';

export class Sequential extends Module {
  readonly layers: Module[];

  constructor(...layers: Module[]) {
    super();
    this.layers = layers;
    layers.forEach((m, i) => this.child(String(i), m));
  }

  forward(x: Tensor): Tensor {
    const layers = this.layers;
    let h = x;
    for (let i = 0; i < layers.length; i++) {
      const m = layers[i];
      const cap = m instanceof BatchNorm2d && m.fusable ? reluCap(layers[i + 1]) : null;
      if (cap !== null) {
        h = (m as BatchNorm2d).forwardRelu(h, cap);
        i++; // the activation is done
      } else {
        h = m.forward(h);
      }
    }
    return h;
  }

  override replaceChild(name: string, module: Module): void {
    super.replaceChild(name, module);
    this.layers[Number(name)] = module;
  }
}
