// Batch-norm re-estimation: afterwards every layer's running mean and variance are the plain
// means (float64 reference) of the batch statistics of the batches it saw, each layer seeing the
// output of the layers before it in that same mode; modes and momenta come back; a trainer run
// with it evaluates the re-estimated model and leaves the weights exactly as a run without it.
import t from 'tap';
import { loadDataset } from '../../datasets/index';
import { DataLoader } from '../../datasets/loader';
import { Rng } from '../../src/tensor/rng';
import { BatchNorm2d, Flatten, Linear, Sequential } from '../../src/nn/index';
import { SGD, schedules } from '../../src/optim/index';
import { noGrad } from '../../src/autograd/grad-mode';
import { evaluate } from '../../src/train/evaluate';
import { Trainer } from '../../src/train/trainer';
import { batchNormLayers, reestimateBatchNorm } from '../../src/train/reestimate-batch-norm';
import { buildBnReplica } from './fixtures/bn-replica';

const data = loadDataset('synthetic:96,40');
const silent = { write: () => true };

const net = (seed: number) => buildBnReplica({ seed });

/** Reference: per batch, each batch-norm layer's input channel mean and unbiased variance (float64), averaged over batches. */
function referenceStats(model: Sequential, loader: DataLoader, batches: number): { mean: number[]; variance: number[] }[] {
  const layers = model.layers;
  const sums = layers.map((l) => (l instanceof BatchNorm2d ? { mean: new Array(l.channels).fill(0), variance: new Array(l.channels).fill(0) } : null));
  for (const b of batchNormLayers(model)) b.training = true;
  let seen = 0;
  noGrad(() => {
    while (seen < batches) for (const { x } of loader.epochBatches()) {
      let h = x;
      layers.forEach((l, i) => {
        const acc = sums[i];
        if (acc) {
          const [n, c, hh, ww] = h.shape;
          const plane = hh * ww;
          for (let ch = 0; ch < c; ch++) {
            let s = 0;
            for (let k = 0; k < n; k++) for (let p = 0; p < plane; p++) s += h.data[(k * c + ch) * plane + p];
            const m = s / (n * plane);
            let v = 0;
            for (let k = 0; k < n; k++) for (let p = 0; p < plane; p++) v += (h.data[(k * c + ch) * plane + p] - m) ** 2;
            acc.mean[ch] += m / batches;
            acc.variance[ch] += v / (n * plane - 1) / batches;
          }
        }
        h = l.forward(h);
      });
      if (++seen === batches) break;
    }
  });
  return sums.filter((s): s is { mean: number[]; variance: number[] } => s !== null);
}

t.test('running statistics become the mean batch statistics of the batches seen', async (t) => {
  // 96 images: 13 batches of 8 run into a second epoch.
  for (const [batches, batchSize] of [[1, 7], [5, 16], [13, 8]] as const) {
    const model = net(3);
    // Arbitrary training-time statistics and a momentum that must come back unchanged.
    for (const b of batchNormLayers(model)) { b.runningMean.data.fill(5); b.runningVar.data.fill(9); b.momentum = 0.3; }
    model.eval();
    model.layers[1].training = true; // a caller's own mode for one module survives
    const loader = () => new DataLoader(data.train, { batchSize, seed: 11 });
    const done = reestimateBatchNorm(model, loader(), batches);
    t.equal(done, 2);
    t.same(model.namedModules().filter(([, m]) => m.training).map(([n]) => n), ['1'], 'modes restored');
    t.same(batchNormLayers(model).map((b) => b.momentum), [0.3, 0.3], 'momenta restored');
    const check = net(3);
    check.eval();
    const ref = referenceStats(check, loader(), batches);
    batchNormLayers(model).forEach((b, i) => {
      for (let c = 0; c < b.channels; c++) {
        t.ok(Math.abs(b.runningMean.data[c] - ref[i].mean[c]) <= 1e-5 * (1 + Math.abs(ref[i].mean[c])), `${batches} batches of ${batchSize}: layer ${i} channel ${c} mean`);
        t.ok(Math.abs(b.runningVar.data[c] - ref[i].variance[c]) <= 1e-5 * (1 + ref[i].variance[c]), `${batches} batches of ${batchSize}: layer ${i} channel ${c} variance`);
      }
    });
  }
});

t.test('more batches than an epoch wrap into the next; a net without batch norm runs nothing', async (t) => {
  const model = net(4);
  const loader = new DataLoader(data.train, { batchSize: 32, seed: 2 }); // 3 batches per epoch
  reestimateBatchNorm(model, loader, 7);
  t.equal(loader.epoch, 2, 'two whole epochs and one batch of the third');
  t.equal(loader.batch, 1);
  const plain = new Sequential(new Flatten(), new Linear(784, 10, { rng: new Rng(1) }));
  const untouched = new DataLoader(data.train, { batchSize: 32, seed: 2 });
  t.equal(reestimateBatchNorm(plain, untouched, 4), 0);
  t.equal(untouched.batch, 0);
  t.throws(() => reestimateBatchNorm(model, loader, 0), /batches must be a positive integer, got 0/);
  t.throws(() => reestimateBatchNorm(model, loader, 2.5), /batches must be a positive integer, got 2.5/);
});

t.test('trainer: the same weights as without it; test figures of the re-estimated model', async (t) => {
  const run = (reestimate: boolean) => {
    const model = net(5);
    const train = new DataLoader(data.train, { batchSize: 16, seed: 8 });
    const test = new DataLoader(data.test, { batchSize: 20, shuffle: false });
    const groups = [{ name: 'weights', optimizer: new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 }), schedule: schedules.constant(0.05) }];
    const trainer = new Trainer({
      model, train, test, groups, epochs: 3, evalEvery: 2, out: silent,
      batchNormReestimate: reestimate ? { batches: 4, loader: (epoch) => new DataLoader(data.train, { batchSize: 16, seed: 100 + epoch }) } : undefined,
    });
    trainer.fit();
    return { model, test, history: trainer.history };
  };
  const plain = run(false);
  const re = run(true);
  const params = (m: Sequential) => m.parameters().flatMap((p) => Array.from(p.data));
  t.same(params(re.model), params(plain.model), 'parameters bit for bit');
  t.same(re.history.map((h) => h.trainLoss), plain.history.map((h) => h.trainLoss), 'training losses bit for bit');
  t.same(re.history.map((h) => h.testAccuracy !== undefined), [false, true, true], 'evaluated (and re-estimated) after epochs 2 and 3');
  // The last figures are those of the plain run's weights after re-estimation with epoch 3's batches.
  t.notSame(Array.from(batchNormLayers(plain.model)[1].runningVar.data), Array.from(batchNormLayers(re.model)[1].runningVar.data));
  reestimateBatchNorm(plain.model, new DataLoader(data.train, { batchSize: 16, seed: 103 }), 4);
  t.same(Array.from(batchNormLayers(plain.model)[1].runningVar.data), Array.from(batchNormLayers(re.model)[1].runningVar.data), 'same running statistics');
  const r = evaluate(plain.model, plain.test);
  t.equal(re.history[2].testAccuracy, r.accuracy);
  t.equal(re.history[2].testLoss, r.loss);
});
