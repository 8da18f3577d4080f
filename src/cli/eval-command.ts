// `ddq eval <checkpoint>`: rebuild the model a checkpoint was trained as, load its weights and
// report accuracy and loss on the test split of its data set (or of another one with the same
// image shape, normalised with the statistics the model was trained with).
import * as fs from 'fs';
import * as path from 'path';
import type { CommandSpec, ParsedArgs } from './args';
import type { CliIo, Command } from './command';
import { checkCompatible, DATASET_HELP, loadData } from './data';
import { buildNetwork, TrainConfig } from './train-command';
import { Rng } from '../tensor/rng';
import { DataLoader } from '../../datasets/loader';
import { loadCheckpoint } from '../io/checkpoint';
import { evaluate } from '../train/evaluate';
import { CHECKPOINT_FILE, modelTensors, trainState } from '../train/trainer';

export const EVAL_SPEC: CommandSpec = {
  name: 'eval',
  summary: 'Report the test accuracy and loss of a trained checkpoint.',
  positionals: [{ name: 'checkpoint', help: 'a checkpoint file, or a run directory holding checkpoint.ddq' }],
  options: [
    { name: 'dataset', type: 'string', valueName: 'spec', help: `${DATASET_HELP}\n(default: the data set the checkpoint was trained on)` },
    { name: 'batch-size', type: 'int', min: 1, default: 256, help: 'evaluation batch size' },
  ],
};

function runEval(args: ParsedArgs, io: CliIo): number {
  let file = args.positionals[0];
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, CHECKPOINT_FILE);
  const ckpt = loadCheckpoint(file);
  const state = trainState(ckpt);
  const config = state.config as TrainConfig | null;
  if (config?.command !== 'train') throw new Error(`${file} was not written by ddq train`);
  const { settings, data } = config;

  const spec = args.has('dataset') ? args.string('dataset') : settings.dataset;
  const test = loadData(spec, io).test;
  checkCompatible(test, data, 'ddq eval');
  // Normalise exactly as in training, whatever the new data's own statistics are.
  const loader = new DataLoader({ ...test, mean: data.mean, std: data.std }, { batchSize: args.int('batch-size'), shuffle: false });
  const model = buildNetwork(settings, data, new Rng(0)); // initial values are overwritten
  model.loadStateDict(modelTensors(ckpt));

  const r = evaluate(model, loader);
  io.out.write(
    `${file}: ${settings.net} trained on ${settings.dataset}, epoch ${state.epoch}/${state.epochs}, seed ${settings.seed}\n` +
      `test accuracy ${(100 * r.accuracy).toFixed(2)}% (${r.correct}/${r.count}), loss ${r.loss.toFixed(4)} on ${test.name}\n`,
  );
  return 0;
}

export const evalCommand: Command = { spec: EVAL_SPEC, run: runEval };
