// `ddq train`: build a net, a data set and an optimizer from the command line and train, with
// a checkpoint after every epoch. `--resume` rebuilds the run from the settings saved in its
// checkpoint and continues it bit for bit; options given with --resume must agree with the
// saved ones (except --epochs, --out and the session options), so nothing is silently ignored.
//
// Same seed, same bits: one Rng(seed) is forked into the model's initialisation and the data
// loader's generators, and nothing else is random.
import * as fs from 'fs';
import * as path from 'path';
import { CommandSpec, OptionSpec, OptionValue, ParsedArgs, parseArgs, UsageError } from './args';
import type { CliIo, Command } from './command';
import { buildModel, checkNetOptions, NET_NAMES } from './build-model';
import { DATASET_HELP, DataInfo, dataInfo, describe, loadData } from './data';
import { Rng } from '../tensor/rng';
import type { Module } from '../nn/module';
import { AdamW, SGD, schedules } from '../optim/index';
import type { Optimizer } from '../optim/optimizer';
import type { Schedule } from '../optim/schedules';
import { DataLoader } from '../../datasets/loader';
import { loadCheckpoint } from '../io/checkpoint';
import { CHECKPOINT_FILE, OptimizerGroup, Trainer, TrainerHooks, trainState } from '../train/trainer';

export const TRAIN_OPTIONS: OptionSpec[] = [
  { section: 'Model', name: 'net', type: 'enum', values: NET_NAMES, default: 'lenet5', help: 'network' },
  { name: 'width', type: 'float', above: 0, default: 1, help: 'width multiplier (mlp, mobilenetv2, resnet20)' },
  { name: 'dropout', type: 'float', min: 0, max: 0.99, default: 0, help: 'dropout before the classifier (mobilenetv2)' },

  { section: 'Data', name: 'dataset', type: 'string', default: 'mnist', valueName: 'spec', help: DATASET_HELP },
  { name: 'batch-size', type: 'int', min: 1, default: 64, help: 'training batch size' },
  { name: 'augment', type: 'flag', help: 'random crops: shift images by up to 2 pixels' },
  { name: 'flip', type: 'flag', help: 'random horizontal flips (not for digits or text)' },

  { section: 'Optimization', name: 'optimizer', type: 'enum', values: ['adamw', 'sgd'], default: 'adamw', help: 'AdamW (decoupled weight decay) or SGD with momentum' },
  { name: 'lr', type: 'float', above: 0, help: 'peak learning rate (default: 1e-3 for adamw, 0.05 for sgd)' },
  { name: 'schedule', type: 'enum', values: ['cosine', 'step', 'constant'], default: 'cosine', help: 'learning-rate schedule over the run' },
  { name: 'warmup', type: 'float', min: 0, default: 0, valueName: 'epochs', help: 'linear warm-up from 0, in epochs (fractions allowed)' },
  { name: 'decay-every', type: 'int', min: 1, valueName: 'epochs', help: 'step schedule: epochs between decays (default: a third of --epochs)' },
  { name: 'gamma', type: 'float', above: 0, max: 1, help: 'step schedule: factor applied at each decay (default: 0.1)' },
  { name: 'weight-decay', type: 'float', min: 0, help: 'weight decay (default: 0.01 for adamw, 5e-4 for sgd)' },
  { name: 'momentum', type: 'float', min: 0, max: 0.999, help: 'SGD momentum (default: 0.9)' },

  { section: 'Run', name: 'epochs', type: 'int', min: 1, default: 10, help: 'epochs to train' },
  { name: 'seed', type: 'int', min: 0, default: 1, help: 'seed of initialisation, shuffling and augmentation' },
  { name: 'out', type: 'string', valueName: 'dir', help: 'output directory for checkpoint.ddq and metrics.jsonl\n(default: runs/<net>-<dataset>)' },
  { name: 'resume', type: 'string', optionalValue: true, valueName: 'checkpoint', help: 'continue the run saved in the output directory, or in the given file' },
  { name: 'stop-after', type: 'int', min: 1, valueName: 'epochs', help: 'stop after this many epochs of this invocation (as an interruption would)' },
  { name: 'overwrite', type: 'flag', help: 'start a new run even if the output directory holds a checkpoint' },
];

