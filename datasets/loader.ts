// DataLoader: turns an ImageDataset into float batches {x: [B, C, H, W] (or [B, C*H*W]), y}.
// Seeded shuffling per epoch, optional last partial batch, normalisation
// ((pixel * scale - mean[c]) / std[c], per channel), and optional augmentation: random crop
// with zero padding (the image is shifted by up to `pad` pixels, uncovered pixels are black,
// i.e. raw 0 before normalising) and horizontal flip (off by default: it breaks digits).
//
// Randomness and resume. The loader forks two generators from the given one (or from
// new Rng(seed)): `order`, which draws each epoch's permutation when the epoch starts, and
// `augment`, which draws crop offsets and flips sample by sample in batch order. getState()
// records the epoch, the next batch, `order`'s state at the start of the epoch and `augment`'s
// current state; setState() redraws that epoch's permutation from the recorded state, so a
// restored loader yields exactly the batches the original would have. States are plain JSON.
import { Tensor } from '../src/tensor/tensor';
import { Rng } from '../src/tensor/rng';
import { ImageDataset, imageSize, pixelScale } from './dataset';

export interface AugmentOptions {
  /** Random crop: shift by up to `pad` pixels each way, filling with black (default 0: off). */
  pad?: number;
  /** Mirror left-right with probability 1/2 (default false: wrong for digits and text). */
  flip?: boolean;
}

export interface DataLoaderOptions {
  batchSize: number;
  /** Reshuffle every epoch (default true). Needs `seed` or `rng`. */
  shuffle?: boolean;
  /** Drop a last batch smaller than batchSize (default false: keep it). */
  dropLast?: boolean;
  /** Seed of the loader's own generators. */
  seed?: number;
  /** Or a generator to fork the loader's generators from (it advances by eight draws). */
  rng?: Rng;
  /** Apply (x * scale - mean) / std (default true); otherwise just x * scale. */
  normalize?: boolean;
  /** Yield x as [B, C*H*W] for MLPs instead of [B, C, H, W]. */
  flat?: boolean;
  augment?: AugmentOptions;
  /**
   * Fill the same x / y / indices arrays for every batch (default false). Saves allocation,
   * but a batch is then only valid until the next one is drawn.
   */
  reuseBuffers?: boolean;
}

export interface Batch {
  x: Tensor;
  /** Class labels as int32, as crossEntropy expects. */
  y: Int32Array;
  /** Which data set images make up the batch, in order. */
  indices: Int32Array;
}

/** Everything needed to continue exactly where a loader stopped. */
export interface LoaderState {
  dataset: string;
  count: number;
  batchSize: number;
  shuffle: boolean;
  dropLast: boolean;
  /** Epoch being drawn (0-based) and the index of its next batch. */
  epoch: number;
  batch: number;
  /** `order` generator state before this epoch's permutation was drawn. */
  orderRng: number[];
  augmentRng: number[];
}

export class DataLoader {
  readonly dataset: ImageDataset;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly flat: boolean;
  readonly pad: number;
  readonly flip: boolean;
  private readonly reuse: boolean;
  private readonly orderRng: Rng;
  private readonly augmentRng: Rng;
  /** Per channel: normalised value = raw * gain[c] + offset[c]. */
  private readonly gain: Float32Array;
  private readonly offset: Float32Array;
  /** For byte images: the normalised value of every (channel, byte) pair. */
  private readonly table: Float32Array | null;
  private epochOrderState: number[] = [];
  private order: Int32Array = new Int32Array(0);
  private epochIndex = 0;
  private batchIndex = 0;
  private buffers: { x: Float32Array; y: Int32Array; indices: Int32Array } | null = null;

