// DataLoader: batching, seeded shuffling, normalisation values, augmentation, and resume
// equality (a restored loader yields exactly the batches an uninterrupted one would).
import t from 'tap';
import { DataLoader, DataLoaderOptions, Batch } from '../../datasets/loader';
import { checkDataset, ImageDataset } from '../../datasets/dataset';
import { Rng } from '../../src/tensor/rng';

/** Random byte images; labels i % classes. */
function byteSet(count: number, c: number, h: number, w: number, seed: number): ImageDataset {
  const rng = new Rng(seed);
  return checkDataset({
    name: `bytes${count}`,
    images: new Uint8Array(count * c * h * w).map(() => rng.int(0, 256)),
    labels: Int32Array.from({ length: count }, (_, i) => i % 3),
    count,
    channels: c,
    height: h,
    width: w,
    classes: 3,
    mean: Array.from({ length: c }, (_, k) => 0.2 + 0.1 * k),
    std: Array.from({ length: c }, (_, k) => 0.3 + 0.05 * k),
  });
}

const take = (loader: DataLoader, n: number): Batch[] => Array.from({ length: n }, () => loader.nextBatch());
const snapshot = (b: Batch): string => JSON.stringify([Array.from(b.indices), Array.from(b.y), b.x.shape, Array.from(b.x.data)]);

t.test('one epoch: every image once, batch sizes, dropLast', async (tt) => {
  const ds = byteSet(23, 1, 2, 2, 1);
  const keep = new DataLoader(ds, { batchSize: 5, seed: 3 });
  tt.equal(keep.batchesPerEpoch, 5);
  const batches = [...keep];
  tt.same(batches.map((b) => b.y.length), [5, 5, 5, 5, 3]);
  tt.same(batches.map((b) => b.x.shape), [[5, 1, 2, 2], [5, 1, 2, 2], [5, 1, 2, 2], [5, 1, 2, 2], [3, 1, 2, 2]]);
  const seen = batches.flatMap((b) => Array.from(b.indices));
  tt.same(seen.slice().sort((a, b) => a - b), Array.from({ length: 23 }, (_, i) => i), 'a permutation of all images');
  tt.not(seen.join(), Array.from({ length: 23 }, (_, i) => i).join(), 'shuffled');
  for (const b of batches) tt.same(Array.from(b.y), Array.from(b.indices, (i) => ds.labels[i]));
  tt.equal(keep.epoch, 1, 'the loop ends at the epoch boundary, the loader is at the next epoch');
  const second = [...keep].flatMap((b) => Array.from(b.indices));
  tt.not(second.join(), seen.join(), 'the next epoch has another order');

  const drop = new DataLoader(ds, { batchSize: 5, seed: 3, dropLast: true });
  tt.equal(drop.batchesPerEpoch, 4);
  tt.same([...drop].map((b) => b.y.length), [5, 5, 5, 5]);
  tt.throws(() => new DataLoader(ds, { batchSize: 24, seed: 1, dropLast: true }), /23 images, fewer than one batch of 24 with dropLast/);

  const ordered = new DataLoader(ds, { batchSize: 10, shuffle: false });
  tt.same([...ordered].flatMap((b) => Array.from(b.indices)), Array.from({ length: 23 }, (_, i) => i));
});

t.test('same seed same batches; different seed different order', async (tt) => {
  const ds = byteSet(50, 2, 3, 3, 2);
  const opts: DataLoaderOptions = { batchSize: 8, seed: 9, augment: { pad: 1, flip: true } };
  const a = take(new DataLoader(ds, opts), 20).map(snapshot);
  const b = take(new DataLoader(ds, opts), 20).map(snapshot);
  tt.same(a, b);
  const c = take(new DataLoader(ds, { ...opts, seed: 10 }), 20).map(snapshot);
  tt.not(c.join(), a.join());
  // An Rng source is forked: same parent state, same batches; the parent advances.
  const p1 = new Rng(4);
  const p2 = new Rng(4);
  tt.same(take(new DataLoader(ds, { ...opts, rng: p1 }), 5).map(snapshot), take(new DataLoader(ds, { ...opts, rng: p2 }), 5).map(snapshot));
  tt.same(p1.getState(), p2.getState());
  tt.not(p1.getState().join(), new Rng(4).getState().join());
  tt.throws(() => new DataLoader(ds, { batchSize: 4 }), /needs a `seed` or an `rng`/);
  tt.throws(() => new DataLoader(ds, { batchSize: 4, shuffle: false, augment: { flip: true } }), /needs a `seed` or an `rng`/);
  tt.throws(() => new DataLoader(ds, { batchSize: 0, seed: 1 }), /batchSize must be a positive integer, got 0/);
  tt.throws(() => new DataLoader(ds, { batchSize: 2, seed: 1, augment: { pad: 3 } }), /pad 3 is not smaller than the 3x3 images/);
});

