// `ddq infer <model file> --dataset <spec> [--compare <checkpoint>]`: run an integer model file
// over a test set with the integer runtime (src/deploy) and report its accuracy, its speed in
// images per second, its size against fp32 and, given the checkpoint it came from, how often
// its top-1 prediction agrees with the training-time (fake-quantized) model.
import * as fs from 'fs';
import type { CommandSpec, ParsedArgs } from './args';
import { UsageError } from './args';
import type { CliIo, Command } from './command';
import { DATASET_HELP, loadData } from './data';
import { loadQuantizedRun } from './export-command';
import { DataLoader } from '../../datasets/loader';
import { noGrad } from '../autograd/grad-mode';
import { decodeModel } from '../deploy/model-file';
import { modelSize } from '../deploy/model-size';
import { IntegerRuntime, type KernelSet } from '../deploy/integer-runtime';
import type { Module } from '../nn/module';

export const INFER_SPEC: CommandSpec = {
  name: 'infer',
  summary: 'Run an integer model file on a test set: accuracy, agreement with training, speed, size.',
  positionals: [{ name: 'model', help: 'an integer model file written by ddq export' }],
  options: [
    { name: 'dataset', type: 'string', valueName: 'spec', help: `${DATASET_HELP}\n(default: the data set the model was trained on)` },
    { name: 'compare', type: 'string', valueName: 'checkpoint', help: 'the quantized checkpoint the model came from: report top-1 agreement with it' },
    { name: 'batch-size', type: 'int', min: 1, default: 64, help: 'images per integer inference call' },
    { name: 'kernels', type: 'enum', values: ['fast', 'reference', 'mirror'], default: 'fast', help: 'integer kernels: fast, plain references, or NEON instruction mirrors (slow; same results)' },
  ],
};

function argmax(v: ArrayLike<number>, row: number, classes: number): number {
  let best = 0;
  for (let j = 1; j < classes; j++) if (v[row * classes + j] > v[row * classes + best]) best = j;
  return best;
}

async function runInfer(args: ParsedArgs, io: CliIo): Promise<number> {
  const file = args.positionals[0];
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw new Error(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  const model = decodeModel(bytes, file);
  const { channels, height, width, mean, std } = model.input;
  const spec = args.has('dataset') ? args.string('dataset') : (model.meta.dataset as string | undefined);
  if (!spec) throw new UsageError(`${file} does not name its data set; give --dataset`);
  const test = loadData(spec, io).test;
  if (test.channels !== channels || test.height !== height || test.width !== width || test.classes !== model.classes) {
    throw new Error(`${test.name} has images ${test.channels}x${test.height}x${test.width} in ${test.classes} classes; the model takes ${channels}x${height}x${width} in ${model.classes}`);
  }
  // Normalise as in training (the statistics travel in the model file).
  const loader = new DataLoader({ ...test, mean: mean ?? test.mean, std: std ?? test.std }, { batchSize: args.int('batch-size'), shuffle: false });
  let reference: Module | null = null;
  if (args.has('compare')) reference = loadQuantizedRun(args.string('compare')).model;

  const runtime = new IntegerRuntime(model, { kernels: args.string('kernels') as KernelSet });
  let warm = false;
  const C = model.classes;
  let correct = 0;
  let refCorrect = 0;
  let agree = 0;
  let count = 0;
  let seconds = 0;
  for (const batch of loader) {
    const n = batch.y.length;
    const x = batch.x.data as Float32Array;
    if (!warm) runtime.run(x, n); // one untimed call first: compilation and buffer allocation
    warm = true;
    const t0 = process.hrtime.bigint();
    const logits = runtime.run(x, n);
    seconds += Number(process.hrtime.bigint() - t0) / 1e9;
    const ref = reference ? noGrad(() => reference!.forward(batch.x)).data : null;
    for (let i = 0; i < n; i++) {
      const p = argmax(logits, i, C);
      if (p === batch.y[i]) correct++;
      if (ref) {
        const q = argmax(ref, i, C);
        if (q === batch.y[i]) refCorrect++;
        if (q === p) agree++;
      }
    }
    count += n;
  }
  const pct = (k: number) => `${((100 * k) / count).toFixed(2)}%`;
  const size = modelSize(model, bytes);
  io.out.write(`${file}: ${model.meta.net ?? 'model'} (${model.meta.quant ?? 'quantized'}), ${count} images of ${test.name}\n`);
  io.out.write(`integer accuracy ${pct(correct)} (${correct}/${count})\n`);
  if (reference) {
    io.out.write(`fake-quant accuracy ${pct(refCorrect)}; difference ${(((correct - refCorrect) * 100) / count).toFixed(2)} points\n`);
    io.out.write(`top-1 agreement with the fake-quantized model: ${pct(agree)} (${agree}/${count})\n`);
  }
  io.out.write(`speed ${(count / seconds).toFixed(0)} images/s (batch ${args.int('batch-size')}, ${args.string('kernels')} kernels, one thread)\n`);
  io.out.write(`file ${size.fileBytes} bytes, ${size.averageWeightBits.toFixed(2)} bits per weight; fp32 with batch norm folded ${size.fp32Bytes} bytes: ${(size.fp32Bytes / size.fileBytes).toFixed(2)}x smaller\n`);
  return 0;
}

export const inferCommand: Command = { spec: INFER_SPEC, run: runInfer };
