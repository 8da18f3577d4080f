// Quantization-aware training plumbing for the Trainer: optimizer groups and hooks.
//
// Groups (docs/ddq.md, item 8): conv/linear weights with the main optimizer and weight decay;
// everything else that trains (biases, batch norm, quantizer levels and steps) with the same
// optimizer but no decay (decay would shrink the learned ranges); DDQ gate logits with plain
// SGD, because Adam normalises each logit's step and makes every layer's gates cross the
// threshold in lockstep, while SGD lets the layers that matter most to the budget give way first.
//
// Hooks: the budget penalty while gates learn (its target optionally annealed from a high
// bitwidth down to the budget), gates frozen once the gate-learning epochs are over, after the
// learned bits are settled onto the budget (fit-budget.ts), and average bits / model size in
// every epoch line.
import type { Tensor } from '../tensor/tensor';
import type { Module } from '../nn/module';
import type { Optimizer } from '../optim/optimizer';
import type { Schedule } from '../optim/schedules';
import { constant } from '../optim/schedules';
import { SGD } from '../optim/sgd';
import { DdqQuantizer } from '../quant/ddq';
import { LsqQuantizer } from '../quant/lsq';
import { budgetPenalty } from '../quant/budget';
import { fitToBudget } from '../quant/fit-budget';
import { fitToBudgetByFisher } from '../quant/fisher-fit';
import type { QuantizedLayer } from '../quant/quantized-layers';
import { quantizedLayers } from '../quant/quantize';
import { modelResources } from '../quant/resources';
import type { OptimizerGroup, TrainerHooks } from './trainer';

export interface QatOptions {
  /** Builds the main optimizer for a parameter list and weight decay. */
  makeOptimizer: (params: Tensor[], weightDecay: number) => Optimizer;
  schedule: Schedule;
  weightDecay: number;
  /** SGD learning rate of DDQ gate logits. */
  gateLr?: number;
  budget?: {
    kind: 'memory' | 'bitops';
    /** Average weight bits (memory) or bits product (bitops). */
    target: number;
    /** λ. */
    weight: number;
    under?: number;
    /** Anneal the target from `from` down to `target` over this many steps (0: no annealing). */
    annealSteps?: number;
    from?: number;
  };
  /** Gates learn during epochs 1..gateEpochs of this run, then freeze (Infinity: never freeze). */
  gateEpochs?: number;
  /**
   * When gates freeze, refit each DDQ weight quantizer's levels to its layer's weights at the
   * frozen bitwidth (Lloyd-Max, DdqQuantizer.fitLevels). Default false. [ours, docs/ddq.md item 10]
   */
  refitLevels?: boolean;
  /**
   * Settle the bits by measured sensitivity instead of by gate logits when gates freeze: returns
   * the weights' Fisher values (weight-fisher.ts) at the start of `epoch`. [ours, docs/ddq.md item 12]
   */
  fisher?: (epoch: number) => Map<QuantizedLayer, Float64Array>;
  /** Where to report the bits the fit moved when gates freeze (default: nowhere). */
  log?: (line: string) => void;
}

/** DDQ quantizers of the model whose gates may learn. */
function ddqQuantizers(model: Module): DdqQuantizer[] {
  return model.namedModules().map(([, m]) => m).filter((m): m is DdqQuantizer => m instanceof DdqQuantizer);
}

export function qatGroups(model: Module, opts: QatOptions): OptimizerGroup[] {
  const gates = new Set(ddqQuantizers(model).map((q) => q.gateLogits));
  const weights = new Set(quantizedLayers(model).map(({ layer }) => layer.weight));
  // Plain (unquantized) conv/linear weights decay too: any rank >= 2 parameter outside a quantizer.
  const decay: Tensor[] = [];
  const noDecay: Tensor[] = [];
  const gateParams: Tensor[] = [];
  for (const [name, p] of model.namedParameters()) {
    if (gates.has(p)) gateParams.push(p);
    else if (weights.has(p) || (p.rank >= 2 && !/Quantizer\./.test(name))) decay.push(p);
    else noDecay.push(p);
  }
  const groups: OptimizerGroup[] = [{ name: 'weights', optimizer: opts.makeOptimizer(decay, opts.weightDecay), schedule: opts.schedule }];
  if (noDecay.length) groups.push({ name: 'other', optimizer: opts.makeOptimizer(noDecay, 0), schedule: opts.schedule });
  // Gate logits go to their own optimizer even when frozen, so no other optimizer ever moves them.
  if (gateParams.length) {
    const quantizers = ddqQuantizers(model);
    groups.push({ name: 'gates', optimizer: new GateSGD(gateParams, quantizers, opts.gateLr ?? 20), schedule: constant(opts.gateLr ?? 20) });
  }
  return groups;
}

