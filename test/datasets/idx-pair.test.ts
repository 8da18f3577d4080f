// A user's IDX image/label pair: layouts (rank 2, 3, 4 channels-last or first), element types,
// validation of counts and labels, the command-line spec, and the hold-out split.
import t from 'tap';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeIdx } from '../../datasets/idx';
import { loadIdxPair, parseIdxSpec, readIdxPair } from '../../datasets/idx-pair';
import { classCounts } from '../../datasets/dataset';
import { stratifiedSplit } from '../../datasets/stratified-split';
import { loadDataset } from '../../datasets/index';
import { Rng } from '../../src/tensor/rng';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ddq-idxpair-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
const rng = new Rng(11);
const file = (name: string): string => path.join(dir, name);

t.test('rank 4 channels-last images become channels-first', async (tt) => {
  const [n, h, w, c] = [5, 3, 4, 3];
  const nhwc = new Uint8Array(n * h * w * c).map(() => rng.int(0, 256));
  writeIdx(file('rgb-images'), nhwc, [n, h, w, c]);
  writeIdx(file('rgb-labels'), new Uint8Array([0, 1, 2, 1, 0]), [n]);
  const raw = readIdxPair(file('rgb-images'), file('rgb-labels'));
  tt.same([raw.count, raw.channels, raw.height, raw.width], [n, c, h, w]);
  let mismatches = 0;
  for (let i = 0; i < n; i++)
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) if (raw.images[((i * c + ch) * h + y) * w + x] !== nhwc[((i * h + y) * w + x) * c + ch]) mismatches++;
  tt.equal(mismatches, 0, 'pixel (i, c, y, x) is file element (i, y, x, c)');
  tt.same(Array.from(raw.labels), [0, 1, 2, 1, 0]);

  // The same file read as already channels-first is left as it is: [5, 3, 4, 3] = N, C, H, W.
  const asNchw = readIdxPair(file('rgb-images'), file('rgb-labels'), { layout: 'nchw' });
  tt.same([asNchw.channels, asNchw.height, asNchw.width], [3, 4, 3]);
  tt.same(Array.from(asNchw.images), Array.from(nhwc));
});

t.test('rank 2 and 3 images, other element types', async (tt) => {
  writeIdx(file('vec-images'), new Float64Array([1, 2, 3, 4, 5, 6]), [2, 3]);
  writeIdx(file('vec-labels'), new Int32Array([1, 0]), [2]);
  const vec = readIdxPair(file('vec-images'), file('vec-labels'));
  tt.same([vec.channels, vec.height, vec.width], [1, 1, 3]);
  tt.ok(vec.images instanceof Float32Array, 'non-byte pixels become float32');
  tt.same(Array.from(vec.images), [1, 2, 3, 4, 5, 6]);

  writeIdx(file('gray-images'), new Int16Array([-5, 300, 7, 8, 9, 10, 11, 12]), [2, 2, 2]);
  writeIdx(file('gray-labels'), new Int16Array([3, 2]), [2]);
  const gray = readIdxPair(file('gray-images'), file('gray-labels'));
  tt.same([gray.channels, gray.height, gray.width], [1, 2, 2]);
  tt.same(Array.from(gray.images.subarray(0, 2)), [-5, 300]);
  tt.same(Array.from(gray.labels), [3, 2]);
});

