// `npm start`: the main job. Trains a small MobileNetV2 on MNIST in full precision, then
// continues it with DDQ under an average 4-bit weight budget (8-bit activations), and prints
// the per-layer bit table, full-precision vs DDQ test accuracy and the model size; then exports
// the integer model file and runs it with the integer-only runtime on the whole test set.
// To finish in under ten minutes on 2 cores it trains on a class-balanced 12,000-image subset
// of the training split (--train-size) and evaluates each phase after its last epoch only
// (--eval-every); every test figure is on the full 10,000 test images.
//
// Each phase is an ordinary `ddq train` command (printed as it starts, so any step can be rerun
// or varied by hand). A phase whose checkpoint is already complete is reused, and an interrupted
// one is resumed, so running `npm start` again continues where it stopped.
//   npm start -- --quick    a one-minute version on synthetic data (what the tests run)
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main as ddq } from './cli/main';
import type { CliIo } from './cli/command';
import { loadCheckpoint } from './io/checkpoint';
import { trainState } from './train/trainer';
import type { TrainConfig } from './cli/train-command';
import { modelResources } from './quant/resources';
import { buildNetwork } from './cli/build-model';
import { Rng } from './tensor/rng';
import { modelTensors } from './train/trainer';

export interface MainJobOptions {
  dataset: string;
  /** Training images per epoch (a seeded class-balanced subset); 0 for the whole split. */
  trainSize: number;
  width: number;
  fpEpochs: number;
  ddqEpochs: number;
  /** Epochs of the DDQ phase during which bits are learned (then frozen). */
  gateEpochs: number;
  budgetBits: number;
  /** Peak learning rates (AdamW, cosine) of the two phases; the first warms up over 0.1 epoch. */
  fpLr: number;
  ddqLr: number;
  batchSize: number;
  threads: number;
  out: string;
  seed: number;
}

export const MAIN_JOB: MainJobOptions = {
  dataset: 'mnist',
  trainSize: 12000,
  width: 0.35,
  fpEpochs: 2,
  ddqEpochs: 2,
  gateEpochs: 1,
  budgetBits: 4,
  fpLr: 4e-3,
  ddqLr: 1e-3,
  batchSize: 64,
  threads: Math.min(2, os.cpus().length),
  out: path.join('runs', 'main'),
  seed: 1,
};

export const QUICK_JOB: MainJobOptions = { ...MAIN_JOB, dataset: 'synthetic:256,128', trainSize: 200, width: 0.25, batchSize: 32, out: path.join('runs', 'main-quick') };

/** State of a phase's run directory: absent, interrupted (resume it) or complete (reuse it). */
function phaseState(dir: string, args: string[]): 'new' | 'resume' | 'done' {
  const file = path.join(dir, 'checkpoint.ddq');
  if (!fs.existsSync(file)) return 'new';
  try {
    const state = trainState(loadCheckpoint(file));
    const saved = (state.config as TrainConfig).settings;
    // Reuse only a run of exactly these settings.
    for (let i = 0; i < args.length; i += 2) {
      const key = args[i].slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
      if (!['out', 'threads', 'overwrite'].includes(key) && String(saved[key]) !== args[i + 1]) return 'new';
    }
    return state.epoch >= state.epochs ? 'done' : 'resume';
  } catch {
    return 'new';
  }
}

async function phase(name: string, args: string[], io: CliIo): Promise<void> {
  const dir = args[args.indexOf('--out') + 1];
  const state = phaseState(dir, args);
  if (state === 'done') {
    io.out.write(`\n== ${name}: reusing the completed run in ${dir}\n`);
    return;
  }
  const threads = args.splice(args.indexOf('--threads'), 2)[1];
  const argv = state === 'resume' ? ['train', '--resume', '--out', dir, '--threads', threads] : ['train', ...args, '--threads', threads, '--overwrite'];
  io.out.write(`\n== ${name}: ddq ${argv.join(' ')}\n`);
  const code = await ddq(argv, io);
  if (code !== 0) throw new Error(`${name} failed (exit code ${code})`);
}

