// A seeded subset of a training set that keeps every class's share: for short runs (the main
// job, quick experiments) that should still see all classes evenly. Built on stratifiedSplit,
// so the same seed and labels always pick the same images.
import { ImageDataset, subsetDataset } from './dataset';
import { stratifiedSplit } from './stratified-split';

export function balancedSubset(ds: ImageDataset, size: number, seed: number): ImageDataset {
  if (!Number.isInteger(size) || size < ds.classes) {
    throw new Error(`balancedSubset: a subset of ${ds.name} needs a whole number of images, at least one per class (${ds.classes}), got ${size}`);
  }
  if (size >= ds.count) return ds;
  // Per class, round its share; the total is within one image per class of `size`.
  const share = size / ds.count;
  const split = stratifiedSplit(ds.labels, ds.classes, (n) => Math.min(n, Math.max(1, Math.round(n * share))), seed);
  return subsetDataset(ds, split.test, ds.name);
}