t.test('mismatches and bad labels are rejected', async (tt) => {
  writeIdx(file('img10'), new Uint8Array(10 * 4), [10, 2, 2]);
  writeIdx(file('lab9'), new Uint8Array(9), [9]);
  tt.throws(() => readIdxPair(file('img10'), file('lab9')), /img10 holds 10 images but .*lab9 holds 9 labels/);
  writeIdx(file('lab-neg'), new Int8Array([0, 1, 2, -1, 0, 1, 2, 0, 1, 2]), [10]);
  tt.throws(() => readIdxPair(file('img10'), file('lab-neg')), /lab-neg: label -1 at index 3 is negative/);
  writeIdx(file('lab-float'), new Float32Array(10), [10]);
  tt.throws(() => readIdxPair(file('img10'), file('lab-float')), /lab-float: element type float32 is not accepted here/);
  tt.throws(() => readIdxPair(file('lab9'), file('lab9')), /lab9: expected 2 or 3 or 4 dimensions, file has 1/);
  tt.throws(() => readIdxPair(file('img10'), file('img10')), /img10: expected 1 dimensions, file has 3/);
  writeIdx(file('lab-big'), new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), [10]);
  tt.throws(() => loadIdxPair({ trainImages: file('img10'), trainLabels: file('lab-big') }, { classes: 5 }), /lab-big: label 5 at index 5 is not below the 5 classes/);
  writeIdx(file('lab-one'), new Uint8Array(10), [10]);
  tt.throws(() => loadIdxPair({ trainImages: file('img10'), trainLabels: file('lab-one') }), /single class/);
  writeIdx(file('img-other'), new Uint8Array(10 * 9), [10, 3, 3]);
  tt.throws(
    () => loadIdxPair({ trainImages: file('img10'), trainLabels: file('lab-big'), testImages: file('img-other'), testLabels: file('lab-big') }),
    /test images .*img-other are 1x3x3, train images .*img10 are 1x2x2/,
  );
});

t.test('command-line spec', async (tt) => {
  tt.same(parseIdxSpec('idx:a/b,c'), { trainImages: path.resolve('a/b'), trainLabels: path.resolve('c'), testImages: undefined, testLabels: undefined });
  tt.same(parseIdxSpec('idx:/x,/y,/z,/w'), { trainImages: '/x', trainLabels: '/y', testImages: '/z', testLabels: '/w' });
  for (const bad of ['idx:', 'idx:a', 'idx:a,b,c', 'idx:a,,c,d', 'idx:a,b,c,d,e']) tt.throws(() => parseIdxSpec(bad), /expected idx:<trainImages>,<trainLabels>\[,<testImages>,<testLabels>\]/, bad);
  tt.throws(() => parseIdxSpec('mnist'), /does not start with "idx:"/);
});

t.test('train and test pair: statistics from the training images', async (tt) => {
  const n = 40;
  const train = new Uint8Array(n * 2 * 2 * 2).map(() => rng.int(0, 256)); // [n, 2, 2, 2 channels]
  for (let i = 0; i < train.length; i += 2) train[i] = 200; // channel 0 constant: std falls back to 1
  writeIdx(file('tr-img'), train, [n, 2, 2, 2]);
  writeIdx(file('tr-lab'), new Uint8Array(n).map((_, i) => i % 3), [n]);
  writeIdx(file('te-img'), new Uint8Array(8 * 8), [8, 2, 2, 2]);
  writeIdx(file('te-lab'), new Uint8Array(8).map((_, i) => i % 4), [8]);
  const { train: tr, test: te } = loadDataset(`idx:${file('tr-img')},${file('tr-lab')},${file('te-img')},${file('te-lab')}`);
  tt.equal(tr.classes, 4, 'classes = largest label over train and test + 1');
  tt.same([tr.count, te.count, tr.channels], [n, 8, 2]);
  tt.ok(Math.abs(tr.mean[0] - 200 / 255) < 1e-12);
  tt.equal(tr.std[0], 1);
  let s = 0;
  let sq = 0;
  for (let i = 1; i < train.length; i += 2) s += train[i] / 255;
  const m = s / (train.length / 2);
  for (let i = 1; i < train.length; i += 2) sq += (train[i] / 255 - m) ** 2;
  tt.ok(Math.abs(tr.mean[1] - m) < 1e-12);
  tt.ok(Math.abs(tr.std[1] - Math.sqrt(sq / (train.length / 2))) < 1e-12);
  tt.same(te.mean, tr.mean);
  tt.same(te.std, tr.std);
});

