// Landing on the budget by measured sensitivity [ours, see docs/ddq.md item 12]: the alternative
// to fit-budget.ts's ranking by gate logits, chosen with `ddq train --bit-fit fisher`.
//
// Why: the gate gradient is first order. Closing a gate shifts the quantized weights by Δ, and
// the straight-through gradient reports Σ ∂L/∂ŵ · Δ, the mean of which is near zero once the
// weights have settled; the loss a coarser grid really costs is second order, ≈ ½ Σ F·Δ². For a
// layer with few weights the budget penalty's push is small too, so its gates random-walk:
// measured on MobileNetV2 / Fashion-MNIST at a 2-bit budget with a 1-bit floor, two depthwise
// layers ended at 1 bit and two others at 8.
//
// Here each layer's cost of b bits is its Fisher-weighted quantization error
//   D(b) = Σ_i F_i (Q_b(w_i) - w_i)²,
// Q_b the Lloyd-Max levels of the layer's (or channel's) weights at b bits (the levels the layer
// is refitted to when gates freeze), F the empirical Fisher (mean squared gradient) of each
// weight. Starting every layer at its floor, bits go one at a time to the layer with the largest
// error reduction per unit of budget, while the budget allows and a bit still reduces the error: the greedy solution of
// "least total D at that size", which is optimal when D falls convexly with b.
import type { FloatArray } from '../../kernels/float-array';
import type { Module } from '../nn/module';
import { lloydMaxLevels } from './lloyd-max';
import { BitChange, BudgetTarget, budgetCandidates } from './fit-budget';
import type { QuantizedLayer } from './quantized-layers';

/** Σ f_i (q(w_i) - w_i)² with q the nearest of `levels` (sorted). */
export function weightedQuantError(w: FloatArray, f: FloatArray, levels: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < w.length; i++) {
    let lo = 0;
    let hi = levels.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (levels[mid] <= w[i]) lo = mid;
      else hi = mid;
    }
    const d = Math.min(Math.abs(w[i] - levels[lo]), Math.abs(w[i] - levels[hi]));
    sum += f[i] * d * d;
  }
  return sum;
}

/** D(b) of one layer: per level group (output channel with perChannel), Lloyd-Max levels at b bits. */
export function fisherError(w: FloatArray, f: FloatArray, groups: number, bits: number): number {
  if (w.length !== f.length) throw new Error(`fisherError: ${w.length} weights but ${f.length} Fisher values`);
  const per = w.length / groups;
  let sum = 0;
  for (let g = 0; g < groups; g++) {
    const wg = w.subarray(g * per, (g + 1) * per);
    sum += weightedQuantError(wg, f.subarray(g * per, (g + 1) * per), lloydMaxLevels(wg, 1 << bits));
  }
  return sum;
}

/**
 * Sets the learned weight bitwidths (DDQ, gates not frozen) by the greedy above, given each
 * layer's Fisher values (same length as its weights). Ends at or under the target.
 */
export function fitToBudgetByFisher(model: Module, budget: BudgetTarget, fisher: Map<QuantizedLayer, Float64Array>): BitChange[] {
  const { candidates, limit } = budgetCandidates(model, budget, 'fitToBudgetByFisher');
  const start = candidates.map((c) => c.q.bits());
  const bits = candidates.map((c) => c.q.minBits);
  let used = candidates.reduce((s, c, i) => s + c.cost * bits[i], 0);
  if (used > limit) throw new Error(`fitToBudgetByFisher: the floors alone (${(used / limit * budget.target).toFixed(3)}) exceed the target ${budget.target}`);
  const errors = candidates.map((c) => {
    const f = fisher.get(c.layer);
    if (!f) throw new Error(`fitToBudgetByFisher: no Fisher values for layer '${c.name}'`);
    const memo = new Map<number, number>();
    return (b: number) => {
      if (!memo.has(b)) memo.set(b, fisherError(c.layer.weight.data, f, c.q.groups, b));
      return memo.get(b)!;
    };
  });
  for (;;) {
    let pick = -1;
    let best = 0; // a bit that reduces no error is not spent
    candidates.forEach((c, i) => {
      if (bits[i] >= c.q.maxBits || used + c.cost > limit) return;
      const gain = (errors[i](bits[i]) - errors[i](bits[i] + 1)) / c.cost;
      if (gain > best) (best = gain), (pick = i);
    });
    if (pick < 0) break;
    bits[pick]++;
    used += candidates[pick].cost;
  }
  candidates.forEach((c, i) => c.q.setBits(bits[i]));
  return candidates.flatMap((c, i) => (bits[i] === start[i] ? [] : [{ name: c.name, from: start[i], to: bits[i] }]));
}
