// The `ddq` command end to end, in-process (main(argv, io)): help texts, rejected options and
// values, train -> eval, --stop-after + --resume giving the uninterrupted run's exact weights,
// --init + --schedule-start continuing a stopped run's learning rates,
// and a damaged checkpoint refused without touching any file. One real spawn of bin/ddq.js.
import t from 'tap';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { main, usage } from '../../src/cli/main';
import { TRAIN_OPTIONS } from '../../src/cli/train-command';
import type { CliIo } from '../../src/cli/command';
import { loadCheckpoint } from '../../src/io/checkpoint';
import { readMetricsLog } from '../../src/train/metrics-log';

async function ddq(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: { write: (s: string) => (out += s) }, err: { write: (s: string) => (err += s) } };
  const code = await main(argv, io);
  return { code, out, err };
}

/** A few seconds of training: a small MLP on a small synthetic set. */
const TINY = ['--net', 'mlp', '--width', '0.125', '--dataset', 'synthetic:200,60', '--batch-size', '32'];

function weights(file: string): Buffer {
  const parts: Buffer[] = [];
  for (const [name, tensor] of loadCheckpoint(file).tensors) {
    parts.push(Buffer.from(name), Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength));
  }
  return Buffer.concat(parts);
}

const withoutTime = (records: Record<string, unknown>[]) => records.map((r) => ({ ...r, time: undefined }));

t.test('help', async (t) => {
  const top = await ddq('--help');
  t.equal(top.code, 0);
  t.match(top.out, /^Usage: ddq <command> \[options\]/);
  t.match(top.out, /\n  train +Train a classifier/);
  t.match(top.out, /\n  eval +Report the test accuracy/);
  const none = await ddq();
  t.equal(none.code, 2, 'no command is a usage error');
  t.match(none.err, /Usage: ddq/);

  const train = await ddq('train', '--help');
  t.equal(train.code, 0);
  for (const o of TRAIN_OPTIONS) t.match(train.out, new RegExp(`\\n  --${o.name}\\b`), `--${o.name} is documented`);
  t.match(train.out, /synthetic\[:<train>,<test>\]/, 'data set specs are listed');
  t.equal((await ddq('help', 'train')).out, train.out, 'ddq help train is the same text');
  t.equal((await ddq('help')).out, top.out);
  t.match((await ddq('help', 'nope')).err, /^ddq: unknown command 'nope'/);
  const ev = await ddq('eval', '--help');
  t.match(ev.out, /^Usage: ddq eval <checkpoint> \[options\]/);
});