export const TRAIN_SPEC: CommandSpec = {
  name: 'train',
  summary: 'Train a classifier, with a checkpoint after every epoch and exactly repeatable results.',
  options: TRAIN_OPTIONS,
  notes: [
    'Every epoch writes <out>/checkpoint.ddq (atomically) and appends to <out>/metrics.jsonl.',
    'A run with the same options and seed gives the same weights and metrics, bit for bit, and',
    '--resume continues an interrupted run to exactly the weights of an uninterrupted one. It takes',
    'the settings saved in the checkpoint; of the others only --epochs (to extend a run; a cosine',
    'schedule stretches accordingly) and --out may change.',
    'Examples:',
    '  ddq train --net lenet5 --dataset mnist --epochs 10',
    '  ddq train --net mobilenetv2 --width 0.5 --dataset fashion --augment --optimizer sgd --lr 0.05',
    '  ddq train --resume --out runs/lenet5-mnist',
  ].join('\n'),
};

/** Options of one invocation, not of the run: never saved, free to differ on --resume. */
const SESSION_OPTIONS = new Set(['resume', 'stop-after', 'overwrite']);
/** Saved options that --resume may change. */
const RESUMABLE_CHANGES = new Set(['epochs', 'out']);

/** The resolved settings of a run (camelCase option names), as saved in its checkpoints. */
export interface TrainSettings {
  net: string;
  width: number;
  dropout: number;
  dataset: string;
  batchSize: number;
  augment: boolean;
  flip: boolean;
  optimizer: 'adamw' | 'sgd';
  lr: number;
  schedule: 'cosine' | 'step' | 'constant';
  warmup: number;
  decayEvery: number;
  gamma: number;
  weightDecay: number;
  momentum: number;
  epochs: number;
  seed: number;
  out: string;
  [option: string]: OptionValue;
}

/** What `ddq train` stores as the checkpoint's config. */
export interface TrainConfig {
  command: 'train';
  settings: TrainSettings;
  data: DataInfo;
}

export const camelCase = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** Settings from the command line, with the optimizer- and run-dependent defaults filled in. */
export function settingsFromArgs(args: ParsedArgs): TrainSettings {
  const s: Record<string, OptionValue | undefined> = {};
  for (const [name, value] of Object.entries(args.all())) if (!SESSION_OPTIONS.has(name)) s[camelCase(name)] = value;
  const sgd = s.optimizer === 'sgd';
  s.lr ??= sgd ? 0.05 : 1e-3;
  s.weightDecay ??= sgd ? 5e-4 : 0.01;
  s.momentum ??= sgd ? 0.9 : 0;
  s.decayEvery ??= Math.max(1, Math.round((s.epochs as number) / 3));
  s.gamma ??= 0.1;
  s.out ??= path.join('runs', `${s.net}-${String(s.dataset).split(':')[0]}`);
  return s as TrainSettings;
}

/** Options that would have no effect are errors, not silently ignored. */
function checkRelevant(args: ParsedArgs): void {
  checkNetOptions(args.string('net'), args.float('width'), args.float('dropout'));
  if (args.string('optimizer') !== 'sgd' && args.has('momentum')) throw new UsageError('--momentum applies to --optimizer sgd only');
  if (args.string('schedule') !== 'step' && (args.has('decay-every') || args.has('gamma'))) {
    throw new UsageError('--decay-every and --gamma apply to --schedule step only');
  }
}

/** The saved settings, with the explicitly given options checked against them. */
function settingsForResume(args: ParsedArgs, saved: TrainSettings, file: string): TrainSettings {
  const given = args.all();
  // Options added after the checkpoint was written take their defaults.
  const s = { ...settingsFromArgs(parseArgs(TRAIN_SPEC, [])), ...saved };
  for (const name of args.given) {
    if (SESSION_OPTIONS.has(name)) continue;
    const key = camelCase(name);
    if (RESUMABLE_CHANGES.has(name)) s[key] = given[name]!;
    else if (given[name] !== s[key]) {
      throw new UsageError(`--${name} ${given[name]} differs from ${s[key]} saved in ${file}; a resumed run keeps its settings (leave the option out)`);
    }
  }
  return s;
}

/** What a run trains: the model, its optimizer groups and trainer hooks. */
export interface RunParts {
  model: Module;
  groups: OptimizerGroup[];
  hooks?: TrainerHooks;
}

/** The model of a run: `ddq train` and `ddq eval` both build it here (wrap it for quantization here). */
export function buildNetwork(s: TrainSettings, data: DataInfo, rng: Rng): Module {
  return buildModel({ net: s.net, ...data, widthMultiplier: s.width, dropout: s.dropout, rng });
}

/** The model and optimizer groups of a run (add e.g. a group for quantizer gates here). */
export function buildRun(s: TrainSettings, data: DataInfo, modelRng: Rng, batchesPerEpoch: number): RunParts {
  const model = buildNetwork(s, data, modelRng);
  const params = model.parameters();
  const optimizer: Optimizer =
    s.optimizer === 'sgd'
      ? new SGD(params, { lr: s.lr, momentum: s.momentum, weightDecay: s.weightDecay })
      : new AdamW(params, { lr: s.lr, weightDecay: s.weightDecay });
  return { model, groups: [{ name: 'weights', optimizer, schedule: buildSchedule(s, batchesPerEpoch) }] };
}

