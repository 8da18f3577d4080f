// Landing on the budget when the gates freeze. The budget penalty steers the learned bitwidths
// towards the target while gates learn, but bits move in whole steps, so training ends near the
// target, not on it: measured on Fashion-MNIST, a 3-bit budget ended at 2.53 bits and a 2-bit
// budget with 4-bit activations at 2.75. When the gates freeze, this step settles the remainder
// [ours, see docs/ddq.md]: while over the target it takes a bit from the layer whose weakest open
// gate is closest to closing (the lowest logit), and then, while a layer can gain a bit without
// passing the target, gives one to the layer whose first closed gate is most nearly open (the
// highest logit). The logits rank the layers by how much the task loss pushed back against the
// penalty, so the training signal still decides which layers get the bits.
import type { Module } from '../nn/module';
import { quantizedLayers } from './quantize';
import type { QuantizedLayer } from './quantized-layers';
import { DdqQuantizer } from './ddq';

export interface BudgetTarget {
  /** 'memory': average weight bits; 'bitops': weight bits x activation bits per MAC. */
  kind: 'memory' | 'bitops';
  target: number;
}

export interface BitChange {
  name: string;
  from: number;
  to: number;
}

/** A layer whose weight bitwidth is still learned: the layers a budget fit may move. */
export interface BudgetCandidate {
  name: string;
  layer: QuantizedLayer;
  q: DdqQuantizer;
  /** Weight (memory) or MACs x activation bits (bitops) per weight bit. */
  cost: number;
  /** The layer's share of the budget per unit of target: weights (memory) or MACs (bitops). */
  share: number;
}

/** The layers a fit may move and the budget limit: the target times their weights or MACs (as in the budget penalty, budget.ts). */
export function budgetCandidates(model: Module, budget: BudgetTarget, caller: string): { candidates: BudgetCandidate[]; limit: number } {
  const candidates: BudgetCandidate[] = [];
  for (const { name, layer } of quantizedLayers(model)) {
    const q = layer.weightQuantizer;
    if (!(q instanceof DdqQuantizer) || !q.learnableBits || q.gatesFrozen) continue;
    if (budget.kind === 'bitops' && !(layer.macsPerSample > 0)) throw new Error(`${caller}: BitOPs need MAC counts; pass inputShape to quantize()`);
    const cost = budget.kind === 'memory' ? layer.weight.size : layer.macsPerSample * layer.inputQuantizer.bits();
    const share = budget.kind === 'memory' ? layer.weight.size : layer.macsPerSample;
    candidates.push({ name, layer, q, cost, share });
  }
  return { candidates, limit: budget.target * candidates.reduce((s, c) => s + c.share, 0) };
}

/** Moves learned weight bitwidths (DDQ, gates not frozen) until the budget measure is at most the target, then as close under it as whole bits allow. */
export function fitToBudget(model: Module, budget: BudgetTarget): BitChange[] {
  const { candidates, limit } = budgetCandidates(model, budget, 'fitToBudget');
  if (candidates.length === 0) return [];
  // The gate logits as training left them (setBits overwrites them).
  const logits = new Map(candidates.map((c) => [c, Float64Array.from(c.q.gateLogits.data)]));
  let used = candidates.reduce((s, c) => s + c.cost * c.q.bits(), 0);
  const start = new Map(candidates.map((c) => [c, c.q.bits()]));
  const logit = (c: BudgetCandidate, gate: number) => logits.get(c)![gate];

  while (used > limit) {
    let pick: BudgetCandidate | null = null;
    for (const c of candidates) if (c.q.bits() > c.q.minBits && (!pick || logit(c, c.q.bits() - 1) < logit(pick, pick.q.bits() - 1))) pick = c;
    if (!pick) break; // every layer at its fewest bits: the target is below what the layers can reach
    pick.q.setBits(pick.q.bits() - 1);
    used -= pick.cost;
  }
  for (;;) {
    let pick: BudgetCandidate | null = null;
    for (const c of candidates) {
      if (c.q.bits() >= c.q.maxBits || used + c.cost > limit) continue;
      if (!pick || logit(c, c.q.bits()) > logit(pick, pick.q.bits())) pick = c;
    }
    if (!pick) break;
    pick.q.setBits(pick.q.bits() + 1);
    used += pick.cost;
  }
  return candidates.filter((c) => c.q.bits() !== start.get(c)).map((c) => ({ name: c.name, from: start.get(c)!, to: c.q.bits() }));
}