t.test('unknown commands, unknown options and bad values are rejected', async (t) => {
  const cases: [string[], RegExp][] = [
    [['trian'], /^ddq: unknown command 'trian'; commands: train, eval/],
    [['train', '--epoch', '2'], /^ddq train: unknown option --epoch \(did you mean --epochs\?\)/],
    [['train', '--net', 'vgg16'], /^ddq train: --net: 'vgg16' is not valid; choose one of: mlp, lenet5, mobilenetv2, resnet20\n$/],
    [['train', '--optimizer', 'adam'], /^ddq train: --optimizer: 'adam' is not valid; choose one of: adamw, sgd\n$/],
    [['train', '--schedule', 'linear'], /choose one of: cosine, step, constant/],
    [['train', '--lr', '-1'], /^ddq train: --lr: must be greater than 0, got -1\n$/],
    [['train', '--batch-size', 'big'], /^ddq train: --batch-size: 'big' is not an integer\n$/],
    [['train', 'mnist'], /^ddq train: unexpected argument 'mnist' \(ddq train takes no positional arguments/],
    [['train', '--momentum', '0.9'], /^ddq train: --momentum applies to --optimizer sgd only/],
    [['train', '--gamma', '0.5'], /^ddq train: --decay-every and --gamma apply to --schedule step only/],
    [['train', '--net', 'lenet5', '--width', '2'], /^ddq train: --width: lenet5 has no width multiplier \(nets with one: mlp, mobilenetv2, resnet20\)/],
    [['train', '--net', 'mlp', '--dropout', '0.1'], /^ddq train: --dropout: mlp has no dropout layer/],
    [['train', ...TINY, '--dataset', 'cifar'], /--dataset is given twice/],
    [['eval'], /^ddq eval: missing <checkpoint>/],
  ];
  for (const [argv, message] of cases) {
    const r = await ddq(...argv);
    t.equal(r.code, 2, `${argv.join(' ')}: exit code 2`);
    t.match(r.err, message, argv.join(' '));
    t.equal(r.out, '', 'nothing on standard output');
  }
  const data = await ddq('train', '--net', 'mlp', '--dataset', 'cifar', '--out', t.testdir());
  t.equal(data.code, 1);
  t.match(data.err, /^ddq train: loadDataset: unknown data set "cifar"; valid ones:\n  mnist/);
});

t.test('train, then eval reports the accuracy the run logged', async (t) => {
  const dir = t.testdir();
  const out = path.join(dir, 'run');
  const train = await ddq('train', ...TINY, '--epochs', '2', '--seed', '5', '--out', out);
  t.equal(train.code, 0, train.err);
  t.match(train.out, /^ddq train: mlp \([\d,]+ parameters\), adamw lr 0.001 cosine, batch 32, seed 5\n/);
  t.match(train.out, /\nepoch 2\/2  loss /);
  const log = readMetricsLog(path.join(out, 'metrics.jsonl'));
  t.equal(log.length, 2);
  t.ok((log[1].trainLoss as number) < (log[0].trainLoss as number), 'loss falls');

  const ev = await ddq('eval', out); // a run directory works as well as the file
  t.equal(ev.code, 0, ev.err);
  const acc = log[1].testAccuracy as number;
  t.match(ev.out, `test accuracy ${(100 * acc).toFixed(2)}% (${Math.round(acc * 60)}/60)`);
  t.match(ev.out, /mlp trained on synthetic:200,60, epoch 2\/2, seed 5/);
  const other = await ddq('eval', path.join(out, 'checkpoint.ddq'), '--dataset', 'synthetic:100,40');
  t.match(other.out, /\(\d+\/40\), loss \d\.\d{4} on synthetic\/test/, 'another data set of the same shape');

  const again = await ddq('train', ...TINY, '--epochs', '2', '--out', out);
  t.equal(again.code, 2, 'an existing run is not overwritten by accident');
  t.match(again.err, /holds a checkpoint of an earlier run; continue it with --resume, or start over with --overwrite/);
});

t.test('--train-size trains on a class-balanced subset and the test split stays whole', async (t) => {
  const out = path.join(t.testdir(), 'run');
  const run = await ddq('train', ...TINY, '--train-size', '100', '--epochs', '1', '--out', out);
  t.equal(run.code, 0, run.err);
  t.match(run.out, /synthetic\/train: 100 images/);
  t.match(run.out, /synthetic\/test: 60 images/);
  const log = readMetricsLog(path.join(out, 'metrics.jsonl'));
  t.equal(log[0].step, Math.ceil(100 / 32), 'an epoch is the subset');
  const bad = await ddq('train', ...TINY, '--train-size', '0', '--out', path.join(out, 'x'));
  t.equal(bad.code, 2);
  t.match(bad.err, /--train-size/);
});

t.test('--stop-after then --resume ends bit-identical to an uninterrupted run', async (t) => {
  const dir = t.testdir();
  const run = [...TINY, '--epochs', '3', '--optimizer', 'sgd', '--lr', '0.05', '--augment', '--warmup', '0.5'];
  t.equal((await ddq('train', ...run, '--out', path.join(dir, 'full'))).code, 0);
  const cut = path.join(dir, 'cut');
  const first = await ddq('train', ...run, '--out', cut, '--stop-after', '1');
  t.equal(first.code, 0);
  t.match(first.out, /stopped after epoch 1 of 3 \(--stop-after\); continue with: ddq train --resume --out /);
  // Same command plus --resume; options must agree with the saved ones.
  t.equal((await ddq('train', ...run, '--out', cut, '--resume', '--stop-after', '1')).code, 0);
  const differs = await ddq('train', ...run, '--out', cut, '--resume', '--lr', '0.1');
  t.equal(differs.code, 2);
  t.match(differs.err, /--lr is given twice/);
  const changed = await ddq('train', '--out', cut, '--resume', '--seed', '2');
  t.match(changed.err, /^ddq train: --seed 2 differs from 1 saved in .*checkpoint\.ddq; a resumed run keeps its settings/);
  // Just the file is enough.
  const last = await ddq('train', '--resume', path.join(cut, 'checkpoint.ddq'));
  t.equal(last.code, 0, last.err);
  t.match(last.out, /resuming .*checkpoint\.ddq at epoch 2\/3 \(step 14\)/);

  t.ok(weights(path.join(cut, 'checkpoint.ddq')).equals(weights(path.join(dir, 'full', 'checkpoint.ddq'))), 'identical weights and optimizer slots');
  t.same(withoutTime(readMetricsLog(path.join(cut, 'metrics.jsonl'))), withoutTime(readMetricsLog(path.join(dir, 'full', 'metrics.jsonl'))));
  const done = await ddq('train', '--out', cut, '--resume');
  t.match(done.out, /the run is already complete/);
});

t.test('--init from a stopped run with --schedule-start continues its learning-rate schedule', async (t) => {
  const dir = t.testdir();
  const run = [...TINY, '--optimizer', 'sgd', '--lr', '0.05', '--warmup', '0.5'];
  t.equal((await ddq('train', ...run, '--epochs', '3', '--out', path.join(dir, 'full'))).code, 0);
  const head = path.join(dir, 'head');
  t.equal((await ddq('train', ...run, '--epochs', '3', '--stop-after', '1', '--out', head)).code, 0);
  const init = ['--init', path.join(head, 'checkpoint.ddq'), '--epochs', '2'];
  t.equal((await ddq('train', ...run, ...init, '--schedule-start', '1', '--out', path.join(dir, 'tail'))).code, 0);
  t.equal((await ddq('train', ...run, ...init, '--out', path.join(dir, 'restart'))).code, 0);
  const lrs = (name: string) => readMetricsLog(path.join(dir, name, 'metrics.jsonl')).map((r) => r.lr);
  t.same(lrs('tail'), lrs('full').slice(1), 'the last two epochs of the three-epoch schedule');
  t.notSame(lrs('restart'), lrs('full').slice(1), 'without it, a two-epoch schedule of its own');
});

t.test('--bn-fixed-from: the last epoch trains on the statistics the first ended with', async (t) => {
  const dir = t.testdir();
  const run = ['--net', 'mobilenetv2', '--width', '0.1', '--dataset', 'synthetic:48,16', '--batch-size', '16', '--bn-reestimate', '2', '--epochs', '2', '--bn-fixed-from', '2'];
  t.equal((await ddq('train', ...run, '--stop-after', '1', '--out', path.join(dir, 'one'))).code, 0);
  t.equal((await ddq('train', ...run, '--out', path.join(dir, 'two'))).code, 0);
  const statistics = (name: string) => [...loadCheckpoint(path.join(dir, name, 'checkpoint.ddq')).tensors]
    .filter(([key]) => /running(Mean|Var)$/.test(key)).flatMap(([, v]) => Array.from(v.data));
  const after1 = statistics('one');
  t.ok(after1.length > 0, 'the net has batch norm');
  // Re-estimated before epoch 2 from the same batches and weights as after epoch 1 (nothing changes
  // the network between), then held: not re-estimated after epoch 2.
  t.same(statistics('two'), after1, 'epoch 2 kept the statistics of epoch 1');
  t.notSame(weights(path.join(dir, 'two', 'checkpoint.ddq')), weights(path.join(dir, 'one', 'checkpoint.ddq')), 'while the weights trained');
});

t.test('a damaged checkpoint is refused and nothing is overwritten', async (t) => {
  const out = path.join(t.testdir(), 'run');
  t.equal((await ddq('train', ...TINY, '--epochs', '2', '--stop-after', '1', '--out', out)).code, 0);
  const file = path.join(out, 'checkpoint.ddq');
  const bytes = fs.readFileSync(file);
  bytes[bytes.length - 100] ^= 1;
  fs.writeFileSync(file, bytes);
  const log = fs.readFileSync(path.join(out, 'metrics.jsonl'));
  for (const argv of [['train', '--out', out, '--resume'], ['eval', file]]) {
    const r = await ddq(...argv);
    t.equal(r.code, 1, argv[0]);
    t.match(r.err, new RegExp(`^ddq ${argv[0]}: loadCheckpoint: .*checkpoint\\.ddq: checksum mismatch: the file is corrupted\\n$`));
  }
  t.ok(fs.readFileSync(file).equals(bytes), 'checkpoint untouched');
  t.ok(fs.readFileSync(path.join(out, 'metrics.jsonl')).equals(log), 'metrics log untouched');
  t.same(fs.readdirSync(out).sort(), ['checkpoint.ddq', 'metrics.jsonl']);
});

t.test('bin/ddq.js runs as a program', async (t) => {
  // Top-level help loads no command module, so this spawn stays cheap.
  const r = spawnSync(process.execPath, [path.join(__dirname, '..', '..', 'bin', 'ddq.js'), '--help'], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, usage());
});
