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
import { buildNetwork, checkNetOptions, NET_NAMES, ReplicaArgs } from './build-model';
import { parseLayerBits } from './layer-bits';
export { buildNetwork } from './build-model';
import { DATASET_HELP, DataInfo, dataInfo, describe, loadData } from './data';
import { Rng } from '../tensor/rng';
import type { Module } from '../nn/module';
import { AdamW, SGD, schedules } from '../optim/index';
import type { Optimizer } from '../optim/optimizer';
import type { Schedule } from '../optim/schedules';
import { DataLoader } from '../../datasets/loader';
import { balancedSubset } from '../../datasets/balanced-subset';
import type { DatasetPair } from '../../datasets/index';
import { loadCheckpoint } from '../io/checkpoint';
import { CHECKPOINT_FILE, modelTensors, OptimizerGroup, Trainer, TrainerHooks, trainState } from '../train/trainer';
import type { Tensor } from '../tensor/tensor';
import type { StateDict } from '../nn/module';
import { formatQuantReport, quantReport, bitsPerLayerSvg, levelsSvg } from '../quant/report';
import { QatOptions, qatGroups, qatHooks } from '../train/qat';
import { weightFisher } from '../train/weight-fisher';
import { GradientWorker } from '../parallel/gradient-worker-host';

export const TRAIN_OPTIONS: OptionSpec[] = [
  { section: 'Model', name: 'net', type: 'enum', values: NET_NAMES, default: 'lenet5', help: 'network' },
  { name: 'width', type: 'float', above: 0, default: 1, help: 'width multiplier (mlp, mobilenetv2, resnet20)' },
  { name: 'dropout', type: 'float', min: 0, max: 0.99, default: 0, help: 'dropout before the classifier (mobilenetv2)' },

  { section: 'Data', name: 'dataset', type: 'string', default: 'mnist', valueName: 'spec', help: DATASET_HELP },
  { name: 'train-size', type: 'int', min: 1, valueName: 'images', help: 'train on a seeded, class-balanced subset of this many training images\n(the test split stays whole)' },
  { name: 'batch-size', type: 'int', min: 1, default: 64, help: 'training batch size' },
  { name: 'augment', type: 'flag', help: 'random crops: shift images by up to 2 pixels' },
  { name: 'flip', type: 'flag', help: 'random horizontal flips (not for digits or text)' },

  { section: 'Optimization', name: 'optimizer', type: 'enum', values: ['adamw', 'sgd'], default: 'adamw', help: 'AdamW (decoupled weight decay) or SGD with momentum' },
  { name: 'lr', type: 'float', above: 0, help: 'peak learning rate (default: 1e-3 for adamw, 0.05 for sgd)' },
  { name: 'schedule', type: 'enum', values: ['cosine', 'step', 'constant'], default: 'cosine', help: 'learning-rate schedule over the run' },
  { name: 'warmup', type: 'float', min: 0, default: 0, valueName: 'epochs', help: 'linear warm-up from 0, in epochs (fractions allowed)' },
  { name: 'schedule-start', type: 'int', min: 0, default: 0, valueName: 'epochs',
    help: 'begin this many epochs into the learning-rate schedule, which then spans this many\nplus --epochs (with --init: continue the schedule of a run stopped by --stop-after)' },
  { name: 'decay-every', type: 'int', min: 1, valueName: 'epochs', help: 'step schedule: epochs between decays (default: a third of --epochs)' },
  { name: 'gamma', type: 'float', above: 0, max: 1, help: 'step schedule: factor applied at each decay (default: 0.1)' },
  { name: 'weight-decay', type: 'float', min: 0, help: 'weight decay (default: 0.01 for adamw, 5e-4 for sgd)' },
  { name: 'momentum', type: 'float', min: 0, max: 0.999, help: 'SGD momentum (default: 0.9)' },
  { name: 'bn-reestimate', type: 'int', min: 0, default: 50, valueName: 'batches',
    help: 'before each evaluation, set batch norm running statistics to the mean statistics of\nthis many training batches, weights fixed (0: keep the running averages of training)' },
  { name: 'bn-fixed-from', type: 'int', min: 0, default: 0, valueName: 'epoch',
    help: 'from this epoch of the run on, batch norm trains with fixed statistics, re-estimated\nbefore each such epoch and held through it: the network that trains is the one\nevaluated (0: never)' },

  { section: 'Quantization', name: 'quant', type: 'enum', values: ['none', 'ddq', 'ddq-fixed', 'lsq'], default: 'none',
    help: 'quantization-aware training: ddq (learned bits, levels, range; docs/ddq.md),\nddq-fixed (DDQ with bits fixed at --wbits), lsq (uniform, learned step)' },
  { name: 'wbits', type: 'int', min: 1, max: 8, help: 'weight bits of inner layers (lsq, ddq-fixed: fixed; ddq: starting bits, default 8)' },
  { name: 'abits', type: 'int', min: 2, max: 8, default: 8, help: 'activation bits of inner layers' },
  { name: 'edge-bits', type: 'int', min: 2, max: 8, default: 8, help: 'weight and activation bits of the first and last layers' },
  { name: 'layer-bits', type: 'string', valueName: 'name=W[/A],...',
    help: 'fix chosen layers at W weight (and A activation) bits, by the names of the\nquantization report; such a layer does not learn its bits and is outside a budget' },
  { name: 'per-channel', type: 'flag', help: 'one weight level set (ddq) or step (lsq) per output channel' },
  { name: 'budget-bits', type: 'float', above: 0, max: 8, help: 'ddq: target average weight bits of the layers that learn their bits' },
  { name: 'budget-weight', type: 'float', min: 0, default: 2, help: 'ddq: weight λ of the budget penalty' },
  { name: 'budget-under', type: 'float', min: 0, default: 0.25, help: 'ddq: slope of the budget penalty under budget, relative to over budget' },
  { name: 'budget-anneal', type: 'float', min: 0, max: 1, default: 0, valueName: 'fraction', help: 'ddq: anneal the budget from 8 bits down over this fraction of the gate epochs' },
  { name: 'gate-lr', type: 'float', above: 0, default: 20, help: 'ddq: SGD learning rate of the gate logits' },
  { name: 'gate-epochs', type: 'int', min: 0, help: 'ddq: epochs during which bits are learned, then frozen (default: all but the last)' },
  { name: 'bit-fit', type: 'enum', values: ['logits', 'fisher'], default: 'logits',
    help: 'ddq: when gates freeze, settle the bits onto the budget by gate logits, or by each\nlayer\'s Fisher-weighted quantization error (docs/ddq.md item 12)' },
  { name: 'min-bits', type: 'int', min: 1, max: 8, default: 2, help: 'ddq: the fewest weight bits a layer may learn down to' },
  { name: 'ddq-alpha', type: 'float', min: 0, default: 0, help: 'ddq: gradient-correction weight α' },
  { name: 'ddq-levels', type: 'enum', values: ['int8', 'float'], default: 'int8',
    help: 'ddq, ddq-fixed: train weight levels on the int8 codebook grid the integer model\nstores them on (exact export), or as free floats' },
  { name: 'ddq-level-start', type: 'enum', values: ['fit', 'uniform'], default: 'fit',
    help: 'ddq, ddq-fixed: weight levels below 8 bits start from the Lloyd-Max levels of the\nweights (ddq: refitted when gates freeze), or from a uniform grid on ±max|w|' },
  { name: 'init', type: 'string', valueName: 'checkpoint', help: 'start from the weights of a full-precision checkpoint of the same net and data' },

  { section: 'Run', name: 'epochs', type: 'int', min: 1, default: 10, help: 'epochs to train' },
  { name: 'seed', type: 'int', min: 0, default: 1, help: 'seed of initialisation, shuffling and augmentation' },
  { name: 'out', type: 'string', valueName: 'dir', help: 'output directory for checkpoint.ddq and metrics.jsonl\n(default: runs/<net>-<dataset>)' },
  { name: 'resume', type: 'string', optionalValue: true, valueName: 'checkpoint', help: 'continue the run saved in the output directory, or in the given file' },
  { name: 'stop-after', type: 'int', min: 1, valueName: 'epochs', help: 'stop after this many epochs of this invocation (as an interruption would)' },
  { name: 'eval-every', type: 'int', min: 1, default: 1, valueName: 'epochs', help: 'evaluate on the test split after every this-many epochs (always after the last)' },
  { name: 'overwrite', type: 'flag', help: 'start a new run even if the output directory holds a checkpoint' },
  { name: 'threads', type: 'int', min: 1, max: 2, default: 1, help: 'threads to train on: 2 computes half of every batch on a worker\nthread (batch norm then sees half-batch statistics)' },
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
const SESSION_OPTIONS = new Set(['resume', 'stop-after', 'overwrite', 'threads']);
/** Saved options that --resume may change. */
const RESUMABLE_CHANGES = new Set(['epochs', 'out']);

/** The resolved settings of a run (camelCase option names), as saved in its checkpoints. */
export interface TrainSettings {
  net: string;
  width: number;
  dropout: number;
  dataset: string;
  /** 0: the whole training split. */
  trainSize: number;
  batchSize: number;
  augment: boolean;
  flip: boolean;
  optimizer: 'adamw' | 'sgd';
  lr: number;
  schedule: 'cosine' | 'step' | 'constant';
  warmup: number;
  /** Epochs of the schedule already behind this run (0: the run starts the schedule). */
  scheduleStart: number;
  decayEvery: number;
  gamma: number;
  weightDecay: number;
  momentum: number;
  epochs: number;
  seed: number;
  out: string;
  quant: 'none' | 'ddq' | 'ddq-fixed' | 'lsq';
  wbits: number;
  abits: number;
  edgeBits: number;
  perChannel: boolean;
  /** --layer-bits as given ('' for none). */
  layerBits: string;
  budgetBits: number;
  budgetWeight: number;
  budgetAnneal: number;
  budgetUnder: number;
  gateLr: number;
  gateEpochs: number;
  minBits: number;
  /** Absent in checkpoints written before the option existed: those fitted by gate logits. */
  bitFit: 'logits' | 'fisher';
  ddqAlpha: number;
  evalEvery: number;
  /** Absent in checkpoints written before the option existed: those kept the training-time averages. */
  bnReestimate: number;
  /** Absent in checkpoints written before the option existed: those never fixed batch norm. */
  bnFixedFrom: number;
  /** Absent in checkpoints written before the option existed: those trained free float levels. */
  ddqLevels: 'int8' | 'float';
  /** Absent in checkpoints written before the option existed: those started from the uniform grid. */
  ddqLevelStart: 'fit' | 'uniform';
  init: string;
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
  s.decayEvery ??= Math.max(1, Math.round(((s.epochs as number) + ((s.scheduleStart as number) ?? 0)) / 3));
  s.gamma ??= 0.1;
  s.out ??= path.join('runs', `${s.net}-${String(s.dataset).split(':')[0]}${s.quant === 'none' ? '' : `-${s.quant}`}`);
  s.wbits ??= s.quant === 'ddq' ? 8 : 4;
  s.budgetBits ??= 0;
  s.gateEpochs ??= Math.max(1, (s.epochs as number) - 1);
  s.init ??= '';
  s.layerBits ??= '';
  s.trainSize ??= 0;
  return s as TrainSettings;
}

/** Options that would have no effect are errors, not silently ignored. */
function checkRelevant(args: ParsedArgs): void {
  checkNetOptions(args.string('net'), args.float('width'), args.float('dropout'));
  const quant = args.string('quant');
  const ddqOnly = ['budget-bits', 'budget-weight', 'budget-under', 'budget-anneal', 'gate-lr', 'gate-epochs', 'ddq-alpha', 'min-bits', 'bit-fit'];
  if (quant !== 'ddq') {
    for (const name of ddqOnly) if (args.has(name)) throw new UsageError(`--${name} applies to --quant ddq only`);
  }
  for (const name of ['ddq-levels', 'ddq-level-start']) {
    if (quant !== 'ddq' && quant !== 'ddq-fixed' && args.has(name)) throw new UsageError(`--${name} applies to --quant ddq or ddq-fixed only`);
  }
  if (quant === 'none') {
    for (const name of ['wbits', 'abits', 'edge-bits', 'per-channel', 'layer-bits']) if (args.has(name)) throw new UsageError(`--${name} needs --quant ddq, ddq-fixed or lsq`);
  }
  if (quant === 'lsq' && args.has('wbits') && args.int('wbits') < 2) throw new UsageError('--wbits: lsq needs at least 2 bits');
  if (quant === 'ddq' && args.has('budget-bits') && args.float('budget-bits') < args.int('min-bits')) {
    throw new UsageError(`--budget-bits ${args.float('budget-bits')} is below --min-bits ${args.int('min-bits')}: no layer may go under the floor, so the budget cannot be met`);
  }
  if (args.has('layer-bits')) {
    const fixed = Object.entries(parseLayerBits(args.string('layer-bits')));
    const low = fixed.find(([, b]) => b.weightBits! < 2);
    if (quant === 'lsq' && low) throw new UsageError(`--layer-bits: lsq needs at least 2 weight bits (layer '${low[0]}')`);
  }
  if (args.string('optimizer') !== 'sgd' && args.has('momentum')) throw new UsageError('--momentum applies to --optimizer sgd only');
  if (args.string('schedule') !== 'step' && (args.has('decay-every') || args.has('gamma'))) {
    throw new UsageError('--decay-every and --gamma apply to --schedule step only');
  }
}

/** What runs did before these options existed (their checkpoints have no setting). */
const BEFORE_OPTION_EXISTED: Pick<TrainSettings, 'ddqLevels' | 'ddqLevelStart' | 'minBits' | 'bnReestimate' | 'bitFit' | 'bnFixedFrom'> = {
  ddqLevels: 'float', ddqLevelStart: 'uniform', minBits: 1, bnReestimate: 0, bitFit: 'logits', bnFixedFrom: 0,
};

/** Training batches whose gradients estimate the Fisher values of --bit-fit fisher. */
const FISHER_BATCHES = 32;

/** The saved settings, with the explicitly given options checked against them. */
function settingsForResume(args: ParsedArgs, saved: TrainSettings, file: string): TrainSettings {
  const given = args.all();
  // Options added after the checkpoint was written take their defaults, except those whose
  // default changed what training does: a run resumes as it started.
  const s: TrainSettings = { ...settingsFromArgs(parseArgs(TRAIN_SPEC, [])), ...BEFORE_OPTION_EXISTED, ...saved };
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

/** The model, optimizer groups and (for quantization) hooks of a run. */
export function buildRun(
  s: TrainSettings, data: DataInfo, modelRng: Rng, batchesPerEpoch: number, init?: StateDict,
  fisherLoader?: (epoch: number) => DataLoader, log?: (line: string) => void,
): RunParts {
  const model = buildNetwork(s, data, modelRng, init);
  const makeOptimizer = (params: Tensor[], weightDecay: number): Optimizer =>
    s.optimizer === 'sgd'
      ? new SGD(params, { lr: s.lr, momentum: s.momentum, weightDecay })
      : new AdamW(params, { lr: s.lr, weightDecay });
  const schedule = buildSchedule(s, batchesPerEpoch);
  if ((s.quant ?? 'none') === 'none') {
    return { model, groups: [{ name: 'weights', optimizer: makeOptimizer(model.parameters(), s.weightDecay), schedule }] };
  }
  const qat: QatOptions = {
    makeOptimizer,
    schedule,
    weightDecay: s.weightDecay,
    gateLr: s.gateLr,
    gateEpochs: s.quant === 'ddq' ? s.gateEpochs : Infinity,
    refitLevels: s.ddqLevelStart === 'fit',
    log,
    fisher: s.quant === 'ddq' && s.bitFit === 'fisher'
      ? (epoch) => {
        if (!fisherLoader) throw new Error('buildRun: --bit-fit fisher needs training batches');
        return weightFisher(model, fisherLoader(epoch), FISHER_BATCHES);
      }
      : undefined,
    budget: s.quant === 'ddq' && s.budgetBits > 0
      ? { kind: 'memory', target: s.budgetBits, weight: s.budgetWeight, under: s.budgetUnder ?? 0.25, from: 8, annealSteps: Math.round(s.budgetAnneal * s.gateEpochs * batchesPerEpoch) }
      : undefined,
  };
  return { model, groups: qatGroups(model, qat), hooks: qatHooks(model, qat) };
}

export function buildSchedule(s: TrainSettings, batchesPerEpoch: number): Schedule {
  const skipped = (s.scheduleStart ?? 0) * batchesPerEpoch;
  const total = skipped + s.epochs * batchesPerEpoch;
  const base =
    s.schedule === 'cosine' ? schedules.cosine(s.lr, total)
    : s.schedule === 'step' ? schedules.stepDecay(s.lr, s.decayEvery * batchesPerEpoch, s.gamma)
    : schedules.constant(s.lr);
  const warmup = Math.round(s.warmup * batchesPerEpoch);
  const whole = warmup > 0 ? schedules.linearWarmup(warmup, base) : base;
  return skipped > 0 ? (step) => whole(skipped + step) : whole;
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
  const whole = loadData(settings.dataset, io);
  const pair = runData(whole, settings);
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
  // --init: full-precision weights of the same net and data (only for a new run; a resumed run
  // has them in its checkpoint already).
  let init: StateDict | undefined;
  if (settings.init && !checkpoint) init = initWeights(settings, data);
  // The Fisher bit fit draws its batches as the re-estimation does.
  const unaugmented = (epoch: number) => new DataLoader(pair.train, { batchSize: settings.batchSize, seed: reestimateSeed(settings.seed, epoch), reuseBuffers: true });
  const run = buildRun(settings, data, modelRng, train.batchesPerEpoch, init, unaugmented, (line) => io.out.write(line));
  const config: TrainConfig = { command: 'train', settings, data };
  const threads = args.int('threads');
  const worker = threads > 1
    ? new GradientWorker({ module: require.resolve('./build-model'), exportName: 'buildReplica', args: { settings, data } satisfies ReplicaArgs })
    : undefined;
  // Batch-norm re-estimation draws its own batches: unaugmented, reshuffled by a seed that is a
  // function of the run's seed and the epoch only, so a resumed run re-estimates identically.
  const batchNormReestimate = settings.bnReestimate > 0
    ? { batches: settings.bnReestimate, loader: unaugmented }
    : undefined;
  const fixBatchNormFrom = settings.bnFixedFrom > 0 ? settings.bnFixedFrom : undefined;
  const trainer = new Trainer({ ...run, train, test, evalEvery: settings.evalEvery ?? 1, epochs: settings.epochs, outDir: settings.out, config, out: io.out, worker, batchNormReestimate, fixBatchNormFrom });

  io.out.write(
    `ddq train: ${settings.net} (${run.model.parameterCount().toLocaleString('en-US')} parameters), ` +
      `${settings.optimizer} lr ${settings.lr} ${settings.schedule}, batch ${settings.batchSize}, seed ${settings.seed}\n` +
      `  ${describe(pair.train)}\n  ${describe(pair.test)}\n  output: ${settings.out}\n`,
  );
  if (settings.quant === 'ddq' && settings.budgetBits === settings.minBits) {
    io.out.write(`  note: --budget-bits equals --min-bits (${settings.minBits}), so every layer that learns its bits ends at exactly ${settings.minBits};\n` +
      `  a lower --min-bits lets bits move between layers (with --bit-fit fisher for low budgets, docs/ddq.md item 12)\n`);
  }
  if (checkpoint) {
    trainer.restore(checkpoint);
    io.out.write(`  resuming ${resumeFile} at epoch ${trainer.epoch}/${settings.epochs} (step ${trainer.step})\n`);
    if (trainer.epoch === settings.epochs) {
      io.out.write('  the run is already complete\n');
      return 0;
    }
  }

  // 3. Train.
  let history;
  try {
    history = trainer.fit({ stopAfter: args.has('stop-after') ? args.int('stop-after') : undefined });
  } finally {
    worker?.close();
  }
  const last = history[history.length - 1];
  if (settings.quant !== 'none') writeQuantReport(run.model, settings.out, io);
  if (trainer.epoch < settings.epochs) {
    io.out.write(`stopped after epoch ${trainer.epoch} of ${settings.epochs} (--stop-after); continue with: ddq train --resume --out ${settings.out}\n`);
  } else if (last?.testAccuracy !== undefined) {
    io.out.write(`done: test accuracy ${(100 * last.testAccuracy).toFixed(2)}% after ${trainer.epoch} epoch${trainer.epoch === 1 ? '' : 's'}; checkpoint ${trainer.checkpointFile}\n`);
  }
  return 0;
}

/** The data a run trains on: the whole training split, or its seeded class-balanced subset (--train-size). */
export function runData(whole: DatasetPair, s: Pick<TrainSettings, 'trainSize' | 'seed'>): DatasetPair {
  return s.trainSize > 0 ? { ...whole, train: balancedSubset(whole.train, s.trainSize, s.seed) } : whole;
}

/** The shuffling seed of an epoch's unaugmented batches (batch-norm re-estimation, the Fisher bit fit). */
export function reestimateSeed(seed: number, epoch: number): number {
  return (seed * 1009 + epoch * 7919 + 17) % 2147483647;
}

/** Full-precision weights for --init, checked to come from the same net and data. */
function initWeights(s: TrainSettings, data: DataInfo): StateDict {
  const ckpt = loadCheckpoint(s.init);
  const saved = trainState(ckpt).config as TrainConfig | null;
  if (saved?.command !== 'train') throw new Error(`--init ${s.init}: not a checkpoint written by ddq train`);
  if (saved.settings.quant && saved.settings.quant !== 'none') throw new Error(`--init ${s.init}: a quantized run (${saved.settings.quant}); --init takes full-precision weights`);
  if (saved.settings.net !== s.net || saved.settings.width !== s.width || saved.settings.dropout !== s.dropout) {
    throw new Error(`--init ${s.init}: trained ${saved.settings.net} (width ${saved.settings.width}), this run builds ${s.net} (width ${s.width})`);
  }
  if (JSON.stringify(saved.data) !== JSON.stringify(data)) throw new Error(`--init ${s.init}: trained on other data (${JSON.stringify(saved.data)})`);
  return modelTensors(ckpt);
}

/** The per-layer table on stdout; table, JSON and figures in the output directory. */
export function writeQuantReport(model: Module, outDir: string, io: CliIo): void {
  const report = quantReport(model);
  const table = formatQuantReport(report);
  io.out.write(`\n${table}\n`);
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'quant-report.txt'), table + '\n');
  fs.writeFileSync(path.join(outDir, 'quant-report.json'), JSON.stringify(report, null, 1) + '\n');
  fs.writeFileSync(path.join(outDir, 'bits-per-layer.svg'), bitsPerLayerSvg(report));
  // The learned levels of the layer with the most weights among those at the lowest bitwidth.
  const inner = report.layers.slice(1, -1);
  const pick = (inner.length ? inner : report.layers).reduce((a, b) => (b.weightBits < a.weightBits || (b.weightBits === a.weightBits && b.params > a.params) ? b : a));
  fs.writeFileSync(path.join(outDir, 'levels.svg'), levelsSvg(model, pick.name));
  io.out.write(`report: ${path.join(outDir, 'quant-report.txt')}, figures: bits-per-layer.svg, levels.svg (layer ${pick.name})\n`);
}

export const trainCommand: Command = { spec: TRAIN_SPEC, run: runTrain };
