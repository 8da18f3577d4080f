// The trainer on a tiny seeded problem (synthetic glyphs, a small MLP with dropout): the loss
// falls, evaluate() agrees with a separate computation, runs repeat bit for bit, and an
// interrupted run resumed from its checkpoint ends with exactly the weights, optimizer state
// and metrics of an uninterrupted one (SGD with momentum and AdamW, dropout, augmentation,
// several optimizer groups and hooks with state).
import t from 'tap';
import * as path from 'path';
import { loadDataset, DatasetPair } from '../../datasets/index';
import { DataLoader } from '../../datasets/loader';
import { Rng } from '../../src/tensor/rng';
import { Tensor } from '../../src/tensor/tensor';
import { BatchNorm2d, Conv2d, Dropout, Flatten, GlobalAvgPool2d, Linear, MaxPool2d, ReLU, Sequential } from '../../src/nn/index';
import type { Module } from '../../src/nn/module';
import { AdamW, SGD, schedules } from '../../src/optim/index';
import { sum, mul } from '../../src/ops/index';
import { noGrad } from '../../src/autograd/grad-mode';
import { loadCheckpoint } from '../../src/io/checkpoint';
import { evaluate } from '../../src/train/evaluate';
import { EpochMetrics, OptimizerGroup, Trainer, TrainerHooks } from '../../src/train/trainer';
import { readMetricsLog } from '../../src/train/metrics-log';
import type { Output } from '../../src/train/progress';

const data: DatasetPair = loadDataset('synthetic:240,80');
const silent: Output = { write: () => true };

interface RunOptions {
  seed: number;
  optimizer: 'sgd' | 'adamw' | 'two-groups';
  /** A tiny conv net with batch norm (running statistics are buffers) instead of the MLP. */
  conv?: boolean;
  epochs?: number;
  evalEvery?: number;
  outDir?: string;
  hooks?: TrainerHooks;
  /** Batch-norm re-estimation batches after every epoch (conv net). */
  reestimate?: number;
}

function makeRun(o: RunOptions): { trainer: Trainer; model: Sequential; groups: OptimizerGroup[]; test: DataLoader } {
  const root = new Rng(o.seed);
  const rng = root.fork();
  const model = o.conv
    ? new Sequential(
      new Conv2d(1, 4, 3, { rng, stride: 2 }), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2),
      new Conv2d(4, 8, 3, { rng }), new BatchNorm2d(8), new ReLU(), new GlobalAvgPool2d(), new Flatten(), new Dropout(0.2, { rng }), new Linear(8, 10, { rng }),
    )
    : new Sequential(new Flatten(), new Linear(784, 24, { rng }), new ReLU(), new Dropout(0.2, { rng }), new Linear(24, 10, { rng }));
  const train = new DataLoader(data.train, { batchSize: 32, rng: root.fork(), augment: { pad: 2 } });
  const test = new DataLoader(data.test, { batchSize: 50, shuffle: false });
  const epochs = o.epochs ?? 2;
  const total = epochs * train.batchesPerEpoch;
  let groups: OptimizerGroup[];
  if (o.optimizer === 'two-groups') {
    const [w1, b1, w2, b2] = model.parameters();
    groups = [
      { name: 'first', optimizer: new AdamW([w1, b1], { lr: 3e-3 }), schedule: schedules.linearWarmup(3, schedules.cosine(3e-3, total)) },
      { name: 'last', optimizer: new SGD([w2, b2], { lr: 0.05, momentum: 0.9 }), schedule: schedules.stepDecay(0.05, 5, 0.5) },
    ];
  } else {
    const optimizer = o.optimizer === 'sgd' ? new SGD(model.parameters(), { lr: 0.05, momentum: 0.9, weightDecay: 1e-4 }) : new AdamW(model.parameters(), { lr: 3e-3 });
    groups = [{ name: 'weights', optimizer, schedule: schedules.cosine(o.optimizer === 'sgd' ? 0.05 : 3e-3, total) }];
  }
  const batchNormReestimate = o.reestimate
    ? { batches: o.reestimate, loader: (epoch: number) => new DataLoader(data.train, { batchSize: 16, seed: 1000 + epoch }) }
    : undefined;
  const trainer = new Trainer({ model, train, test, evalEvery: o.evalEvery, groups, epochs, outDir: o.outDir, config: { seed: o.seed }, hooks: o.hooks, out: silent, batchNormReestimate });
  return { trainer, model, groups, test };
}

/** Every bit of the weights and of the optimizer slots. */
function fingerprint(model: Module, groups: OptimizerGroup[]): Buffer {
  const parts: Buffer[] = [];
  for (const [, p] of [...model.namedParameters(), ...model.namedBuffers()]) parts.push(Buffer.from(p.data.buffer, p.data.byteOffset, p.data.byteLength));
  for (const g of groups) {
    const s = g.optimizer.stateDict();
    parts.push(Buffer.from(Float64Array.from(s.slots.flatMap((slot) => Object.values(slot).flat())).buffer));
    parts.push(Buffer.from(JSON.stringify([s.lr, s.step])));
  }
  return Buffer.concat(parts);
}

