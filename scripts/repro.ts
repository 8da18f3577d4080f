// `npm run repro -- --dataset mnist|fashion [--seeds N] [--jobs J] [--net lenet5|mobilenetv2:0.35]
// [--train-size N] [--fp-epochs N] [--quant-epochs N] [--schedule restart|continue]
// [--bn-fixed-from E] [--only a,b] [--out dir] [--table name]`:
// the reproduction table. With one net (LeNet-5 unless --net says otherwise), one schedule and the same seeds for every method: full precision; LSQ W8A8,
// W4A4, W3A3, W3A4, W2A4; DDQ with bits fixed (W4A8, and W3A4, W2A4 beside LSQ); DDQ learning mixed precision under average
// weight budgets of 4, 3 and 2 bits, with 8- and 4-bit activations. Every quantized run starts
// from the same full-precision checkpoint (per seed) and trains for the same number of epochs;
// the full-precision row trains for the same total. Two schedules: `restart` (the default) ends
// the full-precision start with its own complete learning-rate schedule and gives each quantized
// run a fresh one; `continue` lays one schedule over all epochs, stops the full-precision start
// part way (--stop-after), and every row (full precision too, by --resume) trains the remaining
// epochs on the rest of that schedule, so rows differ in the method only. With --bn-fixed-from E
// every quantized row trains with fixed batch-norm statistics from its epoch E on
// (src/train/fixed-batch-norm.ts); the full-precision rows are unchanged. Results (mean and spread over seeds,
// average weight bits, model size, BitOPs) go to bench/results/repro-<dataset>[-<net>].md.
//
// Each run is a `ddq train` command in its own process (J at a time, one per core by default);
// completed runs are reused, so an interrupted table continues where it stopped.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn } from 'child_process';
import { loadCheckpoint } from '../src/io/checkpoint';
import { modelTensors, trainState } from '../src/train/trainer';
import type { TrainConfig } from '../src/cli/train-command';
import { buildNetwork } from '../src/cli/build-model';
import { modelResources } from '../src/quant/resources';
import { Rng } from '../src/tensor/rng';
import { markdownTable, machineLine } from '../bench/harness';

export interface ReproOptions {
  dataset: string;
  seeds: number;
  jobs: number;
  /** Shared by every run. */
  net: string[];
  fpEpochs: number;
  quantEpochs: number;
  /** How the quantized epochs follow the full-precision ones (see the file comment). */
  schedule: 'restart' | 'continue';
  /** Quantized rows: the epoch of their training from which batch norm keeps fixed statistics (0: never). */
  bnFixedFrom?: number;
  /** Training images per epoch (a seeded class-balanced subset, the same for every run); 0: all. */
  trainSize: number;
  /** DDQ: epochs with bits learning (the rest frozen) and the budget annealing fraction. */
  gateEpochs: number;
  anneal: number;
  out: string;
  /** Restrict to these config names (for quick runs and tests). */
  only?: string[];
  /** The results file's name in bench/results, without .md (default: repro-<basename of out>). */
  table?: string;
}

export interface ReproConfig {
  name: string;
  label: string;
  wa: string;
  args: string[];
}

// Schedules sized so a whole table (19 methods) runs in about an hour on 2 cores with LeNet-5
// (~600 images/s full precision, ~400 with DDQ, on this machine).
export const DATASET_DEFAULTS: Record<string, Partial<ReproOptions>> = {
  mnist: { fpEpochs: 3, quantEpochs: 2, gateEpochs: 1 },
  fashion: { fpEpochs: 4, quantEpochs: 2, gateEpochs: 1 },
};

/** `--net lenet5` or `--net mobilenetv2:0.35` (a name and an optional width multiplier). */
export function netArgs(spec: string): string[] {
  const [name, width, extra] = spec.split(':');
  if (!['mlp', 'lenet5', 'mobilenetv2', 'resnet20'].includes(name) || extra !== undefined) {
    throw new Error(`repro: --net must be mlp, lenet5, mobilenetv2 or resnet20, optionally with :<width>, got ${spec}`);
  }
  if (width === undefined) return ['--net', name];
  if (!(Number(width) > 0)) throw new Error(`repro: --net ${spec}: the width multiplier must be a positive number`);
  return ['--net', name, '--width', width];
}