export function buildSchedule(s: TrainSettings, batchesPerEpoch: number): Schedule {
  const total = s.epochs * batchesPerEpoch;
  const base =
    s.schedule === 'cosine' ? schedules.cosine(s.lr, total)
    : s.schedule === 'step' ? schedules.stepDecay(s.lr, s.decayEvery * batchesPerEpoch, s.gamma)
    : schedules.constant(s.lr);
  const warmup = Math.round(s.warmup * batchesPerEpoch);
  return warmup > 0 ? schedules.linearWarmup(warmup, base) : base;
}

function runTrain(args: ParsedArgs, io: CliIo): number {
  // 1. Settings: from the command line, or from the checkpoint being resumed.
  let settings = settingsFromArgs(args);
  let resumeFile: string | null = null;
  let checkpoint = null;
  let saved: TrainConfig | null = null;
  if (args.has('resume')) {
    resumeFile = args.string('resume') || path.join(settings.out, CHECKPOINT_FILE);
    checkpoint = loadCheckpoint(resumeFile); // validated before anything is written
    saved = trainState(checkpoint).config as TrainConfig | null;
    if (saved?.command !== 'train') throw new Error(`${resumeFile} was not written by ddq train`);
    settings = settingsForResume(args, saved.settings, resumeFile);
  } else {
    checkRelevant(args);
    if (fs.existsSync(path.join(settings.out, CHECKPOINT_FILE)) && !args.flag('overwrite')) {
      throw new UsageError(`${settings.out} holds a checkpoint of an earlier run; continue it with --resume, or start over with --overwrite (or choose another --out)`);
    }
  }

  // 2. Data, model and optimizers, all seeded from one generator.
  const pair = loadData(settings.dataset, io);
  const data = dataInfo(pair);
  if (saved && JSON.stringify(data) !== JSON.stringify(saved.data)) {
    throw new Error(`${settings.dataset} is not the data the checkpoint was trained on:\n  now   ${JSON.stringify(data)}\n  saved ${JSON.stringify(saved.data)}`);
  }
  const root = new Rng(settings.seed);
  const modelRng = root.fork();
  const loaderRng = root.fork();
  const train = new DataLoader(pair.train, {
    batchSize: settings.batchSize,
    rng: loaderRng,
    augment: { pad: settings.augment ? 2 : 0, flip: settings.flip },
    reuseBuffers: true,
  });
  // Evaluation batches need not be small (per-sample results do not depend on the batch).
  const test = new DataLoader(pair.test, { batchSize: Math.max(settings.batchSize, 100), shuffle: false, reuseBuffers: true });
  const run = buildRun(settings, data, modelRng, train.batchesPerEpoch);
  const config: TrainConfig = { command: 'train', settings, data };
  const trainer = new Trainer({ ...run, train, test, epochs: settings.epochs, outDir: settings.out, config, out: io.out });

  io.out.write(
    `ddq train: ${settings.net} (${run.model.parameterCount().toLocaleString('en-US')} parameters), ` +
      `${settings.optimizer} lr ${settings.lr} ${settings.schedule}, batch ${settings.batchSize}, seed ${settings.seed}\n` +
      `  ${describe(pair.train)}\n  ${describe(pair.test)}\n  output: ${settings.out}\n`,
  );
  if (checkpoint) {
    trainer.restore(checkpoint);
    io.out.write(`  resuming ${resumeFile} at epoch ${trainer.epoch}/${settings.epochs} (step ${trainer.step})\n`);
    if (trainer.epoch === settings.epochs) {
      io.out.write('  the run is already complete\n');
      return 0;
    }
  }

  // 3. Train.
  const history = trainer.fit({ stopAfter: args.has('stop-after') ? args.int('stop-after') : undefined });
  const last = history[history.length - 1];
  if (trainer.epoch < settings.epochs) {
    io.out.write(`stopped after epoch ${trainer.epoch} of ${settings.epochs} (--stop-after); continue with: ddq train --resume --out ${settings.out}\n`);
  } else if (last?.testAccuracy !== undefined) {
    io.out.write(`done: test accuracy ${(100 * last.testAccuracy).toFixed(2)}% after ${trainer.epoch} epoch${trainer.epoch === 1 ? '' : 's'}; checkpoint ${trainer.checkpointFile}\n`);
  }
  return 0;
}

export const trainCommand: Command = { spec: TRAIN_SPEC, run: runTrain };