  constructor(dataset: ImageDataset, opts: DataLoaderOptions) {
    const { batchSize } = opts;
    this.dataset = dataset;
    this.shuffle = opts.shuffle ?? true;
    this.dropLast = opts.dropLast ?? false;
    this.flat = opts.flat ?? false;
    this.pad = opts.augment?.pad ?? 0;
    this.flip = opts.augment?.flip ?? false;
    this.reuse = opts.reuseBuffers ?? false;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`DataLoader: batchSize must be a positive integer, got ${batchSize}`);
    this.batchSize = batchSize;
    if (!Number.isInteger(this.pad) || this.pad < 0) throw new Error(`DataLoader: augment.pad must be a non-negative integer, got ${this.pad}`);
    if (this.pad >= dataset.height || this.pad >= dataset.width) {
      throw new Error(`DataLoader: augment.pad ${this.pad} is not smaller than the ${dataset.height}x${dataset.width} images of ${dataset.name}`);
    }
    if (this.batchesPerEpoch === 0) {
      throw new Error(`DataLoader: ${dataset.name} has ${dataset.count} images, fewer than one batch of ${batchSize} with dropLast`);
    }
    const randomized = this.shuffle || this.pad > 0 || this.flip;
    if (randomized && opts.seed === undefined && !opts.rng) {
      throw new Error('DataLoader: shuffling or augmentation needs a `seed` or an `rng` (runs must be repeatable)');
    }
    const source = opts.rng ?? new Rng(opts.seed ?? 0);
    this.orderRng = source.fork();
    this.augmentRng = source.fork();