export function reproConfigs(o: ReproOptions): ReproConfig[] {
  const ddq = (budget: number, abits: number): ReproConfig => ({
    name: `ddq-b${budget}-a${abits}`,
    label: `DDQ mixed, budget ${budget} bits`,
    wa: `~${budget}/${abits}`,
    args: ['--quant', 'ddq', '--budget-bits', String(budget), '--abits', String(abits), '--gate-epochs', String(o.gateEpochs),
      // Low budgets as in docs/ddq.md item 9: annealed target, symmetric penalty, gate lr 10.
      ...(budget <= 2 ? ['--budget-anneal', String(o.anneal), '--budget-under', '1', '--gate-lr', '10'] : [])],
  });
  // The same, with the bits settled by Fisher-weighted quantization error when the gates freeze
  // (docs/ddq.md item 12). The floor stays 2 bits unless that is the budget itself, which would
  // leave no bit to move: a 2-bit budget gets a 1-bit floor.
  const ddqFisher = (budget: number, abits: number): ReproConfig => {
    const base = ddq(budget, abits);
    return {
      name: `ddq-fisher-b${budget}-a${abits}`, label: `DDQ mixed, Fisher fit, budget ${budget} bits`, wa: base.wa,
      args: [...base.args, '--bit-fit', 'fisher', ...(budget <= 2 ? ['--min-bits', '1'] : [])],
    };
  };
  // The same, with every learned layer's gates starting at the budget (Lloyd-Max levels at that
  // many bits) instead of at 8 bits: the weights train at about the bits they end with, and the
  // gates only move bits between layers.
  const ddqFromBudget = (budget: number, abits: number): ReproConfig => {
    const base = ddq(budget, abits);
    return { name: `${base.name}-from${budget}`, label: `DDQ mixed, gates from ${budget} bits, budget ${budget} bits`, wa: base.wa, args: [...base.args, '--wbits', String(budget)] };
  };
  const lsq = (w: number, a: number): ReproConfig => ({ name: `lsq-w${w}a${a}`, label: 'LSQ', wa: `${w}/${a}`, args: ['--quant', 'lsq', '--wbits', String(w), '--abits', String(a)] });
  const fixed = (w: number, a: number): ReproConfig => ({
    name: `ddq-fixed-w${w}a${a}`, label: 'DDQ fixed (gates frozen)', wa: `${w}/${a}`, args: ['--quant', 'ddq-fixed', '--wbits', String(w), '--abits', String(a)],
  });
  const all: ReproConfig[] = [
    { name: 'fp', label: 'full precision', wa: '32/32', args: [] },
    lsq(8, 8), lsq(4, 4), lsq(3, 3), lsq(3, 4), lsq(2, 4),
    fixed(4, 8), fixed(3, 4), fixed(2, 4),
    ddq(4, 8), ddq(3, 8), ddq(2, 8), ddq(4, 4), ddq(3, 4), ddq(2, 4),
    ddqFisher(3, 8), ddqFisher(2, 8), ddqFisher(3, 4), ddqFisher(2, 4),
    ddqFromBudget(4, 8),
  ];
  return o.only ? all.filter((c) => o.only!.includes(c.name)) : all;
}

/** Runs a ddq command; the default spawns `node bin/ddq.js`, tests pass an in-process runner. */
export type CommandRunner = (argv: string[], log: string) => Promise<void>;

export const spawnRunner: CommandRunner = (argv, log) =>
  new Promise((resolve, reject) => {
    fs.mkdirSync(path.dirname(log), { recursive: true });
    const out = fs.openSync(log, 'w');
    const child = spawn(process.execPath, [path.join(__dirname, '..', 'bin', 'ddq.js'), ...argv], { stdio: ['ignore', out, out] });
    child.on('exit', (code) => {
      fs.closeSync(out);
      if (code === 0) resolve();
      else reject(new Error(`ddq ${argv.join(' ')} failed (exit ${code}); see ${log}`));
    });
  });