t.test('normalisation: (pixel / 255 - mean[c]) / std[c], flat option, float pixels', async (tt) => {
  const ds = byteSet(7, 3, 2, 4, 3);
  const b = new DataLoader(ds, { batchSize: 7, shuffle: false }).nextBatch();
  let worst = 0;
  for (let i = 0; i < 7; i++)
    for (let c = 0; c < 3; c++)
      for (let p = 0; p < 8; p++) {
        const want = (ds.images[(i * 3 + c) * 8 + p] / 255 - ds.mean[c]) / ds.std[c];
        worst = Math.max(worst, Math.abs(b.x.data[(i * 3 + c) * 8 + p] - want));
      }
  tt.ok(worst < 1e-6, `max error ${worst}`);
  tt.equal(b.x.dtype, 'float32');

  const raw = new DataLoader(ds, { batchSize: 7, shuffle: false, normalize: false, flat: true }).nextBatch();
  tt.same(raw.x.shape, [7, 24]);
  tt.same(Array.from(raw.x.data), Array.from(ds.images, (v) => Math.fround(v / 255)));

  const floats: ImageDataset = { ...ds, name: 'floats', images: Float32Array.from(ds.images, (v) => v / 100 - 1) };
  const f = new DataLoader(floats, { batchSize: 7, shuffle: false }).nextBatch();
  worst = 0;
  for (let i = 0; i < floats.images.length; i++) {
    const c = Math.floor(i / 8) % 3;
    worst = Math.max(worst, Math.abs(f.x.data[i] - (floats.images[i] - ds.mean[c]) / ds.std[c]));
  }
  tt.ok(worst < 1e-6, `float pixels are not rescaled (max error ${worst})`);
});

/** The normalised image i shifted by (dy, dx) and maybe mirrored, computed directly. */
function expectedView(ds: ImageDataset, i: number, dy: number, dx: number, mirror: boolean): number[] {
  const { channels: C, height: H, width: W } = ds;
  const out: number[] = [];
  for (let c = 0; c < C; c++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const sy = y + dy;
        const sx = (mirror ? W - 1 - x : x) + dx;
        const v = sy >= 0 && sy < H && sx >= 0 && sx < W ? ds.images[((i * C + c) * H + sy) * W + sx] : 0;
        out.push(Math.fround((v / 255 - ds.mean[c]) / ds.std[c]));
      }
  return out;
}

t.test('augmentation: every output is a padded crop (and maybe mirror) of its image', async (tt) => {
  const ds = byteSet(40, 2, 6, 5, 4);
  const pad = 2;
  const loader = new DataLoader(ds, { batchSize: 16, seed: 5, augment: { pad, flip: true } });
  const offsets = new Set<string>();
  let mirrored = 0;
  let total = 0;
  for (const b of take(loader, 6)) {
    tt.same(b.x.shape.slice(1), [2, 6, 5]);
    const size = 60;
    for (let k = 0; k < b.y.length; k++) {
      const got = Array.from(b.x.data.subarray(k * size, (k + 1) * size));
      let match: string | null = null;
      for (let dy = -pad; dy <= pad && !match; dy++)
        for (let dx = -pad; dx <= pad && !match; dx++)
          for (const m of [false, true]) {
            if (expectedView(ds, b.indices[k], dy, dx, m).every((v, j) => Math.abs(v - got[j]) < 1e-5)) {
              match = `${dy},${dx},${m}`;
              break;
            }
          }
      if (!match) tt.fail(`sample ${k} is no shifted view of image ${b.indices[k]}`);
      else {
        offsets.add(match.split(',').slice(0, 2).join());
        if (match.endsWith('true')) mirrored++;
      }
      total++;
    }
  }
  tt.equal(offsets.size, 25, 'all (2 * pad + 1)^2 offsets occur');
  tt.ok(mirrored > total * 0.3 && mirrored < total * 0.7, `about half mirrored (${mirrored} of ${total})`);

  const plainFlip = new DataLoader(ds, { batchSize: 40, seed: 5, augment: { flip: true } }).nextBatch();
  tt.same(plainFlip.x.shape, [40, 2, 6, 5], 'flip only keeps the shape');
});

