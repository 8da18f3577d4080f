// --train-size: a seeded subset that keeps each class's share and copies the right images.
import t from 'tap';
import { balancedSubset } from '../../datasets/balanced-subset';
import { classCounts, imageSize, ImageDataset } from '../../datasets/dataset';
import { Rng } from '../../src/tensor/rng';

/** Uneven classes (class c has 10 + 7c items) whose first pixel records the item's index. */
function uneven(): ImageDataset {
  const labels: number[] = [];
  for (let c = 0; c < 4; c++) for (let k = 0; k < 10 + 7 * c; k++) labels.push(c);
  new Rng(3).shuffle(labels);
  const count = labels.length;
  const images = new Float32Array(count * 4);
  for (let i = 0; i < count; i++) images[i * 4] = i;
  return { name: 'uneven/train', images, labels: Int32Array.from(labels), count, channels: 1, height: 2, width: 2, classes: 4, mean: [0], std: [1] };
}

t.test('class shares kept, images and labels copied together', async (t) => {
  const ds = uneven(); // 10, 17, 24, 31 items: 82
  const sub = balancedSubset(ds, 41, 7);
  t.same(classCounts(sub), [5, 9, 12, 16], 'each class rounded to half');
  t.equal(sub.name, ds.name);
  const seen = new Set<number>();
  for (let k = 0; k < sub.count; k++) {
    const i = sub.images[k * imageSize(sub)];
    t.equal(sub.labels[k], ds.labels[i], `item ${i} keeps its label`);
    seen.add(i);
  }
  t.equal(seen.size, sub.count, 'no image twice');
});

t.test('same seed, same subset; another seed, another one', async (t) => {
  const ds = uneven();
  t.same(balancedSubset(ds, 30, 1).images, balancedSubset(ds, 30, 1).images);
  t.not(balancedSubset(ds, 30, 1).images.join(), balancedSubset(ds, 30, 2).images.join());
});

t.test('a size at or over the set returns it whole; too small is an error naming the set', async (t) => {
  const ds = uneven();
  t.equal(balancedSubset(ds, 82, 1), ds);
  t.equal(balancedSubset(ds, 1000, 1), ds);
  t.throws(() => balancedSubset(ds, 3, 1), /uneven\/train.*at least one per class \(4\)/);
  t.throws(() => balancedSubset(ds, 2.5, 1), /whole number/);
});