/** What a finished run's checkpoint must show: epochs done, the schedule's length and start, when batch norm was fixed. */
interface Expected {
  done: number;
  epochs: number;
  scheduleStart: number;
  bnFixedFrom: number;
}

function complete(dir: string, want: Expected): boolean {
  try {
    const s = trainState(loadCheckpoint(path.join(dir, 'checkpoint.ddq')));
    const settings = (s.config as TrainConfig).settings;
    return s.epoch >= want.done && settings.epochs === want.epochs && (settings.scheduleStart ?? 0) === want.scheduleStart &&
      (settings.bnFixedFrom ?? 0) === want.bnFixedFrom;
  } catch {
    return false;
  }
}

/** Run `tasks` at most `jobs` at a time. */
async function pool(tasks: (() => Promise<void>)[], jobs: number): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(jobs, tasks.length) }, async () => {
    while (next < tasks.length) await tasks[next++]();
  });
  await Promise.all(lanes);
}

export interface ReproResult {
  config: ReproConfig;
  accuracies: number[];
  averageWeightBits: number;
  sizeBytes: number;
  bitOps: number;
}

export async function runRepro(o: ReproOptions, run: CommandRunner = spawnRunner, say: (s: string) => void = (s) => process.stdout.write(s)): Promise<ReproResult[]> {
  const configs = reproConfigs(o);
  const dirOf = (seed: number, name: string) => path.join(o.out, `seed${seed}`, name);
  const base = (seed: number) => [...o.net, '--dataset', o.dataset, '--seed', String(seed), ...(o.trainSize > 0 ? ['--train-size', String(o.trainSize)] : [])];
  const total = o.fpEpochs + o.quantEpochs;
  const cont = o.schedule === 'continue';
  const startOf = (seed: number) => path.join(dirOf(seed, 'fp-init'), 'checkpoint.ddq');
  // The full-precision start; with `continue`, the first fpEpochs of the whole schedule.
  const initCommand = (seed: number) =>
    ['train', ...base(seed), '--epochs', String(cont ? total : o.fpEpochs), ...(cont ? ['--stop-after', String(o.fpEpochs)] : ['--eval-every', String(o.fpEpochs)]),
      '--out', dirOf(seed, 'fp-init'), '--overwrite'];
  const initExpected: Expected = { done: o.fpEpochs, epochs: cont ? total : o.fpEpochs, scheduleStart: 0, bnFixedFrom: 0 };
  const bnFixedFrom = o.bnFixedFrom ?? 0;
  const command = (seed: number, c: ReproConfig): string[] =>
    c.name === 'fp'
      ? (cont
        ? ['train', '--resume', startOf(seed), '--out', dirOf(seed, c.name)]
        : ['train', ...base(seed), '--epochs', String(total), '--out', dirOf(seed, c.name), '--overwrite'])
      : ['train', ...base(seed), ...c.args, '--epochs', String(o.quantEpochs), ...(cont ? ['--schedule-start', String(o.fpEpochs)] : []),
        ...(bnFixedFrom > 0 ? ['--bn-fixed-from', String(bnFixedFrom)] : []), '--init', startOf(seed), '--out', dirOf(seed, c.name), '--overwrite'];
  const expected = (c: ReproConfig): Expected =>
    c.name === 'fp'
      ? { done: total, epochs: total, scheduleStart: 0, bnFixedFrom: 0 }
      : { done: o.quantEpochs, epochs: o.quantEpochs, scheduleStart: cont ? o.fpEpochs : 0, bnFixedFrom };
  const task = (argv: string[], dir: string, want: Expected) => async () => {
    if (complete(dir, want)) return say(`reusing ${dir}\n`);
    say(`running: ddq ${argv.join(' ')}\n`);
    const t0 = Date.now();
    await run(argv, path.join(dir, 'log.txt'));
    say(`done in ${((Date.now() - t0) / 60000).toFixed(1)} min: ${dir}\n`);
  };
  const seeds = Array.from({ length: o.seeds }, (_, i) => i + 1);
  // 1. The shared full-precision starting points.
  await pool(seeds.map((seed) => task(initCommand(seed), dirOf(seed, 'fp-init'), initExpected)), o.jobs);
  // 2. Every method from them (and the full-precision row, trained for the same total).
  await pool(seeds.flatMap((seed) => configs.map((c) => task(command(seed, c), dirOf(seed, c.name), expected(c)))), o.jobs);
  // 3. Collect.
  return configs.map((config) => {
    const accuracies = seeds.map((seed) => {
      const h = trainState(loadCheckpoint(path.join(dirOf(seed, config.name), 'checkpoint.ddq'))).history;
      return h[h.length - 1].testAccuracy ?? NaN;
    });
    const ckpt = loadCheckpoint(path.join(dirOf(1, config.name), 'checkpoint.ddq'));
    const cfg = trainState(ckpt).config as TrainConfig;
    const model = buildNetwork(cfg.settings, cfg.data, new Rng(0));
    model.loadStateDict(modelTensors(ckpt));
    const r = modelResources(model);
    const fp = config.name === 'fp';
    return {
      config,
      accuracies,
      averageWeightBits: fp ? 32 : r.averageWeightBits,
      sizeBytes: fp ? r.fp32Bytes : r.sizeBytes,
      bitOps: fp ? NaN : r.bitOps,
    };
  });
}

