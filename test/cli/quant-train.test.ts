// `ddq train` with quantization: --init from a full-precision run, a DDQ budget run with its
// report files, rejected option combinations, eval of a quantized checkpoint, and a run on two
// threads that is deterministic and resumes exactly.
import t from 'tap';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/command';
import { loadCheckpoint } from '../../src/io/checkpoint';

async function ddq(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: { write: (s: string) => (out += s) }, err: { write: (s: string) => (err += s) } };
  const code = await main(argv, io);
  return { code, out, err };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ddq-quant-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
const TINY = ['--net', 'lenet5', '--dataset', 'synthetic:96,48', '--batch-size', '32'];
/** Smaller still, for the runs that start a worker thread. */
const MLP = ['--net', 'mlp', '--width', '0.125', '--dataset', 'synthetic:96,48', '--batch-size', '32'];

function modelBytes(file: string): Buffer {
  const parts: Buffer[] = [];
  for (const [name, tensor] of loadCheckpoint(file).tensors) {
    if (name.startsWith('model.')) parts.push(Buffer.from(name), Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength));
  }
  return Buffer.concat(parts);
}

t.test('full precision, then DDQ from it under a budget', async (t) => {
  const fp = path.join(dir, 'fp');
  const r0 = await ddq('train', ...TINY, '--epochs', '1', '--out', fp);
  t.equal(r0.code, 0, r0.err);
  const q = path.join(dir, 'ddq');
  const r1 = await ddq('train', ...TINY, '--epochs', '2', '--quant', 'ddq', '--budget-bits', '3', '--budget-anneal', '0.5', '--init', path.join(fp, 'checkpoint.ddq'), '--out', q);
  t.equal(r1.code, 0, r1.err);
  t.match(r1.out, /avgBits/);
  t.match(r1.out, /average weight bits [\d.]+ \(learned layers [\d.]+\)/);
  for (const f of ['quant-report.txt', 'quant-report.json', 'bits-per-layer.svg', 'levels.svg']) t.ok(fs.existsSync(path.join(q, f)), f);
  const report = JSON.parse(fs.readFileSync(path.join(q, 'quant-report.json'), 'utf8'));
  t.equal(report.layers[0].weightBits, 8, 'first layer keeps 8 bits');
  t.equal(report.layers[report.layers.length - 1].weightBits, 8, 'last layer keeps 8 bits');
  t.match(fs.readFileSync(path.join(q, 'bits-per-layer.svg'), 'utf8'), /^<svg /);
  const ev = await ddq('eval', q);
  t.equal(ev.code, 0, ev.err);
  const trained = r1.out.match(/done: test accuracy ([\d.]+)%/)![1];
  t.match(ev.out, new RegExp(`test accuracy ${trained.replace('.', '\\.')}%`), 'eval rebuilds the quantized model exactly');
});

t.test('--layer-bits fixes the named layers; the rest learn under the budget; eval rebuilds them', async (t) => {
  const q = path.join(dir, 'layer-bits');
  const r = await ddq('train', ...TINY, '--epochs', '2', '--gate-epochs', '1', '--quant', 'ddq', '--budget-bits', '3', '--layer-bits', '3=2, 9=5/6', '--out', q);
  t.equal(r.code, 0, r.err);
  const layers: { name: string; weightBits: number; activationBits: number }[] = JSON.parse(fs.readFileSync(path.join(q, 'quant-report.json'), 'utf8')).layers;
  const byName = new Map(layers.map((l) => [l.name, l]));
  t.same([byName.get('3')!.weightBits, byName.get('3')!.activationBits], [2, 8], 'weight bits only: activations keep --abits');
  t.same([byName.get('9')!.weightBits, byName.get('9')!.activationBits], [5, 6]);
  t.match(r.out, /average weight bits [\d.]+ \(learned layers 3\.00\)/, 'the one learning layer (7) lands on the budget alone');
  const ev = await ddq('eval', q);
  t.equal(ev.code, 0, ev.err);
  t.match(ev.out, new RegExp(`test accuracy ${r.out.match(/done: test accuracy ([\d.]+)%/)![1].replace('.', '\\.')}%`));
});

