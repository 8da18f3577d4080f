// quantize(model, config): wrap every Conv2d and Linear of a model, in place, with a weight
// quantizer and an input-activation quantizer. The first and last layers get their own
// precision (8 bits by default, as is usual); any layer can be overridden by name.
import { Tensor } from '../tensor/tensor';
import { noGrad } from '../autograd/grad-mode';
import { Module } from '../nn/module';
import { Conv2d } from '../nn/conv2d';
import { Linear } from '../nn/linear';
import { DdqQuantizer } from './ddq';
import { LsqQuantizer } from './lsq';
import { NoQuantizer, Quantizer } from './quantizer';
import { QuantConv2d, QuantizedLayer, QuantLinear } from './quantized-layers';

export type QuantMethod = 'none' | 'lsq' | 'ddq' | 'ddq-fixed';

export interface QuantizeConfig {
  /**
   * 'ddq': learned levels, range and bitwidth (gates learn) for weights of inner layers;
   * 'ddq-fixed': DDQ with gates frozen at `weightBits` (adaptive resolution only);
   * 'lsq': uniform grid, learned step, fixed bits; 'none': full precision wrappers.
   */
  method: QuantMethod;
  /** Weight bits of inner layers (LSQ, frozen DDQ); for DDQ, the bits the gates start at. */
  weightBits?: number;
  /** Input-activation bits of inner layers. */
  activationBits?: number;
  /** Weight and activation bits of the first and the last quantized layer. */
  firstLayerBits?: number;
  lastLayerBits?: number;
  /** DDQ: the largest bitwidth K (2^K levels). */
  maxBits?: number;
  /** One level set / step per output channel for weights. */
  perChannel?: boolean;
  /** DDQ gradient-correction weight. */
  alpha?: number;
  /** DDQ weights: train the levels on their int8 codebook grid (exact export); default true. */
  int8Levels?: boolean;
  /** DDQ: the fewest bits a weight quantizer that learns its bits may reach; default 1. */
  minBits?: number;
  /** DDQ weights starting below full resolution (ddq-fixed) start from Lloyd-Max levels; default true. */
  fitLevels?: boolean;
  /** DDQ: let activation gates learn too (for a BitOPs budget); default: frozen. */
  learnActivationBits?: boolean;
  /** Per-layer overrides by the layer's dotted module name (before wrapping). */
  overrides?: Record<string, { weightBits?: number; activationBits?: number }>;
  /** One sample's input shape (e.g. [1, 28, 28]) to count MACs per layer with a dry run. */
  inputShape?: readonly number[];
}

interface Site {
  parent: Module;
  childName: string;
  fullName: string;
  layer: Conv2d | Linear;
}

/** Every Conv2d and Linear with its parent, in registration order (forward order for the zoo's nets). */
function findSites(model: Module): Site[] {
  const modules = new Map(model.namedModules());
  const sites: Site[] = [];
  for (const [fullName, m] of modules) {
    if (!(m instanceof Conv2d || m instanceof Linear)) continue;
    const dot = fullName.lastIndexOf('.');
    const parent = modules.get(dot < 0 ? '' : fullName.slice(0, dot))!;
    sites.push({ parent, childName: fullName.slice(dot + 1), fullName, layer: m });
  }
  return sites;
}

/** All quantized layers of a model, in forward order of registration. */
export function quantizedLayers(model: Module): { name: string; layer: QuantizedLayer }[] {
  return model
    .namedModules()
    .filter(([, m]) => m instanceof QuantizedLayer)
    .map(([name, m]) => ({ name, layer: m as QuantizedLayer }));
}

export function quantize(model: Module, config: QuantizeConfig): { name: string; layer: QuantizedLayer }[] {
  const sites = findSites(model);
  if (sites.length === 0) throw new Error('quantize: the model has no Conv2d or Linear layer');
  const known = new Set(sites.map((s) => s.fullName));
  for (const name of Object.keys(config.overrides ?? {})) {
    if (!known.has(name)) throw new Error(`quantize: override for '${name}', which is not a Conv2d/Linear layer (have: ${[...known].join(', ')})`);
  }
  const macs = new Map<Module, number>();
  if (config.inputShape) {
    // Dry run in eval mode without a tape: each layer records its output shape.
    const wasTraining = model.training;
    noGrad(() => model.eval().forward(Tensor.zeros([1, ...config.inputShape!])));
    model.train(wasTraining);
    for (const s of sites) {
      const out = s.layer.lastOutputShape;
      if (out) macs.set(s.layer, s.layer.weight.size * (out.length === 4 ? out[2] * out[3] : 1));
    }
  }
  const maxBits = config.maxBits ?? 8;
  const inner = { w: config.weightBits ?? (config.method === 'ddq' ? maxBits : 4), a: config.activationBits ?? 8 };
  sites.forEach((s, i) => {
    const edge = i === 0 ? config.firstLayerBits ?? 8 : i === sites.length - 1 ? config.lastLayerBits ?? 8 : null;
    const o = config.overrides?.[s.fullName] ?? {};
    const wBits = o.weightBits ?? edge ?? inner.w;
    const aBits = o.activationBits ?? edge ?? inner.a;
    // Fixed-precision layers (edges, overrides) never learn their bitwidth.
    const learnsWeightBits = config.method === 'ddq' && edge === null && o.weightBits === undefined;
    const learnsActBits = learnsWeightBits && (config.learnActivationBits ?? false) && o.activationBits === undefined;
    const groups = s.layer.weight.shape[0];
    const wq = makeQuantizer(config, 'weight', wBits, learnsWeightBits, groups, maxBits);
    const aq = makeQuantizer(config, 'activation', aBits, learnsActBits, 1, maxBits);
    const wrapped = s.layer instanceof Conv2d ? new QuantConv2d(s.layer, wq, aq) : new QuantLinear(s.layer, wq, aq);
    wrapped.macsPerSample = macs.get(s.layer) ?? 0;
    s.parent.replaceChild(s.childName, wrapped);
  });
  return quantizedLayers(model);
}

function makeQuantizer(
  config: QuantizeConfig, kind: 'weight' | 'activation', bits: number, learnBits: boolean, channels: number, maxBits: number,
): Quantizer {
  const perChannel = kind === 'weight' && (config.perChannel ?? false);
  switch (config.method) {
    case 'none':
      return new NoQuantizer();
    case 'lsq':
      return new LsqQuantizer({ kind, bits, perChannel, groups: channels });
    case 'ddq':
    case 'ddq-fixed': {
      if (bits > maxBits) throw new Error(`quantize: ${bits} bits exceed DDQ's maximum of ${maxBits}`);
      // A fixed-precision activation grid has exactly 2^bits levels: no merging, so zero stays a level.
      const K = kind === 'activation' && !learnBits ? bits : maxBits;
      return new DdqQuantizer({ kind, maxBits: K, initBits: bits, perChannel, groups: channels, alpha: config.alpha, learnBits, int8Levels: config.int8Levels, fitLevels: config.fitLevels,
        minBits: kind === 'weight' && learnBits ? config.minBits : undefined });
    }
    default:
      throw new Error(`quantize: unknown method '${String(config.method)}' (use none, lsq, ddq or ddq-fixed)`);
  }
}