const withoutTime = (records: readonly object[]) => records.map((r) => ({ ...r, time: undefined }));

t.test('a short run: the loss falls and test accuracy is well above chance', async (t) => {
  const { trainer } = makeRun({ seed: 1, optimizer: 'adamw', epochs: 4 });
  const h = trainer.fit();
  t.equal(h.length, 4);
  t.ok(h[3].trainLoss < 0.7 * h[0].trainLoss, `train loss ${h[0].trainLoss} -> ${h[3].trainLoss}`);
  t.ok(h[3].testAccuracy! > 0.5, `test accuracy ${h[3].testAccuracy} (chance 0.1)`);
  t.equal(trainer.step, 4 * Math.ceil(240 / 32));
  t.equal(h[3].step, trainer.step);
});

t.test('evalEvery: test figures after every n-th and the last epoch only; training unaffected', async (t) => {
  const every = makeRun({ seed: 4, optimizer: 'adamw', epochs: 5 }).trainer.fit();
  const sparse = makeRun({ seed: 4, optimizer: 'adamw', epochs: 5, evalEvery: 2 }).trainer.fit();
  t.same(sparse.map((r) => r.testAccuracy !== undefined), [false, true, false, true, true]);
  t.same(sparse.map((r) => r.trainLoss), every.map((r) => r.trainLoss), 'same training, bit for bit');
  t.same([sparse[1].testAccuracy, sparse[4].testAccuracy], [every[1].testAccuracy, every[4].testAccuracy]);
});

t.test('evaluate agrees with a direct float64 computation over the whole test set', async (t) => {
  const { trainer, model, test } = makeRun({ seed: 2, optimizer: 'sgd', epochs: 1 });
  trainer.fit();
  test.nextBatch(); // leave the loader mid-epoch: evaluate must still see every image once
  const r = evaluate(model, test);
  t.ok(model.training, 'model is back in training mode');
  // Reference: all test images in one forward pass, cross-entropy by hand in float64.
  const all = new DataLoader(data.test, { batchSize: data.test.count, shuffle: false }).nextBatch();
  const logits = noGrad(() => {
    model.eval();
    const out = model.forward(all.x);
    model.train();
    return out;
  });
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < all.y.length; i++) {
    const row = Array.from(logits.data.subarray(i * 10, i * 10 + 10));
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    loss += lse - row[all.y[i]];
    if (row.indexOf(m) === all.y[i]) correct++;
  }
  t.equal(r.count, data.test.count);
  t.equal(r.correct, correct);
  t.equal(r.accuracy, correct / data.test.count);
  t.ok(Math.abs(r.loss - loss / all.y.length) < 1e-5, `loss ${r.loss} vs ${loss / all.y.length}`);
});

t.test('same seed, same bits; another seed, other bits', async (t) => {
  const runs = [1, 1, 2].map((seed) => {
    const { trainer, model, groups } = makeRun({ seed, optimizer: 'adamw' });
    const h = trainer.fit();
    return { bits: fingerprint(model, groups), metrics: withoutTime(h) };
  });
  t.ok(runs[0].bits.equals(runs[1].bits), 'identical weights and optimizer state');
  t.same(runs[0].metrics, runs[1].metrics, 'identical metrics');
  t.notOk(runs[0].bits.equals(runs[2].bits), 'a different seed gives different weights');
});

/** A hook with its own state: counts the steps it has seen, penalises the last layer's weights. */
function makeHooks(model: () => Sequential, log: { epochs: number[]; values: number[] }): TrainerHooks & { seen: number } {
  return {
    seen: 0,
    extraLoss(ctx) {
      this.seen++;
      const w = (model().layers[4] as Linear).parameters()[0];
      const penalty = mul(sum(mul(w, w)), 1e-3 * (1 + (this.seen % 3)));
      log.values.push(penalty.item());
      return penalty;
    },
    onEpochStart(epoch) {
      log.epochs.push(epoch);
    },
    epochSummary() {
      return { seen: this.seen, phase: this.seen > 10 ? 'late' : 'early' };
    },
    state() {
      return { seen: this.seen };
    },
    loadState(s) {
      this.seen = (s as { seen: number }).seen;
    },
  };
}

