// Cost of a DDQ training step against a full-precision step of the same net, in one run
// (issue 6 target: at most 1.3x). Both: small MobileNetV2 (width 0.35) on 28x28x1, batch 64,
// AdamW, single thread. DDQ: learned weight bits (gates learning, budget penalty on), 8-bit
// activations, as in the main job. Steps of the two are interleaved in rounds (the machine is
// shared) and each side keeps its best round.
import { Tensor } from '../src/tensor/tensor';
import { Rng } from '../src/tensor/rng';
import { crossEntropy } from '../src/ops/cross-entropy';
import { add } from '../src/ops/binary';
import { AdamW } from '../src/optim/adamw';
import { SGD } from '../src/optim/sgd';
import { mobilenetv2 } from '../nets/mobilenetv2';
import { quantize } from '../src/quant/quantize';
import { budgetPenalty } from '../src/quant/budget';
import { qatGroups } from '../src/train/qat';
import { constant } from '../src/optim/schedules';
import { fmtRatio, fmtSeconds, markdownTable, measure, Timing, writeReport } from './harness';

const BATCH = 64;

/** One configuration's training step (after a first step that initialises quantizers); bench/ddq-step-breakdown.ts times the same steps. */
export function setup(quant: 'none' | 'ddq' | 'lsq'): () => void {
  const rng = new Rng(3);
  const model = mobilenetv2({ classes: 10, widthMultiplier: 0.35, rng });
  if (quant !== 'none') quantize(model, { method: quant, weightBits: quant === 'ddq' ? 8 : 4, activationBits: 8, inputShape: [1, 28, 28] });
  const groups = quant === 'none'
    ? [{ optimizer: new AdamW(model.parameters(), { lr: 1e-3 }) as AdamW | SGD }]
    : qatGroups(model, { makeOptimizer: (p, wd) => new AdamW(p, { lr: 1e-3, weightDecay: wd }), schedule: constant(1e-3), weightDecay: 0.01 });
  const x = Tensor.randn([BATCH, 1, 28, 28], rng);
  const y = Int32Array.from({ length: BATCH }, () => rng.int(0, 10));
  const step = () => {
    model.zeroGrad();
    let loss = crossEntropy(model.forward(x), y);
    const penalty = quant === 'ddq' ? budgetPenalty(model, { kind: 'memory', target: 4, weight: 2 }) : null;
    if (penalty) loss = add(loss, penalty);
    loss.backward();
    for (const g of groups) g.optimizer.step();
  };
  step(); // initialise quantizers and warm up
  return step;
}

export function run(): void {
  const steps = { fp: setup('none'), ddq: setup('ddq'), lsq: setup('lsq') };
  const best: Record<string, Timing | undefined> = {};
  for (let round = 0; round < 3; round++) {
    for (const [name, step] of Object.entries(steps)) {
      const t = measure(name, step, { maxTime: 4, minSamples: 5 });
      if (!best[name] || t.seconds < best[name]!.seconds) best[name] = t;
    }
  }
  const fp = best.fp!.seconds;
  const rows = Object.entries(best).map(([name, t]) => [
    name === 'fp' ? 'full precision' : name === 'ddq' ? 'DDQ (bits learning, budget on, A8)' : 'LSQ W4A8',
    fmtSeconds(t!.seconds), (BATCH / t!.seconds).toFixed(0), fmtRatio(t!.seconds / fp), `±${t!.rme.toFixed(1)}%`,
  ]);
  writeReport('ddq-step', 'DDQ training step vs full precision', [
    `Small MobileNetV2 (width 0.35) on 28x28x1, batch ${BATCH}, AdamW (DDQ gate logits: SGD), one thread; best of 3 interleaved rounds.`,
    '',
    markdownTable(['training step', 'time', 'img/s', 'vs full precision', 'rme'], rows),
    '',
    'Target: a DDQ step costs at most 1.3x a full-precision step.',
  ].join('\n'));
}