export function reproTable(o: ReproOptions, results: ReproResult[]): string {
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const pct = (v: number) => (100 * v).toFixed(2);
  const rows = results.map((r) => {
    const m = mean(r.accuracies);
    const spread = r.accuracies.length > 1 ? ` ± ${(100 * Math.sqrt(mean(r.accuracies.map((a) => (a - m) ** 2)))).toFixed(2)}` : '';
    return [r.config.label, r.config.wa, `${pct(m)}${spread}`, r.averageWeightBits === 32 ? '32' : r.averageWeightBits.toFixed(2),
      `${(r.sizeBytes / 1024).toFixed(1)} KiB`, Number.isNaN(r.bitOps) ? '-' : `${(r.bitOps / 1e9).toFixed(3)} G`];
  });
  const total = o.fpEpochs + o.quantEpochs;
  const ddq = `(DDQ: bits learned for ${o.gateEpochs}, then frozen; 2-bit budgets anneal the target from 8 bits over ${o.anneal} of that)`;
  return [
    `Data set: ${o.dataset}${o.trainSize > 0 ? ` (training on a class-balanced subset of ${o.trainSize} images per seed)` : ''}; net: ${o.net.join(' ')}; seeds 1..${o.seeds} (accuracy: mean ± standard deviation over seeds).`,
    (o.schedule === 'continue'
      ? `Schedule: one ${total}-epoch learning-rate schedule for every row; its first ${o.fpEpochs} epochs full precision, shared by every row,` +
        ` then the last ${o.quantEpochs} with each method (the full-precision row resumes its run; quantized rows start their optimizers afresh from the epoch-${o.fpEpochs} weights) ${ddq}.`
      : `Schedule: ${o.fpEpochs} full-precision epochs shared by every quantized run, then ${o.quantEpochs} epochs of quantization-aware training on a schedule of their own` +
        ` ${ddq}; the full-precision row trains ${total} epochs on one schedule.`) +
      ((o.bnFixedFrom ?? 0) > 0 ? ` Quantized runs train with fixed batch-norm statistics from their epoch ${o.bnFixedFrom} on.` : '') +
      ' First and last layers at 8 bits for every quantized method;' +
      ' average weight bits and sizes count all quantized layers, biases and batch norm at 32 bits.',
    '',
    markdownTable(['method', 'W/A bits', 'test accuracy %', 'avg weight bits', 'model size', 'BitOPs'], rows),
  ].join('\n');
}

/** The results file's name in bench/results, without .md. */
export function resultsName(o: ReproOptions): string {
  return o.table ?? `repro-${path.basename(o.out)}`;
}

