// loadDataset's names, the synthetic glyph set, the ArrayDataset adapter and dataset checks.
import t from 'tap';
import { loadDataset, DATASET_SPECS } from '../../datasets/index';
import { glyphs, GLYPH_CLASS_NAMES } from '../../datasets/glyphs';
import { checkDataset, classCounts, fromArrayDataset, ImageDataset, subsetDataset } from '../../datasets/dataset';
import { bars, spirals } from '../../datasets/synthetic';
import { DataLoader } from '../../datasets/loader';

t.test('synthetic: MNIST-shaped, balanced, seeded, test uses the training statistics', async (tt) => {
  const { train, test } = loadDataset('synthetic:200,50');
  tt.same([train.count, test.count], [200, 50]);
  for (const ds of [train, test]) {
    tt.same([ds.channels, ds.height, ds.width, ds.classes], [1, 28, 28, 10]);
    tt.ok(ds.images instanceof Uint8Array);
  }
  tt.same(classCounts(train), new Array(10).fill(20));
  tt.same(test.mean, train.mean);
  tt.same(test.std, train.std);
  tt.equal(train.classNames!.length, 10);
  const again = loadDataset('synthetic:200,50');
  tt.ok(Buffer.from(again.train.images).equals(Buffer.from(train.images)), 'same images every time');
  tt.notOk(Buffer.from(test.images.subarray(0, 784 * 10)).equals(Buffer.from(train.images.subarray(0, 784 * 10))), 'test images differ from train');
  const dflt = loadDataset(' synthetic ');
  tt.same([dflt.train.count, dflt.test.count], [2000, 500]);
});

t.test('glyph classes are told apart by their mean images', async (tt) => {
  // Nearest-class-mean on held-out glyphs: a weak classifier that still works if the classes differ.
  const train = glyphs({ count: 500, seed: 1 });
  const test = glyphs({ count: 200, seed: 2 });
  const means = Array.from({ length: 10 }, () => new Float64Array(784));
  for (let i = 0; i < train.count; i++) for (let p = 0; p < 784; p++) means[train.labels[i]][p] += train.images[i * 784 + p] / 50;
  let correct = 0;
  for (let i = 0; i < test.count; i++) {
    let best = -1;
    let bestDist = Infinity;
    means.forEach((m, c) => {
      let d = 0;
      for (let p = 0; p < 784; p++) d += (test.images[i * 784 + p] - m[p]) ** 2;
      if (d < bestDist) [best, bestDist] = [c, d];
    });
    if (best === test.labels[i]) correct++;
  }
  tt.ok(correct / test.count > 0.5, `nearest mean accuracy ${correct / test.count}`);
  tt.ok(correct / test.count < 1, 'but not trivially separable');
  tt.equal(GLYPH_CLASS_NAMES.length, 10);
  tt.throws(() => glyphs({ count: 0, seed: 1 }), /count must be a positive integer/);
});

t.test('unknown and malformed specs are rejected with the list of valid ones', async (tt) => {
  let message = '';
  try {
    loadDataset('cifar10');
  } catch (err) {
    message = (err as Error).message;
  }
  tt.match(message, /^loadDataset: unknown data set "cifar10"; valid ones:\n/);
  for (const name of ['\n  mnist ', '\n  fashion ', '\n  synthetic', '\n  idx:']) tt.ok(message.includes(name), `lists ${name.trim()}`);
  tt.equal(DATASET_SPECS.length, 4);
  for (const bad of ['synthetic:10', 'synthetic:0,5', 'synthetic:a,b']) tt.throws(() => loadDataset(bad), /expected synthetic:<train>,<test> with two positive counts/, bad);
  tt.throws(() => loadDataset('idx:onlyone'), /parseIdxSpec/);
});

t.test('ArrayDataset adapter: bars keep [C, H, W], spirals become [1, 1, F]', async (tt) => {
  const b = bars({ count: 40, size: 8, channels: 2, seed: 3 });
  const img = fromArrayDataset(b, 'bars');
  tt.same([img.count, img.channels, img.height, img.width, img.classes], [40, 2, 8, 8, 4]);
  tt.equal(img.images, b.images, 'float pixels shared, not copied');
  // Per-channel statistics measured on the data.
  const plane = 64;
  let s = 0;
  for (let i = 0; i < 40; i++) for (let p = 0; p < plane; p++) s += b.images[(i * 2 + 1) * plane + p];
  tt.ok(Math.abs(img.mean[1] - s / (40 * plane)) < 1e-9);

  const sp = spirals({ count: 30, classes: 3, features: 5, seed: 1 });
  const flat = fromArrayDataset(sp, 'spirals', { mean: [0], std: [2] });
  tt.same([flat.channels, flat.height, flat.width], [1, 1, 5]);
  const batch = new DataLoader(flat, { batchSize: 30, shuffle: false, flat: true }).nextBatch();
  tt.same(batch.x.shape, [30, 5]);
  tt.ok(Math.abs(batch.x.data[7] - sp.images[7] / 2) < 1e-6, 'float features: (x - 0) / 2');
  tt.throws(() => fromArrayDataset({ ...sp, sampleShape: [5, 1] }, 'bad'), /neither \[C,H,W\] nor \[F\]/);
});

t.test('checkDataset and subsetDataset', async (tt) => {
  const good: ImageDataset = {
    name: 'tiny',
    images: new Uint8Array([1, 2, 3, 4, 5, 6]),
    labels: new Int32Array([0, 1, 1]),
    count: 3,
    channels: 1,
    height: 1,
    width: 2,
    classes: 2,
    mean: [0.5],
    std: [0.25],
  };
  tt.equal(checkDataset(good), good);
  tt.throws(() => checkDataset({ ...good, count: 4 }), /dataset tiny: images hold 6 values, 4 images of 1x1x2 need 8/);
  tt.throws(() => checkDataset({ ...good, labels: new Int32Array([0, 2, 1]) }), /label 2 of image 1 is outside \[0, 2\)/);
  tt.throws(() => checkDataset({ ...good, std: [0] }), /std\[0\] is 0/);
  tt.throws(() => checkDataset({ ...good, mean: [0, 1] }), /mean and std need 1 values/);
  tt.throws(() => checkDataset({ ...good, classNames: ['a'] }), /1 class names for 2 classes/);
  const sub = subsetDataset(good, [2, 0], 'tiny/sub');
  tt.same(Array.from(sub.images), [5, 6, 1, 2]);
  tt.same(Array.from(sub.labels), [1, 0]);
  tt.equal(sub.count, 2);
  tt.throws(() => subsetDataset(good, [3], 'x'), /index 3 outside \[0, 3\) of tiny/);
});
