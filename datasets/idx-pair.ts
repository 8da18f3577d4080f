// A user's own data: an IDX image file and an IDX label file, given on the command line as
//   idx:<trainImages>,<trainLabels>[,<testImages>,<testLabels>]
// (paths relative to the working directory; a path cannot contain a comma).
//
// Accepted image files (any IDX element type; uint8 pixels are scaled by 1/255, every other type
// is converted to float32 and used as it is):
//   rank 2  [N, F]        feature vectors, seen as 1 channel of 1 x F (for MLPs)
//   rank 3  [N, H, W]     single-channel images (MNIST's layout)
//   rank 4  [N, H, W, C]  channels last, as most IDX exports are; converted to [N, C, H, W].
//                         A file that is already [N, C, H, W] needs `layout: 'nchw'`.
// Label files: rank 1 [N] of an integer type, values >= 0. The number of classes is the largest
// label (over train and test) plus one, unless given.
// Without a test pair, a deterministic class-balanced hold-out becomes the test set: from each
// class, round(holdout * classSize) images (holdout 0.1 by default), chosen by stratifiedSplit
// with seed IDX_HOLDOUT_SEED. Mean and std always come from the training images.
import * as path from 'path';
import { readIdx, IdxArray } from './idx';
import { checkDataset, ImageDataset, subsetDataset } from './dataset';
import { channelStats } from './channel-stats';
import { stratifiedSplit } from './stratified-split';

export const IDX_HOLDOUT_SEED = 20240601;

export interface IdxPairFiles {
  trainImages: string;
  trainLabels: string;
  testImages?: string;
  testLabels?: string;
}

export interface IdxPairOptions {
  /** Axis order of rank-4 image files (default 'nhwc'). */
  layout?: 'nhwc' | 'nchw';
  /** Number of classes; by default the largest label plus one. */
  classes?: number;
  /** Fraction of each class held out for test when there is no test pair (default 0.1). */
  holdout?: number;
}

/** Images and labels read from one IDX pair, validated against each other, not yet normalised. */
export interface RawImages {
  images: Uint8Array | Float32Array;
  labels: Int32Array;
  count: number;
  channels: number;
  height: number;
  width: number;
}

/** Parse `idx:<trainImages>,<trainLabels>[,<testImages>,<testLabels>]`. */
export function parseIdxSpec(spec: string): IdxPairFiles {
  const usage = 'expected idx:<trainImages>,<trainLabels>[,<testImages>,<testLabels>]';
  if (!spec.startsWith('idx:')) throw new Error(`parseIdxSpec: "${spec}" does not start with "idx:"; ${usage}`);
  const parts = spec.slice(4).split(',');
  if ((parts.length !== 2 && parts.length !== 4) || parts.some((p) => p.trim() === '')) {
    throw new Error(`parseIdxSpec: "${spec}" has ${parts.length} non-empty paths; ${usage}`);
  }
  const [trainImages, trainLabels, testImages, testLabels] = parts.map((p) => path.resolve(p.trim()));
  return { trainImages, trainLabels, testImages, testLabels };
}

/** Read one image file and its label file and check that they describe the same images. */
export function readIdxPair(
  imagesFile: string,
  labelsFile: string,
  opts: Pick<IdxPairOptions, 'layout'> & { ranks?: readonly number[] } = {},
): RawImages {
  const img = readIdx(imagesFile, { rank: opts.ranks ?? [2, 3, 4] });
  const lab = readIdx(labelsFile, { rank: 1, types: ['uint8', 'int8', 'int16', 'int32'] });
  const count = img.shape[0];
  if (lab.shape[0] !== count) {
    throw new Error(`readIdxPair: ${imagesFile} holds ${count} images but ${labelsFile} holds ${lab.shape[0]} labels`);
  }
  const labels = Int32Array.from(lab.data);
  for (let i = 0; i < count; i++) {
    if (labels[i] < 0) throw new Error(`readIdxPair: ${labelsFile}: label ${labels[i]} at index ${i} is negative`);
  }
  return { ...toNchw(img, imagesFile, opts.layout ?? 'nhwc'), labels, count };
}