t.test('--bit-fit fisher: lands at or under the budget; an interrupted run resumes to the same model', async (t) => {
  const args = [...TINY, '--epochs', '3', '--gate-epochs', '1', '--quant', 'ddq', '--budget-bits', '3', '--min-bits', '1', '--bit-fit', 'fisher'];
  const whole = path.join(dir, 'fisher');
  const r = await ddq('train', ...args, '--out', whole);
  t.equal(r.code, 0, r.err);
  const learned = Number(r.out.match(/average weight bits [\d.]+ \(learned layers ([\d.]+)\)/)![1]);
  t.ok(learned <= 3 && learned > 2, `learned layers ${learned} bits`);
  t.notMatch(r.out, /note: --budget-bits equals --min-bits/);
  t.equal(r.out.match(/gates frozen; bits settled by the Fisher fit: /g)?.length, 1, 'the fit runs once, when the gates freeze (not again in epoch 3)');
  const same = await ddq('train', ...TINY, '--epochs', '1', '--quant', 'ddq', '--budget-bits', '2', '--out', path.join(dir, 'at-floor'));
  t.match(same.out, /note: --budget-bits equals --min-bits \(2\), so every layer that learns its bits ends at exactly 2/);
  const parts = path.join(dir, 'fisher-parts');
  t.equal((await ddq('train', ...args, '--out', parts, '--stop-after', '1')).code, 0);
  const resumed = await ddq('train', '--resume', '--out', parts);
  t.equal(resumed.code, 0, resumed.err);
  t.ok(modelBytes(path.join(whole, 'checkpoint.ddq')).equals(modelBytes(path.join(parts, 'checkpoint.ddq'))), 'bit for bit');
});

t.test('quantization options that would be ignored are rejected', async (t) => {
  const cases: [string[], RegExp][] = [
    [['--budget-bits', '3'], /--budget-bits applies to --quant ddq only/],
    [['--quant', 'lsq', '--gate-lr', '5'], /--gate-lr applies to --quant ddq only/],
    [['--wbits', '4'], /--wbits needs --quant ddq, ddq-fixed or lsq/],
    [['--quant', 'lsq', '--wbits', '1'], /lsq needs at least 2 bits/],
    [['--quant', 'int3'], /--quant: 'int3' is not valid/],
    [['--quant', 'ddq', '--init', path.join(dir, 'missing.ddq')], /missing\.ddq/],
    [['--quant', 'lsq', '--bit-fit', 'fisher'], /--bit-fit applies to --quant ddq only/],
    [['--quant', 'ddq', '--budget-bits', '1.5'], /--budget-bits 1\.5 is below --min-bits 2: no layer may go under the floor/],
    [['--layer-bits', '3=4'], /--layer-bits needs --quant ddq, ddq-fixed or lsq/],
    [['--quant', 'lsq', '--layer-bits', '3=1'], /lsq needs at least 2 weight bits \(layer '3'\)/],
    [['--quant', 'ddq', '--layer-bits', '3=4,3=5'], /layer '3' is given twice/],
    [['--quant', 'ddq', '--layer-bits', '3:4'], /'3:4' is not name=W or name=W\/A/],
    [['--quant', 'ddq', '--layer-bits', '3=9'], /weight bits must be an integer in 1\.\.8, got '9'/],
    [['--quant', 'ddq', '--layer-bits', '3=4/1'], /activation bits must be an integer in 2\.\.8, got '1'/],
    [['--quant', 'ddq', '--layer-bits', '4=4'], /override for '4', which is not a Conv2d\/Linear layer \(have: 0, 3, 7, 9, 11\)/],
  ];
  for (const [args, pattern] of cases) {
    const r = await ddq('train', ...TINY, '--out', path.join(dir, 'rejected'), ...args);
    t.not(r.code, 0, args.join(' '));
    t.match(r.err, pattern, args.join(' '));
  }
});

t.test('two threads: deterministic (an interrupted and resumed run equals an uninterrupted one)', async (t) => {
  const common = [...MLP, '--quant', 'lsq', '--wbits', '4', '--abits', '4', '--threads', '2'];
  const a = path.join(dir, 'two-a');
  const c = path.join(dir, 'two-c');
  t.equal((await ddq('train', ...common, '--epochs', '2', '--out', a)).code, 0);
  t.equal((await ddq('train', ...common, '--epochs', '2', '--stop-after', '1', '--out', c)).code, 0);
  const resumed = await ddq('train', '--resume', '--threads', '2', '--out', c);
  t.equal(resumed.code, 0, resumed.err);
  t.ok(modelBytes(path.join(a, 'checkpoint.ddq')).equals(modelBytes(path.join(c, 'checkpoint.ddq'))), 'interrupted and resumed = uninterrupted');
  const one = path.join(dir, 'one');
  t.equal((await ddq('train', ...MLP, '--quant', 'lsq', '--wbits', '4', '--abits', '4', '--epochs', '2', '--out', one)).code, 0);
  t.notOk(modelBytes(path.join(a, 'checkpoint.ddq')).equals(modelBytes(path.join(one, 'checkpoint.ddq'))), 'half-batch statistics make it a different (but fixed) computation');
});
