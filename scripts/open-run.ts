// For the diagnostic scripts: a run directory's checkpoint, its model rebuilt with the saved
// weights, and its data as `ddq train` used it (the --train-size subset, normalised by the
// statistics saved in the checkpoint).
import * as path from 'path';
import { loadCheckpoint } from '../src/io/checkpoint';
import { buildNetwork, runData, TrainConfig } from '../src/cli/train-command';
import { CHECKPOINT_FILE, modelTensors, trainState } from '../src/train/trainer';
import { Rng } from '../src/tensor/rng';
import { loadDataset } from '../datasets';

export function openRun(run: string) {
  const ckpt = loadCheckpoint(path.join(run, CHECKPOINT_FILE));
  const state = trainState(ckpt);
  const { settings, data } = state.config as TrainConfig;
  const model = buildNetwork(settings, data, new Rng(0));
  /** Puts the saved weights and statistics back. */
  const reload = () => model.loadStateDict(modelTensors(ckpt));
  reload();
  const pair = runData(loadDataset(settings.dataset), settings);
  const norm = { mean: data.mean, std: data.std };
  return { state, settings, model, reload, train: { ...pair.train, ...norm }, test: { ...pair.test, ...norm } };
}