function lastAccuracy(dir: string): number {
  const history = trainState(loadCheckpoint(path.join(dir, 'checkpoint.ddq'))).history;
  return history[history.length - 1].testAccuracy ?? NaN;
}

export async function runMainJob(o: MainJobOptions, io: CliIo = { out: process.stdout, err: process.stderr }): Promise<void> {
  const t0 = Date.now();
  const fpDir = path.join(o.out, 'fp');
  const ddqDir = path.join(o.out, 'ddq');
  const common = ['--net', 'mobilenetv2', '--width', String(o.width), '--dataset', o.dataset, '--batch-size', String(o.batchSize), '--seed', String(o.seed),
    ...(o.trainSize > 0 ? ['--train-size', String(o.trainSize)] : []), '--eval-every', String(Math.max(o.fpEpochs, o.ddqEpochs))];
  const images = o.trainSize > 0 ? ` (${o.trainSize.toLocaleString('en-US')} training images per epoch)` : '';
  io.out.write(`ddq-ts main job: MobileNetV2 (width ${o.width}) on ${o.dataset}${images}: ${o.fpEpochs} full-precision epoch(s), ` +
    `then ${o.ddqEpochs} DDQ epoch(s) at an average ${o.budgetBits}-bit weight budget (bits learned for ${o.gateEpochs}), 8-bit activations; ${o.threads} thread(s)\n`);
  await phase('full precision', [...common, '--lr', String(o.fpLr), '--warmup', '0.1', '--epochs', String(o.fpEpochs), '--out', fpDir, '--threads', String(o.threads)], io);
  await phase('DDQ', [
    ...common, '--lr', String(o.ddqLr), '--quant', 'ddq', '--budget-bits', String(o.budgetBits), '--abits', '8', '--gate-epochs', String(o.gateEpochs),
    '--epochs', String(o.ddqEpochs), '--init', path.join(fpDir, 'checkpoint.ddq'), '--out', ddqDir, '--threads', String(o.threads),
  ], io);

  // The summary: accuracy of both phases and the quantized model's size.
  const ckpt = loadCheckpoint(path.join(ddqDir, 'checkpoint.ddq'));
  const config = trainState(ckpt).config as TrainConfig;
  const model = buildNetwork(config.settings, config.data, new Rng(0));
  model.loadStateDict(modelTensors(ckpt));
  const r = modelResources(model);
  const report = fs.readFileSync(path.join(ddqDir, 'quant-report.txt'), 'utf8');
  const kib = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
  io.out.write(`\n${report}\n`);
  io.out.write(`full precision: test accuracy ${(100 * lastAccuracy(fpDir)).toFixed(2)}%, ${kib(r.fp32Bytes)} at 32 bits\n`);
  io.out.write(`DDQ:            test accuracy ${(100 * lastAccuracy(ddqDir)).toFixed(2)}%, ${kib(r.sizeBytes)} ` +
    `(${(r.fp32Bytes / r.sizeBytes).toFixed(1)}x smaller), average weight bits ${r.averageWeightBits.toFixed(2)} ` +
    `(${r.averageLearnedWeightBits.toFixed(2)} over the layers that learned their bits; first and last layer 8)\n`);

  // Deployment: the packed integer model file, run by the integer-only runtime.
  const modelFile = path.join(o.out, 'model.ddqm');
  for (const argv of [['export', path.join(ddqDir, 'checkpoint.ddq'), modelFile], ['infer', modelFile, '--compare', path.join(ddqDir, 'checkpoint.ddq')]]) {
    io.out.write(`\n== integer model: ddq ${argv.join(' ')}\n`);
    const code = await ddq(argv, io);
    if (code !== 0) throw new Error(`ddq ${argv[0]} failed (exit code ${code})`);
  }
  io.out.write(`\nfinished in ${((Date.now() - t0) / 60000).toFixed(1)} min; runs in ${o.out}\n`);
}

if (require.main === module) {
  const quick = process.argv.includes('--quick');
  runMainJob(quick ? QUICK_JOB : MAIN_JOB).catch((err: Error) => {
    process.stderr.write(`npm start: ${err.message}\n`);
    process.exitCode = 1;
  });
}
