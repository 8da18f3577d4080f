// Post-training calibration of an LSQ-quantized model, the same way the int8 ONNX export is
// calibrated, so our integer runtime and ONNX Runtime get equally good 8-bit models of the same
// float weights: weight steps per output channel max|w_c| / Q_P (symmetric), activation steps from
// the min and max each quantized layer sees on float activations (MinMax). LSQ's own start
// (2·mean|x| / sqrt(Q_P)) is meant as a starting point for training and clips far more.
import { noGrad } from '../../src/autograd/grad-mode';
import type { Module } from '../../src/nn/module';
import { LsqQuantizer } from '../../src/quant/lsq';
import { quantizedLayers } from '../../src/quant/quantize';
import { Tensor } from '../../src/tensor/tensor';

export function calibrateLsqMinMax(model: Module, batches: { x: Float32Array; shape: number[] }[]): void {
  if (batches.length === 0) throw new Error('calibrateLsqMinMax: need at least one batch');
  const layers = quantizedLayers(model);
  const lsq = (q: unknown, where: string): LsqQuantizer => {
    if (!(q instanceof LsqQuantizer)) throw new Error(`calibrateLsqMinMax: ${where} is not an LSQ quantizer`);
    return q;
  };
  for (const { name, layer } of layers) {
    const wq = lsq(layer.weightQuantizer, `${name}.weightQuantizer`);
    const w = layer.weight.data;
    wq.initFromData(w); // marks it initialised (and signed); the steps are replaced below
    const [, qp] = wq.range();
    const per = w.length / wq.groups;
    for (let g = 0; g < wq.groups; g++) {
      let m = 0;
      for (let i = g * per; i < (g + 1) * per; i++) m = Math.max(m, Math.abs(w[i]));
      wq.step.data[g] = Math.max(m / qp, 1e-8);
    }
  }
  // Record what each input quantizer sees with every activation quantizer passing values through.
  const seen = layers.map(() => ({ min: Infinity, max: -Infinity, first: null as Float32Array | null }));
  const saved = layers.map(({ layer }) => layer.inputQuantizer.forward);
  layers.forEach(({ layer }, i) => {
    layer.inputQuantizer.forward = (x: Tensor) => {
      const s = seen[i];
      for (let k = 0; k < x.size; k++) {
        if (x.data[k] < s.min) s.min = x.data[k];
        if (x.data[k] > s.max) s.max = x.data[k];
      }
      s.first ??= Float32Array.from(x.data);
      return x;
    };
  });
  const wasTraining = model.training;
  try {
    model.eval();
    noGrad(() => batches.forEach((b) => model.forward(new Tensor(b.x, b.shape))));
  } finally {
    layers.forEach(({ layer }, i) => (layer.inputQuantizer.forward = saved[i]));
    model.train(wasTraining);
  }
  layers.forEach(({ name, layer }, i) => {
    const aq = lsq(layer.inputQuantizer, `${name}.inputQuantizer`);
    aq.initFromData(seen[i].first!); // decides signed vs unsigned from the data
    const [qn, qp] = aq.range();
    const { min, max } = seen[i];
    aq.step.data[0] = Math.max(qn > 0 ? -min / qn : 0, max / qp, 1e-8);
  });
}
