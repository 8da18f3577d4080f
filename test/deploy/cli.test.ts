// The command line end to end, in-process: a quantized training run, `ddq export` to an integer
// model file, `ddq infer` on the test set with --compare to the checkpoint; and the errors a
// user meets: a full-precision checkpoint, a damaged model file, missing arguments.
import t from 'tap';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/command';
import { loadModel } from '../../src/deploy/model-file';

async function ddq(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: { write: (s: string) => (out += s) }, err: { write: (s: string) => (err += s) } };
  const code = await main(argv, io);
  return { code, out, err };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ddq-deploy-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
const TINY = ['--net', 'mlp', '--width', '0.125', '--dataset', 'synthetic:128,64', '--batch-size', '32', '--epochs', '1'];

t.test('train (quantized) -> export -> infer --compare', async (t) => {
  const run = path.join(dir, 'lsq');
  const r0 = await ddq('train', ...TINY, '--quant', 'lsq', '--out', run);
  t.equal(r0.code, 0, r0.err);
  const file = path.join(dir, 'model.ddqm');
  const ex = await ddq('export', run, file);
  t.equal(ex.code, 0, ex.err);
  t.match(ex.out, /3 quantized layers/);
  t.match(ex.out, /file \/ \(packed bits \+ metadata\) = 1\.0000/);
  t.match(ex.out, /wrote .*model\.ddqm/);
  const model = loadModel(file);
  t.equal(model.ops.filter((o) => o.op === 'linear').length, 3);
  t.equal(model.meta.dataset, 'synthetic:128,64', 'the model remembers its data set');
  const inf = await ddq('infer', file, '--compare', run, '--batch-size', '16');
  t.equal(inf.code, 0, inf.err);
  t.match(inf.out, /64 images of synthetic\/test/);
  t.match(inf.out, /integer accuracy [\d.]+% \(\d+\/64\)/);
  const agree = Number(inf.out.match(/top-1 agreement with the fake-quantized model: ([\d.]+)%/)![1]);
  t.ok(agree >= 95, `agreement ${agree}%`);
  t.match(inf.out, /speed \d+ images\/s/);
  t.match(inf.out, /fp32 with batch norm folded \d+ bytes: [\d.]+x smaller/);
  // The same accuracy through the NEON mirror kernels.
  const mirror = await ddq('infer', file, '--kernels', 'mirror', '--batch-size', '64');
  t.equal(mirror.code, 0, mirror.err);
  t.equal(mirror.out.match(/integer accuracy .*/)![0], inf.out.match(/integer accuracy .*/)![0]);
});

t.test('errors: full-precision checkpoint, damaged model file, missing arguments', async (t) => {
  const fp = path.join(dir, 'fp');
  t.equal((await ddq('train', ...TINY, '--out', fp)).code, 0);
  const r1 = await ddq('export', fp, path.join(dir, 'x.ddqm'));
  t.equal(r1.code, 1);
  t.match(r1.err, /is a full-precision run \(--quant none\); the integer model needs a quantized one/);
  t.notOk(fs.existsSync(path.join(dir, 'x.ddqm')), 'nothing written');
  const bad = path.join(dir, 'bad.ddqm');
  fs.writeFileSync(bad, Buffer.from('DDQMODEL\x01\x00\x00\x00garbage', 'latin1'));
  const r2 = await ddq('infer', bad);
  t.equal(r2.code, 1);
  t.match(r2.err, /ddq infer: loadModel: .*bad\.ddqm: truncated/);
  const r3 = await ddq('export', fp);
  t.equal(r3.code, 2, 'a missing positional is a usage error');
  const r4 = await ddq('infer', path.join(dir, 'none.ddqm'));
  t.equal(r4.code, 1);
  t.match(r4.err, /cannot read .*none\.ddqm: no such file/);
});
