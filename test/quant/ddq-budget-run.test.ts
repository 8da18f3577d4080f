// A short DDQ run on synthetic data under a 2-bit budget: through the trainer with the QAT
// groups and hooks (SGD gate logits, budget penalty, gates frozen for the last epoch), the
// layers that learn their bits must end at or under the budget, and the net must still learn.
import t from 'tap';
import { Rng } from '../../src/tensor/rng';
import { Conv2d, Flatten, Linear, ReLU, Sequential } from '../../src/nn/index';
import { AdamW } from '../../src/optim/adamw';
import { constant } from '../../src/optim/schedules';
import { quantize } from '../../src/quant/quantize';
import { modelResources } from '../../src/quant/resources';
import { DdqQuantizer } from '../../src/quant/ddq';
import { qatGroups, qatHooks, QatOptions } from '../../src/train/qat';
import { Trainer } from '../../src/train/trainer';
import { DataLoader } from '../../datasets/loader';
import { glyphs } from '../../datasets/glyphs';

t.test('DDQ under a 2-bit budget ends at or under budget', async (t) => {
  const rng = new Rng(11);
  const model = new Sequential(
    new Conv2d(1, 8, 3, { rng, padding: 1, stride: 2 }), new ReLU(),
    new Conv2d(8, 16, 3, { rng, padding: 1, stride: 2 }), new ReLU(),
    new Conv2d(16, 16, 3, { rng, padding: 1, stride: 2 }), new ReLU(),
    new Flatten(), new Linear(16 * 4 * 4, 10, { rng }),
  );
  quantize(model, { method: 'ddq', activationBits: 8, inputShape: [1, 28, 28] });
  const train = new DataLoader(glyphs({ count: 384, seed: 1 }), { batchSize: 32, seed: 2 });
  const test = new DataLoader(glyphs({ count: 192, seed: 3 }), { batchSize: 96, shuffle: false });
  const steps = train.batchesPerEpoch;
  const qat: QatOptions = {
    makeOptimizer: (p, wd) => new AdamW(p, { lr: 3e-3, weightDecay: wd }),
    schedule: constant(3e-3),
    weightDecay: 0,
    // Low budgets as docs/ddq.md item 9: annealed target, symmetric penalty, gate lr 10.
    gateLr: 10,
    gateEpochs: 2,
    budget: { kind: 'memory', target: 2, weight: 2, under: 1, from: 8, annealSteps: Math.round(0.7 * 2 * steps) },
  };
  let text = '';
  const trainer = new Trainer({
    model, train, test, epochs: 3, groups: qatGroups(model, qat), hooks: qatHooks(model, qat),
    out: { write: (s: string) => ((text += s), true) },
  });
  const history = trainer.fit();
  const r = modelResources(model);
  t.ok(r.averageLearnedWeightBits <= 2, `learned layers average ${r.averageLearnedWeightBits} bits (budget 2)`);
  t.ok(r.averageLearnedWeightBits >= 1, 'at least one bit');
  const ddq = model.namedModules().map(([, m]) => m).filter((m): m is DdqQuantizer => m instanceof DdqQuantizer);
  t.ok(ddq.every((q) => q.gatesFrozen), 'gates frozen after the gate-learning epochs');
  t.ok(history[2].testAccuracy! > 0.3, `still learns (test accuracy ${history[2].testAccuracy})`);
  t.match(text, /learnedBits/);
});
