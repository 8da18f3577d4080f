// Loading a data set for the command line, and the facts about it a checkpoint must remember:
// the image shape and class count the model was built for, and the normalisation statistics
// it was trained with (evaluating on other data must normalise the same way).
import { DATASET_SPECS, loadDataset, DatasetPair, ImageDataset } from '../../datasets/index';
import type { CliIo } from './command';

export interface DataInfo {
  train: string;
  test: string;
  channels: number;
  height: number;
  width: number;
  classes: number;
  mean: number[];
  std: number[];
}

export const DATASET_HELP = `data set, one of:\n${DATASET_SPECS.map((s) => '  ' + s).join('\n')}`;

export function loadData(spec: string, io: CliIo): DatasetPair {
  return loadDataset(spec, { fashion: { log: (m) => io.err.write(m + '\n') } });
}

export function dataInfo(pair: DatasetPair): DataInfo {
  const { train, test } = pair;
  return {
    train: train.name,
    test: test.name,
    channels: train.channels,
    height: train.height,
    width: train.width,
    classes: train.classes,
    mean: train.mean.slice(),
    std: train.std.slice(),
  };
}

/** A short description: "mnist/train: 60000 images 1x28x28, 10 classes". */
export function describe(ds: ImageDataset): string {
  return `${ds.name}: ${ds.count} images ${ds.channels}x${ds.height}x${ds.width}, ${ds.classes} classes`;
}

/** Throws unless `ds` has the image shape and class count of `info` (what a model was built for). */
export function checkCompatible(ds: ImageDataset, info: DataInfo, what: string): void {
  const mine = `${ds.channels}x${ds.height}x${ds.width}, ${ds.classes} classes`;
  const theirs = `${info.channels}x${info.height}x${info.width}, ${info.classes} classes`;
  if (mine !== theirs) throw new Error(`${what}: ${ds.name} has images ${mine}; the model was built for ${theirs} (${info.train})`);
}