    const scale = pixelScale(dataset);
    const normalize = opts.normalize ?? true;
    this.gain = new Float32Array(dataset.channels);
    this.offset = new Float32Array(dataset.channels);
    for (let c = 0; c < dataset.channels; c++) {
      this.gain[c] = normalize ? scale / dataset.std[c] : scale;
      this.offset[c] = normalize ? -dataset.mean[c] / dataset.std[c] : 0;
    }
    if (dataset.images instanceof Uint8Array) {
      this.table = new Float32Array(dataset.channels * 256);
      for (let c = 0; c < dataset.channels; c++) {
        for (let v = 0; v < 256; v++) {
          this.table[c * 256 + v] = normalize ? (v * scale - dataset.mean[c]) / dataset.std[c] : v * scale;
        }
      }
    } else {
      this.table = null;
    }
    this.startEpoch();
  }

  /** Batches in one epoch (the last one partial unless dropLast). */
  get batchesPerEpoch(): number {
    const n = this.dataset.count;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The epoch the next batch belongs to (0-based). */
  get epoch(): number {
    return this.epochIndex;
  }

  /** Index of the next batch within its epoch. */
  get batch(): number {
    return this.batchIndex;
  }

  private startEpoch(): void {
    this.epochOrderState = this.orderRng.getState();
    this.order = this.shuffle ? this.orderRng.permutation(this.dataset.count) : Int32Array.from({ length: this.dataset.count }, (_, i) => i);
  }

  /** The next batch; after an epoch's last batch the loader moves on to the next epoch. */
  nextBatch(): Batch {
    const ds = this.dataset;
    const size = imageSize(ds);
    const start = this.batchIndex * this.batchSize;
    const b = Math.min(this.batchSize, ds.count - start);
    let x: Float32Array;
    let y: Int32Array;
    let indices: Int32Array;
    if (this.reuse) {
      this.buffers ??= { x: new Float32Array(this.batchSize * size), y: new Int32Array(this.batchSize), indices: new Int32Array(this.batchSize) };
      x = this.buffers.x.subarray(0, b * size);
      y = this.buffers.y.subarray(0, b);
      indices = this.buffers.indices.subarray(0, b);
    } else {
      x = new Float32Array(b * size);
      y = new Int32Array(b);
      indices = new Int32Array(b);
    }
    for (let k = 0; k < b; k++) {
      const i = this.order[start + k];
      indices[k] = i;
      y[k] = ds.labels[i];
      this.writeImage(i, x, k * size);
    }
    this.batchIndex++;
    if (this.batchIndex === this.batchesPerEpoch) {
      this.epochIndex++;
      this.batchIndex = 0;
      this.startEpoch();
    }
    const shape = this.flat ? [b, size] : [b, ds.channels, ds.height, ds.width];
    return { x: Tensor.fromTypedArray(x, shape), y, indices };
  }

  /** The remaining batches of the current epoch (all of them at an epoch's start). */
  *epochBatches(): Generator<Batch, void, undefined> {
    const epoch = this.epochIndex;
    while (this.epochIndex === epoch) yield this.nextBatch();
  }

  [Symbol.iterator](): Generator<Batch, void, undefined> {
    return this.epochBatches();
  }

  /** Normalise (and augment) image i into out[o ...]. */
  private writeImage(i: number, out: Float32Array, o: number): void {
    const { channels: C, height: H, width: W, images } = this.dataset;
    const plane = H * W;
    const src = i * C * plane;
    const table = this.table;
    let dy = 0;
    let dx = 0;
    let mirror = false;
    if (this.pad > 0) {
      dy = this.augmentRng.int(-this.pad, this.pad + 1);
      dx = this.augmentRng.int(-this.pad, this.pad + 1);
    }
    if (this.flip) mirror = this.augmentRng.uniform() < 0.5;

    if (dy === 0 && dx === 0 && !mirror) {
      for (let c = 0; c < C; c++) {
        const s = src + c * plane;
        const d = o + c * plane;
        if (table) {
          const t = c * 256;
          for (let p = 0; p < plane; p++) out[d + p] = table[t + images[s + p]];
        } else {
          const g = this.gain[c];
          const f = this.offset[c];
          for (let p = 0; p < plane; p++) out[d + p] = images[s + p] * g + f;
        }
      }
      return;
    }
    // Output pixel (y, x) shows source pixel (y + dy, x' + dx), x' = x or W-1-x when mirrored.
    for (let c = 0; c < C; c++) {
      const fill = table ? table[c * 256] : this.offset[c]; // the value of a raw 0 pixel
      const g = this.gain[c];
      const f = this.offset[c];
      for (let y = 0; y < H; y++) {
        const sy = y + dy;
        const d = o + c * plane + y * W;
        if (sy < 0 || sy >= H) {
          out.fill(fill, d, d + W);
          continue;
        }
        const row = src + c * plane + sy * W;
        for (let x = 0; x < W; x++) {
          const sx = (mirror ? W - 1 - x : x) + dx;
          if (sx < 0 || sx >= W) out[d + x] = fill;
          else out[d + x] = table ? table[c * 256 + images[row + sx]] : images[row + sx] * g + f;
        }
      }
    }
  }

  /** A JSON-able snapshot of the position and generators. */
  getState(): LoaderState {
    return {
      dataset: this.dataset.name,
      count: this.dataset.count,
      batchSize: this.batchSize,
      shuffle: this.shuffle,
      dropLast: this.dropLast,
      epoch: this.epochIndex,
      batch: this.batchIndex,
      orderRng: this.epochOrderState.slice(),
      augmentRng: this.augmentRng.getState(),
    };
  }

  /** Continue from a snapshot taken by getState() of a loader over the same data and settings. */
  setState(state: LoaderState): void {
    const mine = this.getState();
    for (const key of ['count', 'batchSize', 'shuffle', 'dropLast'] as const) {
      if (state[key] !== mine[key]) {
        throw new Error(`DataLoader.setState: saved ${key} is ${state[key]}, this loader's is ${mine[key]} (${state.dataset} vs ${this.dataset.name})`);
      }
    }
    if (!Number.isInteger(state.epoch) || state.epoch < 0 || !Number.isInteger(state.batch) || state.batch < 0 || state.batch >= this.batchesPerEpoch) {
      throw new Error(`DataLoader.setState: epoch ${state.epoch} batch ${state.batch} is not a valid position (${this.batchesPerEpoch} batches per epoch)`);
    }
    // Check both generator states before changing anything.
    new Rng(0).setState(state.orderRng);
    new Rng(0).setState(state.augmentRng);
    this.orderRng.setState(state.orderRng);
    this.augmentRng.setState(state.augmentRng);
    this.startEpoch();
    this.epochIndex = state.epoch;
    this.batchIndex = state.batch;
  }
}