function toNchw(img: IdxArray, file: string, layout: 'nhwc' | 'nchw'): Omit<RawImages, 'labels' | 'count'> {
  const s = img.shape;
  let channels: number;
  let height: number;
  let width: number;
  if (s.length === 2) [channels, height, width] = [1, 1, s[1]];
  else if (s.length === 3) [channels, height, width] = [1, s[1], s[2]];
  else if (layout === 'nchw') [channels, height, width] = [s[1], s[2], s[3]];
  else [height, width, channels] = [s[1], s[2], s[3]];
  if (channels * height * width === 0) throw new Error(`readIdxPair: ${file}: images of shape ${s.join('x')} have no pixels`);
  const source = img.data;
  const images = source instanceof Uint8Array ? source : Float32Array.from(source);
  if (s.length < 4 || layout === 'nchw' || channels === 1) return { images, channels, height, width };
  // [N, H, W, C] -> [N, C, H, W]
  const out = images instanceof Uint8Array ? new Uint8Array(images.length) : new Float32Array(images.length);
  const plane = height * width;
  const n = s[0];
  for (let i = 0; i < n; i++) {
    const base = i * plane * channels;
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < channels; c++) out[base + c * plane + p] = images[base + p * channels + c];
    }
  }
  return { images: out, channels, height, width };
}

/** Label range check shared by all IDX-based loaders. */
export function checkLabelRange(raw: RawImages, classes: number, labelsFile: string): void {
  for (let i = 0; i < raw.count; i++) {
    if (raw.labels[i] >= classes) throw new Error(`readIdxPair: ${labelsFile}: label ${raw.labels[i]} at index ${i} is not below the ${classes} classes`);
  }
}

/** Wrap raw images as a data set with the given statistics. */
export function rawToDataset(raw: RawImages, name: string, classes: number, stats: { mean: number[]; std: number[] }): ImageDataset {
  return checkDataset({ name, ...raw, classes, mean: stats.mean.slice(), std: stats.std.slice() });
}

/** Load a user's IDX pair (and test pair, or a hold-out) as train and test data sets. */
export function loadIdxPair(files: IdxPairFiles, opts: IdxPairOptions = {}): { train: ImageDataset; test: ImageDataset } {
  const name = `idx:${files.trainImages},${files.trainLabels}`;
  const train = readIdxPair(files.trainImages, files.trainLabels, opts);
  const test = files.testImages && files.testLabels ? readIdxPair(files.testImages, files.testLabels, opts) : null;
  if (test && (test.channels !== train.channels || test.height !== train.height || test.width !== train.width)) {
    throw new Error(
      `loadIdxPair: test images ${files.testImages} are ${test.channels}x${test.height}x${test.width}, ` +
        `train images ${files.trainImages} are ${train.channels}x${train.height}x${train.width}`,
    );
  }
  if (test && test.images.constructor !== train.images.constructor) {
    throw new Error(`loadIdxPair: ${files.trainImages} and ${files.testImages} have different element types (one is uint8, the other not)`);
  }
  let classes = opts.classes ?? 0;
  if (!opts.classes) for (const raw of test ? [train, test] : [train]) for (let i = 0; i < raw.count; i++) classes = Math.max(classes, raw.labels[i] + 1);
  checkLabelRange(train, classes, files.trainLabels);
  if (test) checkLabelRange(test, classes, files.testLabels!);
  if (classes < 2) throw new Error(`loadIdxPair: ${files.trainLabels} has a single class; classification needs at least 2`);

  if (test) {
    const stats = channelStats(train.images, train.count, train.channels, train.height * train.width, scaleOf(train));
    return { train: rawToDataset(train, `${name}/train`, classes, stats), test: rawToDataset(test, `${name}/test`, classes, stats) };
  }
  const holdout = opts.holdout ?? 0.1;
  if (!(holdout > 0 && holdout < 1)) throw new Error(`loadIdxPair: holdout must be in (0, 1), got ${holdout}`);
  const split = stratifiedSplit(train.labels, classes, (n) => Math.round(holdout * n), IDX_HOLDOUT_SEED);
  if (split.test.length === 0 || split.train.length === 0) {
    throw new Error(`loadIdxPair: ${train.count} images are too few to hold out ${holdout * 100}% per class for a test set; give a test pair`);
  }
  // Statistics from the training part only, so the test images stay unseen.
  const all = rawToDataset(train, name, classes, { mean: new Array(train.channels).fill(0), std: new Array(train.channels).fill(1) });
  const trainPart = subsetDataset(all, split.train, `${name}/train`);
  const stats = channelStats(trainPart.images, trainPart.count, trainPart.channels, trainPart.height * trainPart.width, scaleOf(train));
  const testPart = subsetDataset(all, split.test, `${name}/test (held out)`);
  return {
    train: { ...trainPart, mean: stats.mean, std: stats.std },
    test: { ...testPart, mean: stats.mean.slice(), std: stats.std.slice() },
  };
}

function scaleOf(raw: RawImages): number {
  return raw.images instanceof Uint8Array ? 1 / 255 : 1;
}
