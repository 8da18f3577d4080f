// Training with fixed batch-norm statistics (fixed-batch-norm.ts, Trainer fixBatchNormFrom):
// from the chosen epoch on, the statistics are re-estimated for the network as the epoch hook
// leaves it and then held (every training forward equals the evaluation-mode forward, no
// re-estimation at the epoch's end), γ and β still train, an interrupted run resumes exactly,
// and a worker thread computes its half of the batch in the same modes.
import t from 'tap';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadDataset } from '../../datasets/index';
import { DataLoader } from '../../datasets/loader';
import { Rng } from '../../src/tensor/rng';
import { Tensor } from '../../src/tensor/tensor';
import { Dropout, Sequential } from '../../src/nn/index';
import type { Module } from '../../src/nn/module';
import { SGD, schedules } from '../../src/optim/index';
import { crossEntropy, mul } from '../../src/ops/index';
import { noGrad } from '../../src/autograd/grad-mode';
import { loadCheckpoint } from '../../src/io/checkpoint';
import { Trainer, TrainerHooks } from '../../src/train/trainer';
import { batchNormLayers } from '../../src/train/batch-statistics-pass';
import { reestimateBatchNorm } from '../../src/train/reestimate-batch-norm';
import { fixBatchNormStatistics } from '../../src/train/fixed-batch-norm';
import { GradientWorker } from '../../src/parallel/gradient-worker-host';
import { buildBnReplica } from './fixtures/bn-replica';

const data = loadDataset('synthetic:96,40');
const silent = { write: () => true };
const PER_EPOCH = new DataLoader(data.train, { batchSize: 16, shuffle: false }).batchesPerEpoch;
const values = (ts: Tensor[]) => ts.flatMap((p) => Array.from(p.data));
const stats = (m: Module) => values(batchNormLayers(m).flatMap((b) => [b.runningMean, b.runningVar]));
const affine = (m: Module) => values(batchNormLayers(m).flatMap((b) => [b.weight, b.bias]));

function run(o: { fixFrom?: number; epochs?: number; outDir?: string; hooks?: TrainerHooks; seed?: number }) {
  const model = buildBnReplica({ seed: o.seed ?? 5 });
  const train = new DataLoader(data.train, { batchSize: 16, seed: 8 });
  const test = new DataLoader(data.test, { batchSize: 20, shuffle: false });
  const groups = [{ name: 'weights', optimizer: new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 }), schedule: schedules.constant(0.05) }];
  const trainer = new Trainer({
    model, train, test, groups, epochs: o.epochs ?? 3, out: silent, outDir: o.outDir, hooks: o.hooks, fixBatchNormFrom: o.fixFrom,
    batchNormReestimate: { batches: 3, loader: (epoch) => new DataLoader(data.train, { batchSize: 16, seed: 100 + epoch }) },
  });
  return { model, trainer };
}

t.test('from the chosen epoch: re-estimated after the epoch hook, then fixed; training forward = evaluation forward', async (t) => {
  let model: Module | null = null;
  const atEnd: number[][] = [];
  const atFirstStep: number[][] = [];
  const affineAtFirstStep: number[][] = [];
  let expectedEpoch2: number[] = [];
  let compared = 0;
  let worst = 0;
  const hooks: TrainerHooks = {
    onEpochStart: (epoch) => {
      atEnd[epoch - 1] = stats(model!);
      if (epoch !== 2) return;
      // A change at the epoch start, as new bitwidths would be: the fixed statistics must be those of the changed network.
      const first = model!.parameters()[0];
      for (let i = 0; i < first.size; i++) first.data[i] *= 1.5;
      const copy = buildBnReplica({ seed: 0 });
      copy.loadStateDict(model!.stateDict());
      reestimateBatchNorm(copy, new DataLoader(data.train, { batchSize: 16, seed: 100 + 1 }), 3);
      expectedEpoch2 = stats(copy);
    },
    extraLoss: ({ epoch, step, x, logits }) => {
      if (step % PER_EPOCH === 0) {
        atFirstStep[epoch] = stats(model!);
        affineAtFirstStep[epoch] = affine(model!);
        t.same(batchNormLayers(model!).map((b) => b.training), [epoch < 2, epoch < 2], `epoch ${epoch}: batch-norm modes`);
        t.ok(model!.training, 'the model itself is training');
      }
      if (epoch >= 2) {
        const evalLogits = noGrad(() => model!.keepingModes(() => model!.eval().forward(x)));
        for (let i = 0; i < logits.size; i++) worst = Math.max(worst, Math.abs(logits.data[i] - evalLogits.data[i]));
        compared++;
      }
      return null;
    },
  };
  const r = run({ fixFrom: 2, hooks });
  model = r.model;
  r.trainer.fit();
  t.ok(compared > 0);
  t.equal(worst, 0, `training logits equal evaluation logits bit for bit in fixed epochs (${compared} steps)`);
  t.same(atFirstStep[2], expectedEpoch2, 'epoch 2 runs on statistics re-estimated for the network after the hook');
  t.notSame(atFirstStep[2], atEnd[1], '(not those of the end of epoch 1)');
  t.same(stats(r.model), atFirstStep[3], 'epoch 3 held its statistics and they were not re-estimated at its end');
  t.notSame(atFirstStep[3], atFirstStep[2], 'each fixed epoch re-estimates at its start');
  t.notSame(affine(r.model), affineAtFirstStep[2], 'γ and β still train');
  t.throws(() => run({ fixFrom: 0 }), /fixBatchNormFrom must be a positive integer epoch, got 0/);
  t.throws(() => run({ fixFrom: 1.5 }), /fixBatchNormFrom must be a positive integer epoch, got 1.5/);
});