export function parseReproArgs(argv: string[]): ReproOptions {
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  for (const a of argv) {
    if (a.startsWith('--') && !['--dataset', '--seeds', '--jobs', '--only', '--out', '--net', '--train-size', '--fp-epochs', '--quant-epochs', '--schedule', '--bn-fixed-from', '--table'].includes(a)) {
      throw new Error(`repro: unknown option ${a} (use --dataset mnist|fashion, --seeds N, --jobs J, --net name[:width], --train-size N, --fp-epochs N, --quant-epochs N, --schedule restart|continue, --bn-fixed-from E, --only a,b, --out dir, --table name)`);
    }
  }
  const dataset = get('dataset') ?? 'mnist';
  const defaults = DATASET_DEFAULTS[dataset];
  if (!defaults) throw new Error(`repro: --dataset must be one of ${Object.keys(DATASET_DEFAULTS).join(', ')}, got ${dataset}`);
  const seeds = Number(get('seeds') ?? 1);
  const jobs = Number(get('jobs') ?? Math.min(2, os.cpus().length));
  if (!Number.isInteger(seeds) || seeds < 1) throw new Error(`repro: --seeds must be a positive integer, got ${get('seeds')}`);
  if (!Number.isInteger(Number(get('train-size') ?? 0)) || Number(get('train-size') ?? 0) < 0) throw new Error(`repro: --train-size must be a whole number of images, got ${get('train-size')}`);
  const epochs = (name: string, fallback: number) => {
    const n = Number(get(name) ?? fallback);
    if (!Number.isInteger(n) || n < 1) throw new Error(`repro: --${name} must be a positive integer, got ${get(name)}`);
    return n;
  };
  const fpEpochs = epochs('fp-epochs', defaults.fpEpochs!);
  const quantEpochs = epochs('quant-epochs', defaults.quantEpochs!);
  const schedule = get('schedule') ?? 'restart';
  if (schedule !== 'restart' && schedule !== 'continue') throw new Error(`repro: --schedule must be restart or continue, got ${schedule}`);
  const bnFixedFrom = Number(get('bn-fixed-from') ?? 0);
  if (!Number.isInteger(bnFixedFrom) || bnFixedFrom < 0 || bnFixedFrom > quantEpochs) {
    throw new Error(`repro: --bn-fixed-from must be an epoch of the quantized runs, 1..${quantEpochs} (0: never), got ${get('bn-fixed-from')}`);
  }
  if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`repro: --jobs must be a positive integer, got ${get('jobs')}`);
  return {
    dataset,
    seeds,
    jobs,
    net: netArgs(get('net') ?? 'lenet5'),
    trainSize: Number(get('train-size') ?? 0),
    fpEpochs,
    quantEpochs,
    schedule,
    bnFixedFrom,
    gateEpochs: defaults.gateEpochs!,
    anneal: 0.7,
    // Runs of other schedules go to other directories (a run is reused only if its schedule matches).
    out: get('out') ?? path.join('runs', 'repro', dataset + (get('net') ? '-' + get('net')!.replace(':', '-') : '') + (get('train-size') ? `-${get('train-size')}` : '') +
      (get('fp-epochs') || get('quant-epochs') ? `-e${fpEpochs}+${quantEpochs}` : '') +
      (schedule === 'continue' ? '-continue' : '') + (bnFixedFrom > 0 ? `-bnfixed${bnFixedFrom}` : '')),
    only: get('only')?.split(','),
    table: get('table'),
  };
}

async function main(): Promise<void> {
  const o = parseReproArgs(process.argv.slice(2));
  const results = await runRepro(o);
  const table = reproTable(o, results);
  const file = path.join(__dirname, '..', 'bench', 'results', `${resultsName(o)}.md`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file + '.tmp', `# Reproduction table: ${o.dataset}\n\n${machineLine()}\n\n${table}\n`);
  fs.renameSync(file + '.tmp', file);
  process.stdout.write(`\n${table}\n\nwritten to ${path.relative(process.cwd(), file)}\n`);
}

if (require.main === module) {
  main().catch((err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 1;
  });
}