t.test('hold-out split without a test pair: deterministic, balanced, disjoint', async (tt) => {
  const counts = [30, 50, 20, 41];
  const labels = new Uint8Array(counts.flatMap((k, c) => new Array(k).fill(c)));
  new Rng(5).shuffle(labels);
  const n = labels.length;
  const images = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) images.set([i, labels[i], rng.normal()], i * 3); // pixel 0 = original index
  writeIdx(file('ho-img'), images, [n, 3]);
  writeIdx(file('ho-lab'), labels, [n]);
  const { train, test } = loadIdxPair({ trainImages: file('ho-img'), trainLabels: file('ho-lab') });
  tt.same(classCounts(test), counts.map((k) => Math.round(k * 0.1)), '10% of each class held out');
  tt.same(classCounts(train), counts.map((k) => k - Math.round(k * 0.1)));
  const used = [...Array.from({ length: train.count }, (_, i) => train.images[i * 3]), ...Array.from({ length: test.count }, (_, i) => test.images[i * 3])];
  tt.same(used.slice().sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i), 'every image in exactly one split');
  for (const ds of [train, test]) for (let i = 0; i < ds.count; i++) if (ds.images[i * 3 + 1] !== ds.labels[i]) tt.fail('label travelled with its image');
  const again = loadIdxPair({ trainImages: file('ho-img'), trainLabels: file('ho-lab') });
  tt.same(Array.from(again.test.images), Array.from(test.images), 'same files, same split');
  // Rank 2 is one channel of 1 x 3 features: its mean is over all values of the training part only.
  let sum = 0;
  for (let i = 0; i < train.count; i++) sum += images[used[i] * 3] + images[used[i] * 3 + 1] + images[used[i] * 3 + 2];
  tt.ok(Math.abs(train.mean[0] - sum / (train.count * 3)) < 1e-9, 'stats from the training part');
  const quarter = loadIdxPair({ trainImages: file('ho-img'), trainLabels: file('ho-lab') }, { holdout: 0.25 });
  tt.same(classCounts(quarter.test), counts.map((k) => Math.round(k * 0.25)));
  tt.throws(() => loadIdxPair({ trainImages: file('ho-img'), trainLabels: file('ho-lab') }, { holdout: 1 }), /holdout must be in \(0, 1\)/);
  writeIdx(file('few-img'), new Uint8Array(4), [4, 1]);
  writeIdx(file('few-lab'), new Uint8Array([0, 1, 0, 1]), [4]);
  tt.throws(() => loadIdxPair({ trainImages: file('few-img'), trainLabels: file('few-lab') }), /4 images are too few to hold out 10% per class/);
});

t.test('stratifiedSplit: determinism, seed dependence, per-class independence', async (tt) => {
  const labels = Int32Array.from({ length: 300 }, (_, i) => (i * 7) % 5);
  const a = stratifiedSplit(labels, 5, () => 6, 42);
  const b = stratifiedSplit(labels, 5, () => 6, 42);
  tt.same(Array.from(a.test), Array.from(b.test));
  tt.same(Array.from(a.train), Array.from(b.train));
  const c = stratifiedSplit(labels, 5, () => 6, 43);
  tt.not(Array.from(c.test).join(), Array.from(a.test).join(), 'another seed, another split');
  const perClass = (ids: Int32Array, cls: number): number[] => Array.from(ids).filter((i) => labels[i] === cls).sort((x, y) => x - y);
  for (let cls = 0; cls < 5; cls++) tt.equal(perClass(a.test, cls).length, 6);
  tt.same([...a.train, ...a.test].sort((x, y) => x - y), Array.from({ length: 300 }, (_, i) => i));
  // More items in class 3 do not move the other classes' choices (indices kept by relabelling).
  const grown = Int32Array.from([...labels, 3, 3, 3]);
  const g = stratifiedSplit(grown, 5, () => 6, 42);
  for (const cls of [0, 1, 2, 4]) tt.same(perClass(g.test, cls), perClass(a.test, cls), `class ${cls}`);
  tt.throws(() => stratifiedSplit(labels, 5, (k) => k + 1, 1), /class 0 has 60 items, cannot hold out 61/);
  tt.throws(() => stratifiedSplit([0, 5], 5, () => 0, 1), /label 5 of item 1 is outside \[0, 5\)/);
});