const resumeCases = [
  { optimizer: 'sgd', conv: false },
  { optimizer: 'adamw', conv: false },
  { optimizer: 'two-groups', conv: false },
  { optimizer: 'sgd', conv: true },
  { optimizer: 'adamw', conv: true, reestimate: 6, evalEvery: 2 },
] as const;
for (const { optimizer, conv, reestimate, evalEvery } of resumeCases.map((c) => ({ reestimate: undefined, evalEvery: undefined, ...c }))) {
  t.test(`resume (${optimizer}${conv ? ', conv net with batch norm' : ''}${reestimate ? ', batch norm re-estimated at epochs 2 and 3' : ''}): 1 epoch + restore + 2 epochs equals 3 epochs, bit for bit`, async (t) => {
    const dir = t.testdir();
    const full = makeRun({ seed: 7, optimizer, conv, reestimate, evalEvery, epochs: 3, outDir: path.join(dir, 'full') });
    full.trainer.fit();

    const cut = path.join(dir, 'cut');
    const first = makeRun({ seed: 7, optimizer, conv, reestimate, evalEvery, epochs: 3, outDir: cut });
    first.trainer.fit({ stopAfter: 1 });
    t.equal(first.trainer.epoch, 1);
    t.equal(readMetricsLog(path.join(cut, 'metrics.jsonl')).length, 1);

    // A fresh process would rebuild everything; a different seed proves the checkpoint restores
    // every generator and weight rather than relying on the seed.
    const second = makeRun({ seed: 99, optimizer, conv, reestimate, evalEvery, epochs: 3, outDir: cut });
    second.trainer.restore(loadCheckpoint(path.join(cut, 'checkpoint.ddq')));
    t.equal(second.trainer.epoch, 1);
    second.trainer.fit();

    t.ok(fingerprint(second.model, second.groups).equals(fingerprint(full.model, full.groups)), 'identical weights and optimizer state');
    t.same(withoutTime(second.trainer.history), withoutTime(full.trainer.history), 'identical metrics history');
    t.same(withoutTime(readMetricsLog(path.join(cut, 'metrics.jsonl'))), withoutTime(readMetricsLog(path.join(dir, 'full', 'metrics.jsonl'))), 'identical metrics logs');
    const a = loadCheckpoint(path.join(cut, 'checkpoint.ddq'));
    const b = loadCheckpoint(path.join(dir, 'full', 'checkpoint.ddq'));
    t.same([...a.tensors.keys()], [...b.tensors.keys()]);
    const dropoutRng = (a.meta as { rngs: Record<string, unknown> }).rngs;
    t.same(Object.keys(dropoutRng), [conv ? '9.rng' : '3.rng'], 'the dropout generator is checkpointed');
    if (conv) {
      const mean = a.tensors.get('model.1.runningMean');
      t.ok(mean && mean.data.some((v) => v !== 0), 'batch-norm running statistics are saved');
    }
    t.same(dropoutRng, (b.meta as { rngs: Record<string, unknown> }).rngs, 'and ends in the same state');
  });
}

t.test('hooks: extra loss logged, epoch hook replayed, summary fields, state saved and restored', async (t) => {
  const dir = t.testdir();
  const logFull = { epochs: [] as number[], values: [] as number[] };
  let fullModel: Sequential | null = null;
  const fullHooks = makeHooks(() => fullModel!, logFull);
  const full = makeRun({ seed: 3, optimizer: 'two-groups', epochs: 3, outDir: path.join(dir, 'full'), hooks: fullHooks });
  fullModel = full.model;
  const h = full.trainer.fit();
  t.same(logFull.epochs, [1, 2, 3]);
  const perEpoch = Math.ceil(240 / 32);
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  h.forEach((r, e) => {
    t.ok(Math.abs(r.extraLoss! - mean(logFull.values.slice(e * perEpoch, (e + 1) * perEpoch))) < 1e-12, `epoch ${e + 1} extraLoss is the mean penalty`);
    t.equal(r.seen, (e + 1) * perEpoch, 'summary field');
  });
  t.same(Object.keys(h[0].lr), ['first', 'last'], 'one learning rate per group');
  const logged = readMetricsLog(path.join(dir, 'full', 'metrics.jsonl'));
  t.equal(logged[2].phase, 'late');

  const cut = path.join(dir, 'cut');
  const logCut = { epochs: [] as number[], values: [] as number[] };
  let cutModel: Sequential | null = null;
  const first = makeRun({ seed: 3, optimizer: 'two-groups', epochs: 3, outDir: cut, hooks: makeHooks(() => cutModel!, logCut) });
  cutModel = first.model;
  first.trainer.fit({ stopAfter: 2 });
  const resumedHooks = makeHooks(() => cutModel!, logCut);
  const second = makeRun({ seed: 5, optimizer: 'two-groups', epochs: 3, outDir: cut, hooks: resumedHooks });
  cutModel = second.model;
  second.trainer.restore(loadCheckpoint(path.join(cut, 'checkpoint.ddq')));
  t.equal(resumedHooks.seen, 2 * perEpoch, 'hook state restored');
  second.trainer.fit();
  t.same(logCut.epochs, [1, 2, 3], 'onEpochStart sees each epoch once across the interruption');
  t.ok(fingerprint(second.model, second.groups).equals(fingerprint(full.model, full.groups)), 'identical weights with hooks and two groups');
  t.same(withoutTime(second.trainer.history), withoutTime(h));
});