/** Plain SGD on gate logits, followed by each quantizer's order constraint (DdqQuantizer.projectGates). */
class GateSGD extends SGD {
  constructor(params: Tensor[], private readonly quantizers: DdqQuantizer[], lr: number) {
    super(params, { lr });
  }

  override step(): void {
    super.step();
    for (const q of this.quantizers) if (!q.gatesFrozen) q.projectGates();
  }
}

/**
 * Levels learned while the bitwidth kept changing are rarely well placed for the bitwidth the
 * layer ends with (gradient steps through the softplus gaps move them slowly); start the frozen
 * phase from the Lloyd-Max levels of the weights instead. Only quantizers about to freeze.
 */
function refitFreezingLevels(model: Module): void {
  for (const { layer } of quantizedLayers(model)) {
    const q = layer.weightQuantizer;
    if (q instanceof DdqQuantizer && q.grid === 'learned' && q.learnableBits && !q.gatesFrozen) q.fitLevels(layer.weight.data);
  }
}

/** The budget target at a global step: linear from `from` to `target` over `annealSteps`. */
export function budgetTarget(budget: NonNullable<QatOptions['budget']>, step: number, firstStep = 0): number {
  const steps = budget.annealSteps ?? 0;
  if (steps <= 0) return budget.target;
  const t = Math.min(1, Math.max(0, (step - firstStep) / steps));
  return (budget.from ?? 8) + t * (budget.target - (budget.from ?? 8));
}

export function qatHooks(model: Module, opts: QatOptions, firstEpoch = 1, firstStep = 0): TrainerHooks {
  const gateEpochs = opts.gateEpochs ?? Infinity;
  const learning = () => ddqQuantizers(model).some((q) => !q.gatesFrozen);
  const lsq = model.namedModules().map(([, m]) => m).filter((m): m is LsqQuantizer => m instanceof LsqQuantizer);
  return {
    afterStep: () => {
      for (const q of lsq) q.projectStep();
    },
    extraLoss: ({ step }) => {
      if (!opts.budget || !learning()) return null;
      return budgetPenalty(model, { ...opts.budget, target: budgetTarget(opts.budget, step, firstStep) });
    },
    onEpochStart: (epoch) => {
      // Deterministic in the epoch number; the frozen flags are buffers, so resume keeps them.
      if (epoch - firstEpoch + 1 > gateEpochs) {
        // Only while some gates still learn: later epochs (and resumed runs) find them frozen.
        if (opts.budget && learning()) {
          const changes = opts.fisher ? fitToBudgetByFisher(model, opts.budget, opts.fisher(epoch)) : fitToBudget(model, opts.budget);
          const moves = changes.map((c) => `${c.name} ${c.from}->${c.to}`).join(', ');
          opts.log?.(`gates frozen; bits settled by the ${opts.fisher ? 'Fisher' : 'logit'} fit: ${moves || 'no change'}\n`);
        }
        if (opts.refitLevels) refitFreezingLevels(model);
        for (const q of ddqQuantizers(model)) q.freezeGates();
      }
    },
    epochSummary: () => {
      const r = modelResources(model);
      const out: Record<string, number | string> = { avgBits: +r.averageWeightBits.toFixed(3), sizeKiB: +(r.sizeBytes / 1024).toFixed(1) };
      if (r.averageLearnedWeightBits > 0) out.learnedBits = +r.averageLearnedWeightBits.toFixed(3);
      return out;
    },
  };
}
