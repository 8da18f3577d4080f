// Diagnostic: how much of a checkpoint's test accuracy depends on its batch-norm running
// statistics? Evaluates the test split with the saved statistics (as `ddq eval` does), then after
// re-estimating them (src/train/reestimate-batch-norm.ts) from N training batches drawn with
// several shuffling seeds, the weights fixed; and as `ddq train` would have re-estimated them
// after the checkpoint's epoch (its batches and count; for runs from before --bn-reestimate
// this gives the figure a rerun would report, since re-estimation leaves training unchanged).
// Usage: npx ts-node --transpile-only scripts/bn-gap.ts <run dir> [N,N,...] [seeds]
import { reestimateSeed } from '../src/cli/train-command';
import { DataLoader } from '../datasets';
import { evaluate } from '../src/train/evaluate';
import { reestimateBatchNorm } from '../src/train/reestimate-batch-norm';
import { openRun } from './open-run';

const [run, counts = '25,50,100,200', seedCount = '2'] = process.argv.slice(2);
const { state, settings, model, reload: fresh, train, test: testSet } = openRun(run);
const test = new DataLoader(testSet, { batchSize: 256, shuffle: false });
const saved = evaluate(model, test);
console.log(`${run}: saved statistics ${(100 * saved.accuracy).toFixed(2)}% (loss ${saved.loss.toFixed(4)})`);
const batches = settings.bnReestimate || 50;
reestimateBatchNorm(model, new DataLoader(train, { batchSize: settings.batchSize, seed: reestimateSeed(settings.seed, state.epoch) }), batches);
const asTrainer = evaluate(model, test);
console.log(`  as ddq train re-estimates after epoch ${state.epoch} (${batches} batches): ${(100 * asTrainer.accuracy).toFixed(2)}% (loss ${asTrainer.loss.toFixed(4)})`);
for (const n of counts.split(',').map(Number)) {
  const accs: string[] = [];
  for (let seed = 1; seed <= Number(seedCount); seed++) {
    fresh();
    reestimateBatchNorm(model, new DataLoader(train, { batchSize: settings.batchSize, seed: 1000 + seed }), n);
    accs.push((100 * evaluate(model, test).accuracy).toFixed(2));
  }
  console.log(`  re-estimated from ${n} batches: ${accs.join(', ')}%`);
}