t.test('resume across the switch: 1 epoch + restore + 2 epochs equals 3 epochs, bit for bit', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ddq-fixed-bn-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const whole = run({ fixFrom: 2, outDir: path.join(dir, 'whole') });
  whole.trainer.fit();
  const cut = path.join(dir, 'cut');
  run({ fixFrom: 2, outDir: cut }).trainer.fit({ stopAfter: 1 });
  const second = run({ fixFrom: 2, outDir: cut, seed: 77 });
  second.trainer.restore(loadCheckpoint(path.join(cut, 'checkpoint.ddq')));
  second.trainer.fit();
  t.same(values(second.model.parameters()), values(whole.model.parameters()), 'parameters');
  t.same(stats(second.model), stats(whole.model), 'running statistics');
  t.same(second.trainer.history.map((h) => h.testAccuracy), whole.trainer.history.map((h) => h.testAccuracy));
});

t.test('a worker computes its half in the model\'s modes: with fixed statistics, halves = the whole batch', async (t) => {
  const recipe = { module: path.join(__dirname, 'fixtures', 'bn-replica.ts'), exportName: 'buildBnReplica', args: { seed: 99 } };
  const worker = new GradientWorker(recipe);
  t.teardown(() => worker.close());
  const model = buildBnReplica({ seed: 1 });
  // Statistics that are not the defaults, so the worker must use the ones it is sent.
  const rng = new Rng(3);
  for (const b of batchNormLayers(model)) for (let i = 0; i < b.channels; i++) { b.runningMean.data[i] = rng.normal() * 0.1; b.runningVar.data[i] = 0.5 + rng.uniform(); }
  const loader = new DataLoader(data.train, { batchSize: 10, seed: 4 });
  const { x, y } = loader.epochBatches().next().value!;
  const split = (fixed: boolean) => {
    model.train();
    if (fixed) fixBatchNormStatistics(model);
    model.zeroGrad();
    crossEntropy(model.forward(x), y).backward();
    const whole = values(model.parameters().map((p) => p.grad!));
    model.zeroGrad();
    const per = x.size / 10;
    worker.start(model, new Tensor(x.data.slice(6 * per), [4, ...x.shape.slice(1)]), y.slice(6), 4 / 10);
    mul(crossEntropy(model.forward(new Tensor(x.data.slice(0, 6 * per), [6, ...x.shape.slice(1)])), y.subarray(0, 6)), 6 / 10).backward();
    worker.finish(model);
    const halves = values(model.parameters().map((p) => p.grad!));
    return Math.max(...whole.map((g, i) => Math.abs(g - halves[i])));
  };
  const fixed = split(true);
  t.ok(fixed < 1e-6, `fixed statistics: largest difference ${fixed}`);
  // Control: on batch statistics each half is normalised by its own, so the sum differs.
  const batch = split(false);
  t.ok(batch > 1e-3, `batch statistics: largest difference ${batch}`);
});

t.test('fixBatchNormStatistics leaves other modules in their mode', async (t) => {
  const rng = new Rng(1);
  const model = new Sequential(buildBnReplica({ seed: 2 }), new Dropout(0.5, { rng }));
  model.train();
  t.equal(fixBatchNormStatistics(model), 2);
  t.same(model.namedModules().filter(([, m]) => !m.training).length, 2, 'only the two batch-norm layers');
});
