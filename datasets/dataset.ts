// The one in-memory data set type: labelled images, channels first, kept compact (bytes for
// 8-bit sources, 47 MB for all of MNIST's training images) and turned into float tensors one
// batch at a time by the DataLoader.
import type { ArrayDataset } from './synthetic';
import { channelStats } from './channel-stats';

export interface ImageDataset {
  /** Where the data came from, for logs and checkpoints ("mnist/train", "idx:a,b/test"...). */
  name: string;
  /**
   * Pixels, row-major [count, channels, height, width]. Uint8Array means 0..255 pixels, scaled
   * by 1/255 before normalising; Float32Array pixels are used as they are (scale 1).
   */
  images: Uint8Array | Float32Array;
  /** One class index per image, each in [0, classes). */
  labels: Int32Array;
  count: number;
  channels: number;
  height: number;
  width: number;
  classes: number;
  /** Per-channel mean and standard deviation of the scaled training pixels (length = channels). */
  mean: number[];
  std: number[];
  /** Human-readable class names when known (length = classes). */
  classNames?: string[];
}

/** The factor that brings stored pixels to the units `mean` and `std` are in. */
export function pixelScale(ds: ImageDataset): number {
  return ds.images instanceof Uint8Array ? 1 / 255 : 1;
}

/** Elements per image. */
export function imageSize(ds: ImageDataset): number {
  return ds.channels * ds.height * ds.width;
}

/** Check that every field agrees with the others; returns the data set for chaining. */
export function checkDataset(ds: ImageDataset): ImageDataset {
  const fail = (why: string): never => {
    throw new Error(`dataset ${ds.name}: ${why}`);
  };
  for (const key of ['count', 'channels', 'height', 'width', 'classes'] as const) {
    const v = ds[key];
    if (!Number.isInteger(v) || v < (key === 'count' ? 0 : 1)) fail(`${key} must be a positive integer, got ${v}`);
  }
  const size = imageSize(ds);
  if (ds.images.length !== ds.count * size) {
    fail(`images hold ${ds.images.length} values, ${ds.count} images of ${ds.channels}x${ds.height}x${ds.width} need ${ds.count * size}`);
  }
  if (ds.labels.length !== ds.count) fail(`${ds.labels.length} labels for ${ds.count} images`);
  for (let i = 0; i < ds.count; i++) {
    const l = ds.labels[i];
    if (l < 0 || l >= ds.classes) fail(`label ${l} of image ${i} is outside [0, ${ds.classes})`);
  }
  if (ds.mean.length !== ds.channels || ds.std.length !== ds.channels) {
    fail(`mean and std need ${ds.channels} values (one per channel), got ${ds.mean.length} and ${ds.std.length}`);
  }
  for (let c = 0; c < ds.channels; c++) {
    if (!Number.isFinite(ds.mean[c])) fail(`mean[${c}] is ${ds.mean[c]}`);
    if (!(ds.std[c] > 0) || !Number.isFinite(ds.std[c])) fail(`std[${c}] is ${ds.std[c]}, must be positive and finite`);
  }
  if (ds.classNames && ds.classNames.length !== ds.classes) fail(`${ds.classNames.length} class names for ${ds.classes} classes`);
  return ds;
}

/** A new data set holding copies of the chosen images, in the given order (same statistics). */
export function subsetDataset(ds: ImageDataset, indices: ArrayLike<number>, name: string): ImageDataset {
  const size = imageSize(ds);
  const images = ds.images instanceof Uint8Array ? new Uint8Array(indices.length * size) : new Float32Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!Number.isInteger(i) || i < 0 || i >= ds.count) throw new Error(`subsetDataset: index ${i} outside [0, ${ds.count}) of ${ds.name}`);
    images.set(ds.images.subarray(i * size, (i + 1) * size), k * size);
    labels[k] = ds.labels[i];
  }
  return { ...ds, name, images, labels, count: indices.length };
}

/** Number of images of each class. */
export function classCounts(ds: Pick<ImageDataset, 'labels' | 'classes'>): number[] {
  const counts = new Array<number>(ds.classes).fill(0);
  for (let i = 0; i < ds.labels.length; i++) counts[ds.labels[i]]++;
  return counts;
}

/**
 * View a synthetic `ArrayDataset` as an ImageDataset. Samples of shape [C, H, W] keep it;
 * [F] becomes [1, 1, F] (feature vectors, for MLPs with the loader's `flat` option).
 * Statistics come from `stats` (pass the training set's for a test set) or from the data.
 */
export function fromArrayDataset(ds: ArrayDataset, name: string, stats?: { mean: number[]; std: number[] }): ImageDataset {
  const s = ds.sampleShape;
  let chw: [number, number, number];
  if (s.length === 3) chw = [s[0], s[1], s[2]];
  else if (s.length === 1) chw = [1, 1, s[0]];
  else throw new Error(`fromArrayDataset: sample shape [${s.join(',')}] is neither [C,H,W] nor [F]`);
  const [channels, height, width] = chw;
  const computed = stats ?? channelStats(ds.images, ds.count, channels, height * width, 1);
  return checkDataset({
    name,
    images: ds.images,
    labels: Int32Array.from(ds.labels),
    count: ds.count,
    channels,
    height,
    width,
    classes: ds.classes,
    mean: computed.mean.slice(),
    std: computed.std.slice(),
  });
}
