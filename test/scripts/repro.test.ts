// The reproduction script on a tiny problem: runs go through the ddq command (in-process
// here), every quantized run starts from the shared full-precision checkpoint of its seed, the
// table reads accuracies and sizes from the checkpoints, and completed runs are reused.
import t from 'tap';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../src/cli/main';
import { loadCheckpoint } from '../../src/io/checkpoint';
import { trainState } from '../../src/train/trainer';
import { reproConfigs, reproTable, runRepro, netArgs, parseReproArgs, resultsName, ReproOptions, CommandRunner } from '../../scripts/repro';

/** Runs ddq commands in this process, recording each command line. */
function inProcess(commands: string[]): CommandRunner {
  return async (argv) => {
    commands.push(argv.join(' '));
    const sink = { write: () => true };
    const code = await main(argv, { out: sink, err: sink });
    if (code !== 0) throw new Error(`failed: ${argv.join(' ')}`);
  };
}

t.test('tiny reproduction table', async (t) => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'ddq-repro-'));
  t.teardown(() => fs.rmSync(out, { recursive: true, force: true }));
  const o: ReproOptions = {
    dataset: 'synthetic:64,32', seeds: 2, jobs: 1, net: ['--net', 'mlp', '--width', '0.125', '--batch-size', '32'],
    fpEpochs: 1, quantEpochs: 1, schedule: 'restart', trainSize: 48, gateEpochs: 1, anneal: 0.5, out, only: ['fp', 'lsq-w4a4', 'ddq-b2-a8'],
  };
  t.same(reproConfigs({ ...o, only: undefined }).map((c) => c.name), [
    'fp', 'lsq-w8a8', 'lsq-w4a4', 'lsq-w3a3', 'lsq-w3a4', 'lsq-w2a4', 'ddq-fixed-w4a8', 'ddq-fixed-w3a4', 'ddq-fixed-w2a4',
    'ddq-b4-a8', 'ddq-b3-a8', 'ddq-b2-a8', 'ddq-b4-a4', 'ddq-b3-a4', 'ddq-b2-a4',
    'ddq-fisher-b3-a8', 'ddq-fisher-b2-a8', 'ddq-fisher-b3-a4', 'ddq-fisher-b2-a4', 'ddq-b4-a8-from4',
  ]);
  t.match(reproConfigs({ ...o, only: ['ddq-b4-a8-from4'] })[0].args.join(' '), /^--quant ddq --budget-bits 4 --abits 8 .*--wbits 4$/, 'gates start at the budget');
  const commands: string[] = [];
  const run = inProcess(commands);
  let log = '';
  const results = await runRepro(o, run, (s) => (log += s));
  t.equal(commands.length, 2 + 2 * 3, 'two full-precision starts, then three methods per seed');
  t.ok(commands.filter((c) => c.includes('--quant')).every((c) => /--init \S+seed\d\/fp-init\/checkpoint\.ddq/.test(c)), 'quantized runs start from fp-init');
  t.match(commands.find((c) => c.includes('ddq-b2-a8'))!, /--budget-bits 2 --abits 8 --gate-epochs 1 --budget-anneal 0.5 --budget-under 1 --gate-lr 10/);
  t.match(commands.find((c) => c.includes(`${path.sep}fp `) || c.endsWith(`${path.sep}fp --overwrite`))!, /--epochs 2/, 'full precision trains the same total');
  t.ok(commands.every((c) => c.includes('--train-size 48')), 'every run trains on the same subset size');
  t.match(commands[0], /--epochs 1 --eval-every 1 /, 'the full-precision start is evaluated once, at its end');
  t.equal(results.length, 3);
  for (const r of results) t.equal(r.accuracies.length, 2);
  t.equal(results[0].averageWeightBits, 32);
  t.ok(results[1].averageWeightBits > 4 && results[1].averageWeightBits < 8, 'LSQ W4 with 8-bit edges');
  const table = reproTable(o, results);
  t.match(table, /\| LSQ \| 4\/4 \| [\d.]+ ± [\d.]+ \|/);
  t.match(table, /\| DDQ mixed, budget 2 bits \| ~2\/8 \|/);
  t.match(table, /class-balanced subset of 48 images/);
  const again: string[] = [];
  await runRepro(o, async (argv) => void again.push(argv.join(' ')), () => undefined);
  t.equal(again.length, 0, 'completed runs are reused');
});

