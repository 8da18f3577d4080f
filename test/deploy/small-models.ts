// Shared helpers for the deployment tests: small quantized nets trained for a few steps on
// seeded synthetic bars, and the comparisons between the integer model and the fake-quant one.
import { Rng } from '../../src/tensor/rng';
import { Tensor } from '../../src/tensor/tensor';
import { noGrad } from '../../src/autograd/grad-mode';
import type { Module } from '../../src/nn/module';
import { crossEntropy } from '../../src/ops/cross-entropy';
import { AdamW } from '../../src/optim/adamw';
import { quantize, quantizedLayers, type QuantizeConfig } from '../../src/quant/quantize';
import { bars } from '../../datasets/synthetic';
import { activationGrid } from '../../src/deploy/activation-grid';
import type { IntegerModel } from '../../src/deploy/int-graph';
import { IntegerRuntime } from '../../src/deploy/integer-runtime';

export interface Data {
  x: Float32Array;
  y: Uint8Array;
  count: number;
  shape: [number, number, number];
}

export function barsData(count: number, size: number, classes: number, seed: number): Data {
  const d = bars({ count, size, classes, seed, noise: 0.3 });
  return { x: d.images, y: d.labels, count, shape: [1, size, size] };
}

function batchOf(d: Data, start: number, n: number): { x: Tensor; y: Uint8Array } {
  const per = d.shape[0] * d.shape[1] * d.shape[2];
  const idx = Array.from({ length: n }, (_, i) => (start + i) % d.count);
  const x = new Float32Array(n * per);
  idx.forEach((j, i) => x.set(d.x.subarray(j * per, (j + 1) * per), i * per));
  return { x: new Tensor(x, [n, ...d.shape]), y: Uint8Array.from(idx, (j) => d.y[j]) };
}

/** Quantize `net` and train it for `steps` steps of 32 images (AdamW); returns it in eval mode. */
export function trainQuantized(net: Module, config: QuantizeConfig, d: Data, steps: number): Module {
  quantize(net, { ...config, inputShape: d.shape });
  const opt = new AdamW(net.parameters(), { lr: 3e-3 });
  net.train();
  for (let s = 0; s < steps; s++) {
    const b = batchOf(d, s * 32, 32);
    const loss = crossEntropy(net.forward(b.x), b.y);
    net.zeroGrad();
    loss.backward();
    opt.step();
  }
  return net.eval();
}

export interface Comparison {
  agree: number;
  total: number;
  /** Per quantized layer: share of its input codes that differ from the fake-quant codes. */
  codeMismatch: Map<string, number>;
}

/** Top-1 agreement and per-layer input-code agreement between the integer and float models. */
export function compare(net: Module, model: IntegerModel, d: Data, kernels: 'fast' | 'reference' | 'mirror' = 'fast'): Comparison {
  const layers = quantizedLayers(net);
  const seen = new Map<string, Float32Array>();
  for (const { name, layer } of layers) {
    const q = layer.inputQuantizer as Module;
    const forward = q.forward.bind(q);
    q.forward = (x: Tensor) => {
      seen.set(name, Float32Array.from(x.data));
      return forward(x);
    };
  }
  const ref = noGrad(() => net.forward(new Tensor(d.x, [d.count, ...d.shape])));
  for (const { layer } of layers) delete (layer.inputQuantizer as Partial<Module>).forward; // back to the prototype's
  const rt = new IntegerRuntime(model, { kernels });
  const logits = rt.run(d.x, d.count);
  const C = model.classes;
  let agree = 0;
  for (let i = 0; i < d.count; i++) {
    let a = 0;
    let b = 0;
    for (let j = 1; j < C; j++) {
      if (ref.data[i * C + j] > ref.data[i * C + a]) a = j;
      if (logits[i * C + j] > logits[i * C + b]) b = j;
    }
    if (a === b) agree++;
  }
  const codeMismatch = new Map<string, number>();
  for (const { name, layer } of layers) {
    const op = model.ops.find((o) => 'name' in o && o.name === name);
    if (!op || !('input' in op)) continue;
    const g = activationGrid(layer.inputQuantizer, name);
    const t = model.tensors[op.input];
    const codes = rt.tensorData(op.input, d.count);
    const x = seen.get(name)!;
    const [H, W, Ch] = t.shape.length === 3 ? t.shape : [1, 1, t.shape[0]];
    let diff = 0;
    for (let b = 0; b < d.count; b++) for (let c = 0; c < Ch; c++) for (let p = 0; p < H * W; p++) {
      const v = x[(b * Ch + c) * H * W + p] / g.scale;
      // The fake-quant code (ties as the quantizer breaks them do not matter at this precision).
      const want = Math.min(g.qmax, Math.max(g.qmin, Math.round(v) + g.zeroPoint));
      if (codes[(b * H * W + p) * Ch + c] !== want) diff++;
    }
    codeMismatch.set(name, diff / (d.count * H * W * Ch));
  }
  return { agree, total: d.count, codeMismatch };
}

export { Rng };
