// Diagnostic: a DDQ checkpoint's gate state, and the allocation each bit fit would make from it
// when the gates freeze: by gate logits (fit-budget.ts) and by Fisher-weighted quantization
// error (fisher-fit.ts, Fisher values from the batches `ddq train` would draw after this epoch).
// Per layer: weights, current bits, gate logits, and the error D(b) for b = 1..4.
// Usage: npx ts-node --transpile-only scripts/bit-fits.ts <run dir> [budget bits]
import { reestimateSeed } from '../src/cli/train-command';
import { quantizedLayers } from '../src/quant/quantize';
import { DdqQuantizer } from '../src/quant/ddq';
import { fitToBudget } from '../src/quant/fit-budget';
import { fisherError, fitToBudgetByFisher } from '../src/quant/fisher-fit';
import { weightFisher } from '../src/train/weight-fisher';
import { DataLoader } from '../datasets';
import { openRun } from './open-run';

const [run, budgetArg] = process.argv.slice(2);
const { state, settings, model, reload: load, train } = openRun(run);
const budget = { kind: 'memory' as const, target: budgetArg ? Number(budgetArg) : settings.budgetBits };
if (!(budget.target > 0)) throw new Error(`${run} has no budget; give one`);
const fisher = weightFisher(model, new DataLoader(train, { batchSize: settings.batchSize, seed: reestimateSeed(settings.seed, state.epoch + 1) }), 32);
console.log(`${run} after epoch ${state.epoch}, budget ${budget.target} bits`);
console.log('layer        weights bits gate logits                                        D(1..4)');
for (const { name, layer } of quantizedLayers(model)) {
  const q = layer.weightQuantizer;
  if (!(q instanceof DdqQuantizer)) continue;
  const logits = Array.from(q.gateLogits.data, (t) => t.toFixed(2).padStart(5)).join(' ');
  const d = [1, 2, 3, 4].map((b) => fisherError(layer.weight.data, fisher.get(layer)!, q.groups, b).toExponential(1)).join(' ');
  console.log(`${name.padEnd(12)} ${String(layer.weight.size).padStart(7)} ${String(q.bits()).padStart(4)}${q.gatesFrozen ? '*' : ' '} ${logits}  ${d}`);
}
const allocation = () => quantizedLayers(model).map(({ name, layer }) => `${name}:${layer.weightQuantizer.bits()}`).join(' ');
fitToBudget(model, budget);
console.log(`by logits: ${allocation()}`);
load();
fitToBudgetByFisher(model, budget, fisher);
console.log(`by Fisher: ${allocation()}`);