t.test('clear errors', async (t) => {
  // A NaN loss names the epoch and step.
  const nan = makeRun({ seed: 1, optimizer: 'sgd' });
  let calls = 0;
  nan.trainer.hooks.extraLoss = () => (++calls === 4 ? Tensor.scalar(NaN) : null);
  t.throws(() => nan.trainer.fit(), { message: /^Trainer: extra loss is NaN at epoch 1, step 3 \(batch 4 of 8\)/ });
  const inf = makeRun({ seed: 1, optimizer: 'sgd' });
  inf.model.parameters()[0].data[0] = Infinity;
  t.throws(() => inf.trainer.fit(), { message: /^Trainer: loss is (NaN|Infinity) at epoch 1, step 0 \(batch 1 of 8\).*lower learning rate/ });

  const { model, groups } = makeRun({ seed: 1, optimizer: 'sgd' });
  const train = new DataLoader(data.train, { batchSize: 32, seed: 1 });
  t.throws(() => new Trainer({ model, train, groups: [groups[0], { ...groups[0], name: 'again' }], epochs: 1 }), { message: /is in both groups 'weights' and 'again'/ });
  const clash = new Trainer({ model, train, groups, epochs: 1, out: silent, hooks: { epochSummary: () => ({ trainLoss: 1 }) } });
  t.throws(() => clash.fit(), { message: "Trainer: epochSummary field 'trainLoss' clashes with a built-in metric" });

  // Restoring into a differently built trainer.
  const dir = t.testdir();
  const a = makeRun({ seed: 1, optimizer: 'sgd', outDir: dir });
  a.trainer.fit({ stopAfter: 1 });
  const ckpt = loadCheckpoint(path.join(dir, 'checkpoint.ddq'));
  t.throws(() => makeRun({ seed: 1, optimizer: 'adamw' }).trainer.restore(ckpt), { message: /optimizer groups are weights \(SGD\), this trainer's are weights \(AdamW\)/ });
  const hooked = makeRun({ seed: 1, optimizer: 'sgd', hooks: { loadState: () => undefined } });
  t.throws(() => hooked.trainer.restore(ckpt), { message: /has a loadState hook but the checkpoint holds no hook state/ });
  const longer = makeRun({ seed: 1, optimizer: 'sgd', epochs: 2 });
  t.doesNotThrow(() => longer.trainer.restore(ckpt));
});

t.test('progress: a bar redrawn in place on a terminal, no carriage returns in a log', async (t) => {
  const tty: string[] = [];
  const plain: string[] = [];
  for (const [sink, isTTY] of [[tty, true], [plain, false]] as const) {
    const { model, groups } = makeRun({ seed: 1, optimizer: 'sgd' });
    const train = new DataLoader(data.train, { batchSize: 32, seed: 1 });
    new Trainer({ model, train, groups, epochs: 1, out: { isTTY, write: (s: string) => sink.push(s) } }).fit();
  }
  const ttyText = tty.join('');
  t.match(ttyText, /\repoch 1\/1 \[=+>? *\] +\d+% \d+\/240 loss \d\.\d{4} acc \d+\.\d\d% \d+ img\/s ETA \d+:\d\d\x1b\[K/);
  t.match(ttyText, /\r\x1b\[Kepoch 1\/1  loss /, 'the bar is erased before the epoch line');
  const plainText = plain.join('');
  t.notMatch(plainText, /\r|\x1b/, 'no control characters when not a terminal');
  t.match(plainText, /^epoch 1\/1  loss \d\.\d{4} acc \d+\.\d\d%  lr \d\.\d\de-\d+  \(\d+\.\d s, \d+ img\/s\)\n$/);
});

t.test('fit refuses a loader that is not at the start of the next epoch', async (t) => {
  const { model, groups } = makeRun({ seed: 1, optimizer: 'sgd' });
  const train = new DataLoader(data.train, { batchSize: 32, seed: 1 });
  train.nextBatch();
  t.throws(() => new Trainer({ model, train, groups, epochs: 1, out: silent }).fit(), { message: /training loader is at epoch 0 batch 1, expected the start of epoch 0/ });
});

// Keep the EpochMetrics type honest: time is filled in.
t.test('metrics carry timings', async (t) => {
  const { trainer } = makeRun({ seed: 1, optimizer: 'sgd', epochs: 1 });
  const [r]: readonly EpochMetrics[] = trainer.fit();
  t.ok(r.time!.seconds > 0 && r.time!.imagesPerSecond > 0 && r.time!.evalSeconds >= 0);
});