t.test('--schedule continue: one schedule, every row trains its last epochs from the shared start', async (t) => {
  const out = t.testdir();
  const o: ReproOptions = {
    dataset: 'synthetic:64,32', seeds: 1, jobs: 1, net: ['--net', 'mlp', '--width', '0.125', '--batch-size', '32'],
    fpEpochs: 2, quantEpochs: 1, schedule: 'continue', trainSize: 48, gateEpochs: 1, anneal: 0.5, out, only: ['fp', 'lsq-w4a4'],
  };
  const commands: string[] = [];
  const run = inProcess(commands);
  // A restart-schedule start in the same place is not taken for this schedule's.
  await run(['train', ...o.net, '--dataset', o.dataset, '--seed', '1', '--train-size', '48', '--epochs', '2', '--out', path.join(out, 'seed1', 'fp-init')], '');
  commands.length = 0;
  const results = await runRepro(o, run, () => undefined);
  t.equal(commands.length, 3, 'the start, then two rows');
  t.match(commands[0], /--epochs 3 --stop-after 2 /, 'the start stops two epochs into a three-epoch schedule');
  t.match(commands[1], /^train --resume \S+seed1\/fp-init\/checkpoint\.ddq --out \S+seed1\/fp$/, 'full precision resumes the start');
  t.match(commands[2], /--epochs 1 --schedule-start 2 --init \S+seed1\/fp-init\/checkpoint\.ddq/, 'quantized rows continue the schedule');
  // The full-precision row is the uninterrupted run, bit for bit.
  await run(['train', ...o.net, '--dataset', o.dataset, '--seed', '1', '--train-size', '48', '--epochs', '3', '--out', path.join(out, 'whole')], '');
  const tensors = (dir: string) => [...loadCheckpoint(path.join(out, dir, 'checkpoint.ddq')).tensors.values()].map((x) => Array.from(x.data));
  t.same(tensors(path.join('seed1', 'fp')), tensors('whole'));
  t.equal(results[0].accuracies[0], trainState(loadCheckpoint(path.join(out, 'whole', 'checkpoint.ddq'))).history[2].testAccuracy);
  t.match(reproTable(o, results), /one 3-epoch learning-rate schedule for every row; its first 2 epochs full precision/);
  const again: string[] = [];
  await runRepro(o, async (argv) => void again.push(argv.join(' ')), () => undefined);
  t.equal(again.length, 0, 'completed runs are reused');
  t.throws(() => parseReproArgs(['--schedule', 'cyclic']), /--schedule must be restart or continue, got cyclic/);
});

t.test('repro --net: name with optional width, bad specs rejected by name', async (t) => {
  t.same(netArgs('lenet5'), ['--net', 'lenet5']);
  t.same(netArgs('mobilenetv2:0.35'), ['--net', 'mobilenetv2', '--width', '0.35']);
  t.throws(() => netArgs('vgg'), /--net must be/);
  t.throws(() => netArgs('mobilenetv2:x'), /width multiplier/);
  t.throws(() => netArgs('mobilenetv2:1:2'), /--net must be/);
});

t.test('repro arguments: the results file name follows --out unless --table names it', async (tt) => {
  const o = parseReproArgs(['--dataset', 'fashion', '--train-size', '30000', '--seeds', '3', '--only', 'fp,lsq-w2a4']);
  tt.same([o.seeds, o.trainSize, o.only], [3, 30000, ['fp', 'lsq-w2a4']]);
  tt.equal(resultsName(o), 'repro-fashion-30000');
  tt.equal(resultsName(parseReproArgs(['--dataset', 'fashion', '--table', 'repro-fashion-3seeds'])), 'repro-fashion-3seeds');
  tt.throws(() => parseReproArgs(['--dataset', 'fashion', '--tables', 'x']), /unknown option --tables/);
  const long = parseReproArgs(['--dataset', 'fashion', '--fp-epochs', '10', '--schedule', 'continue']);
  tt.same([long.fpEpochs, long.quantEpochs, long.schedule], [10, 2, 'continue']);
  tt.equal(resultsName(long), 'repro-fashion-e10+2-continue', 'another schedule, another directory');
  tt.throws(() => parseReproArgs(['--quant-epochs', '0']), /--quant-epochs must be a positive integer, got 0/);
  const fixed = parseReproArgs(['--dataset', 'fashion', '--fp-epochs', '8', '--bn-fixed-from', '2']);
  tt.equal(fixed.bnFixedFrom, 2);
  tt.equal(resultsName(fixed), 'repro-fashion-e8+2-bnfixed2', 'its own directory');
  tt.equal(parseReproArgs(['--dataset', 'fashion']).bnFixedFrom, 0, 'never by default');
  tt.throws(() => parseReproArgs(['--dataset', 'fashion', '--bn-fixed-from', '3']), /--bn-fixed-from must be an epoch of the quantized runs, 1..2 \(0: never\), got 3/);
  tt.throws(() => parseReproArgs(['--bn-fixed-from', '-1']), /--bn-fixed-from must be an epoch/);
});

t.test('--bn-fixed-from: quantized rows only, and a run without it is not reused for it', async (t) => {
  const out = t.testdir();
  const o: ReproOptions = {
    dataset: 'synthetic:64,32', seeds: 1, jobs: 1, net: ['--net', 'mobilenetv2', '--width', '0.1', '--batch-size', '16', '--bn-reestimate', '2'],
    fpEpochs: 1, quantEpochs: 2, schedule: 'restart', trainSize: 32, gateEpochs: 1, anneal: 0.5, out, only: ['fp', 'lsq-w4a4'],
  };
  const commands: string[] = [];
  const run = inProcess(commands);
  await runRepro(o, run, () => undefined);
  t.notOk(commands.some((c) => c.includes(' --bn-fixed-from ')), 'not without the option');
  commands.length = 0;
  const results = await runRepro({ ...o, bnFixedFrom: 2 }, run, () => undefined);
  t.equal(commands.length, 1, 'the start and the full-precision row are reused, the quantized row is not');
  t.match(commands[0], /--quant lsq .*--bn-fixed-from 2 --init /);
  t.match(reproTable({ ...o, bnFixedFrom: 2 }, results), /Quantized runs train with fixed batch-norm statistics from their epoch 2 on\./);
  const again: string[] = [];
  await runRepro({ ...o, bnFixedFrom: 2 }, async (argv) => void again.push(argv.join(' ')), () => undefined);
  t.equal(again.length, 0, 'then reused');
});
