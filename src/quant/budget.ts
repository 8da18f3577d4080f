// The budget regulariser (docs/ddq.md, item 6): pulls the learned bitwidths towards a target
// memory size or BitOPs count.
//   r = M / M_target - 1,   penalty = λ · (max(0, r) + under · max(0, -r))
// The small term under budget (under = 0.25 by default) holds the model at the budget instead
// of letting it keep shedding bits. Bits enter through each quantizer's bitsTensor(), so the
// gradient reaches DDQ gate logits straight through each gate.
import { Tensor } from '../tensor/tensor';
import { add, mul, sub } from '../ops/binary';
import { relu } from '../ops/unary';
import type { Module } from '../nn/module';
import { quantizedLayers } from './quantize';
import { DdqQuantizer } from './ddq';

export interface BudgetOptions {
  /** 'memory': average weight bits; 'bitops': average weight bits x activation bits per MAC. */
  kind: 'memory' | 'bitops';
  /** Target average weight bits (memory) or target bits product b^w·b^a (bitops). */
  target: number;
  /** λ. */
  weight: number;
  /** Penalty slope under budget, relative to over budget. */
  under?: number;
}

/**
 * The penalty over the layers whose bitwidth is learned (DDQ gates not frozen); layers with fixed
 * precision (first and last, overrides) are outside the budget. Returns null if none learn.
 */
export function budgetPenalty(model: Module, opts: BudgetOptions): Tensor | null {
  const layers = quantizedLayers(model).filter(({ layer }) => {
    const w = layer.weightQuantizer;
    const a = layer.inputQuantizer;
    return (w instanceof DdqQuantizer && !w.gatesFrozen) || (a instanceof DdqQuantizer && !a.gatesFrozen);
  });
  if (layers.length === 0) return null;
  let used: Tensor | null = null;
  let budget = 0;
  for (const { layer } of layers) {
    if (opts.kind === 'memory') {
      const term = mul(layer.weightQuantizer.bitsTensor(), layer.weight.size);
      used = used ? add(used, term) : term;
      budget += opts.target * layer.weight.size;
    } else {
      if (!(layer.macsPerSample > 0)) throw new Error('budgetPenalty: BitOPs need MAC counts; pass inputShape to quantize()');
      const term = mul(mul(layer.weightQuantizer.bitsTensor(), layer.inputQuantizer.bitsTensor()), layer.macsPerSample);
      used = used ? add(used, term) : term;
      budget += opts.target * layer.macsPerSample;
    }
  }
  const r = sub(mul(used!, 1 / budget), 1);
  return mul(add(relu(r), mul(relu(mul(r, -1)), opts.under ?? 0.25)), opts.weight);
}
