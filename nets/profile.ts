// Parameters and multiply-accumulates of a model for one input, measured with a dry run: every
// Conv2d and Linear records its output shape, and a layer's MACs are its weight count times the
// output pixels (1 for Linear).
import { Tensor } from '../src/tensor/tensor';
import { noGrad } from '../src/autograd/grad-mode';
import type { Module } from '../src/nn/module';
import { Conv2d } from '../src/nn/conv2d';
import { Linear } from '../src/nn/linear';

export interface LayerProfile {
  name: string;
  kind: 'conv' | 'depthwise' | 'linear';
  params: number;
  macs: number;
  outputShape: readonly number[];
}

export interface ModelProfile {
  layers: LayerProfile[];
  params: number;
  macs: number;
}

/** `inputShape` is one sample's shape, e.g. [1, 28, 28]. Runs in eval mode, without a tape. */
export function modelProfile(model: Module, inputShape: readonly number[]): ModelProfile {
  const wasTraining = model.training;
  noGrad(() => model.eval().forward(Tensor.zeros([1, ...inputShape])));
  model.train(wasTraining);
  const layers: LayerProfile[] = [];
  for (const [name, m] of model.namedModules()) {
    if (!(m instanceof Conv2d || m instanceof Linear) || !m.lastOutputShape) continue;
    const out = m.lastOutputShape;
    const pixels = out.length === 4 ? out[2] * out[3] : 1;
    layers.push({
      name,
      kind: m instanceof Linear ? 'linear' : m.isDepthwise ? 'depthwise' : 'conv',
      params: m.weight.size + (m.bias?.size ?? 0),
      macs: m.weight.size * pixels,
      outputShape: out,
    });
  }
  return { layers, params: model.parameterCount(), macs: layers.reduce((s, l) => s + l.macs, 0) };
}