t.test('resume: a restored loader continues with identical batches', async (tt) => {
  const ds = byteSet(37, 1, 4, 4, 6);
  const opts: DataLoaderOptions = { batchSize: 6, seed: 21, augment: { pad: 1, flip: true } };
  const straight = take(new DataLoader(ds, opts), 30).map(snapshot); // 7 batches per epoch: crosses 4 epochs

  for (const stop of [0, 3, 6, 7, 12, 20]) {
    const first = new DataLoader(ds, opts);
    take(first, stop);
    const saved = JSON.parse(JSON.stringify(first.getState())); // as a checkpoint would store it
    const resumed = new DataLoader(ds, { ...opts, seed: 999 }); // the state, not the seed, decides
    resumed.setState(saved);
    tt.equal(resumed.epoch, Math.floor(stop / 7));
    tt.equal(resumed.batch, stop % 7);
    tt.same(take(resumed, 30 - stop).map(snapshot), straight.slice(stop), `stopped after ${stop} batches`);
  }

  // Also through the epoch iterator: stop mid-epoch, resume, finish the epoch.
  const it = new DataLoader(ds, opts);
  const seen: string[] = [];
  for (const b of it) {
    seen.push(snapshot(b));
    if (seen.length === 4) break;
  }
  const r = new DataLoader(ds, opts);
  r.setState(it.getState());
  for (const b of r) seen.push(snapshot(b));
  tt.same(seen, straight.slice(0, 7));
  tt.equal(r.epoch, 1);
});

t.test('setState refuses states of other loaders and bad positions', async (tt) => {
  const ds = byteSet(20, 1, 2, 2, 7);
  const a = new DataLoader(ds, { batchSize: 4, seed: 1 });
  const state = a.getState();
  tt.throws(() => new DataLoader(ds, { batchSize: 5, seed: 1 }).setState(state), /saved batchSize is 4, this loader's is 5/);
  tt.throws(() => new DataLoader(byteSet(21, 1, 2, 2, 7), { batchSize: 4, seed: 1 }).setState(state), /saved count is 20, this loader's is 21/);
  tt.throws(() => new DataLoader(ds, { batchSize: 4, seed: 1, dropLast: true }).setState(state), /saved dropLast is false/);
  tt.throws(() => a.setState({ ...state, batch: 5 }), /epoch 0 batch 5 is not a valid position \(5 batches per epoch\)/);
  const b = new DataLoader(ds, { batchSize: 4, seed: 1 });
  const before = b.getState();
  tt.throws(() => b.setState({ ...state, augmentRng: [1, 2] }), /Rng.setState/);
  tt.same(b.getState(), before, 'a rejected state changes nothing');
});

t.test('reused buffers hold the same values', async (tt) => {
  const ds = byteSet(30, 2, 3, 3, 8);
  const opts: DataLoaderOptions = { batchSize: 7, seed: 2, augment: { pad: 1 } };
  const fresh = new DataLoader(ds, opts);
  const reused = new DataLoader(ds, { ...opts, reuseBuffers: true });
  let firstData: unknown = null;
  for (let k = 0; k < 10; k++) {
    const a = fresh.nextBatch();
    const b = reused.nextBatch();
    tt.equal(snapshot(b), snapshot(a), `batch ${k}`);
    if (k === 0) firstData = b.x.data.buffer;
    else tt.equal(b.x.data.buffer, firstData, 'same storage');
  }
});
