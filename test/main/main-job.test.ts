// The main job (`npm start`) end to end on a small synthetic set: both phases run, the summary
// reports both accuracies and the size, the integer model is exported and compared with the
// fake-quantized one (report lines), and a second run reuses the completed phases.
import t from 'tap';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { QUICK_JOB, runMainJob } from '../../src/main';

t.test('quick main job', async (t) => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'ddq-main-'));
  t.teardown(() => fs.rmSync(out, { recursive: true, force: true }));
  let text = '';
  const io = { out: { write: (s: string) => (text += s) }, err: { write: (s: string) => (text += s) } };
  const job = { ...QUICK_JOB, out, threads: 1 };
  await runMainJob(job, io);
  t.match(text, /== full precision: ddq train --net mobilenetv2 --width 0.25 --dataset synthetic:256,128/);
  t.match(text, /== DDQ: ddq train .*--lr 0.001 --quant ddq --budget-bits 4 --abits 8 --gate-epochs 1 --epochs 2 --init/);
  t.match(text, /full precision: test accuracy [\d.]+%, [\d.]+ KiB at 32 bits/);
  t.match(text, /DDQ: +test accuracy [\d.]+%, [\d.]+ KiB \([\d.]+x smaller\), average weight bits [\d.]+/);
  t.ok(fs.existsSync(path.join(out, 'ddq', 'bits-per-layer.svg')));
  t.match(text, /synthetic\/train: 200 images/, 'the training subset');
  t.match(text, /== integer model: ddq export .*model\.ddqm\n/);
  t.ok(fs.existsSync(path.join(out, 'model.ddqm')));
  // (Agreement itself is tested on trained models in test/deploy; this one is barely trained.)
  t.match(text, /top-1 agreement with the fake-quantized model: [\d.]+% \(\d+\/128\)/);
  t.match(text, /integer accuracy [\d.]+% \(\d+\/128\)/);
  text = '';
  await runMainJob(job, io);
  t.match(text, /== full precision: reusing the completed run/);
  t.match(text, /== DDQ: reusing the completed run/);
});
