// The resource model: per quantized layer its weight count, multiply-accumulates, bitwidths
// and packed size; for the model: size in bytes against fp32, BitOPs and average weight bits.
//   memory  M      = Σ_l N_l · b^w_l            (bits)
//   BitOPs         = Σ_l MACs_l · b^w_l · b^a_l
import type { Module } from '../nn/module';
import { quantizedLayers } from './quantize';
import { DdqQuantizer } from './ddq';

export interface LayerResources {
  name: string;
  kind: 'conv' | 'depthwise' | 'linear';
  weightCount: number;
  macs: number;
  weightBits: number;
  activationBits: number;
  /** Whether the weight bitwidth is learned (a DDQ quantizer made to learn its bits). */
  learnsBits: boolean;
  /** Weight bits when packed at the layer's bitwidth. */
  weightStorageBits: number;
}

export interface ModelResources {
  layers: LayerResources[];
  /** Weights of all quantized layers. */
  weightCount: number;
  /** N-weighted mean weight bitwidth over all quantized layers. */
  averageWeightBits: number;
  /** The same mean over the layers whose bits are learned (what a DDQ budget constrains). */
  averageLearnedWeightBits: number;
  macs: number;
  bitOps: number;
  /** Packed quantized weights plus every other parameter (biases, batch norm) at 32 bits. */
  sizeBytes: number;
  /** The whole model at 32 bits. */
  fp32Bytes: number;
}

export function modelResources(model: Module): ModelResources {
  const layers: LayerResources[] = quantizedLayers(model).map(({ name, layer }) => {
    const wb = layer.weightQuantizer.bits();
    const ab = layer.inputQuantizer.bits();
    const wq = layer.weightQuantizer;
    return {
      name,
      kind: layer.kind,
      weightCount: layer.weight.size,
      macs: layer.macsPerSample,
      weightBits: wb,
      activationBits: ab,
      learnsBits: wq instanceof DdqQuantizer && wq.learnableBits,
      weightStorageBits: layer.weight.size * wb,
    };
  });
  const quantizedWeights = new Set(quantizedLayers(model).map(({ layer }) => layer.weight));
  // Parameters that stay float: biases, batch-norm scales and shifts (quantizer parameters are
  // training-time only and not counted).
  let otherParams = 0;
  for (const [name, p] of model.namedParameters()) {
    if (quantizedWeights.has(p) || /Quantizer\./.test(name)) continue;
    otherParams += p.size;
  }
  const weightCount = layers.reduce((s, l) => s + l.weightCount, 0);
  const learned = layers.filter((l) => l.learnsBits);
  const learnedCount = learned.reduce((s, l) => s + l.weightCount, 0);
  const storage = layers.reduce((s, l) => s + l.weightStorageBits, 0);
  return {
    layers,
    weightCount,
    averageWeightBits: weightCount ? storage / weightCount : 0,
    averageLearnedWeightBits: learnedCount ? learned.reduce((s, l) => s + l.weightStorageBits, 0) / learnedCount : 0,
    macs: layers.reduce((s, l) => s + l.macs, 0),
    bitOps: layers.reduce((s, l) => s + l.macs * l.weightBits * l.activationBits, 0),
    sizeBytes: storage / 8 + otherParams * 4,
    fp32Bytes: (weightCount + otherParams) * 4,
  };
}
