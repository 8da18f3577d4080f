// Small seeded synthetic data sets, for the first `npm start`, tests and quick experiments.
// Both are hard enough that a linear model is not enough, and fully determined by the seed.
import { Rng } from '../src/tensor/rng';

export interface ArrayDataset {
  /** Row-major samples: [count, ...sampleShape]. */
  images: Float32Array;
  labels: Uint8Array;
  sampleShape: number[];
  classes: number;
  count: number;
}

/**
 * Interleaved spiral arms in 2-D (one arm per class), lifted to `features` dimensions by a
 * fixed random rotation so every input coordinate matters. A classic nonlinear toy problem.
 */
export function spirals(opts: { count: number; classes: number; features?: number; noise?: number; seed: number }): ArrayDataset {
  const { count, classes, seed } = opts;
  const features = opts.features ?? 2;
  const noise = opts.noise ?? 0.15;
  if (classes < 2 || !Number.isInteger(classes)) throw new Error(`spirals: need an integer number of classes >= 2, got ${classes}`);
  if (features < 2) throw new Error(`spirals: need at least 2 features, got ${features}`);
  const rng = new Rng(seed);
  // Random linear lift from the plane to `features` dimensions.
  const lift = new Float32Array(2 * features);
  rng.fillNormal(lift, 0, 1 / Math.sqrt(2));
  const images = new Float32Array(count * features);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const c = i % classes;
    const r = rng.uniform();
    const angle = (2 * Math.PI * c) / classes + 3.5 * r + noise * rng.normal();
    const x = r * Math.cos(angle) * 2;
    const y = r * Math.sin(angle) * 2;
    for (let f = 0; f < features; f++) images[i * features + f] = x * lift[f] + y * lift[features + f];
    labels[i] = c;
  }
  return { images, labels, sampleShape: [features], classes, count };
}

/**
 * Tiny images [channels, size, size]: each class is an oriented bar pattern at a random
 * position plus pixel noise, so a conv net must find the orientation wherever it is.
 */
export function bars(opts: { count: number; classes?: number; size?: number; channels?: number; noise?: number; seed: number }): ArrayDataset {
  const classes = opts.classes ?? 4;
  const size = opts.size ?? 12;
  const channels = opts.channels ?? 1;
  const noise = opts.noise ?? 0.2;
  const rng = new Rng(opts.seed);
  const pixels = channels * size * size;
  const images = new Float32Array(opts.count * pixels);
  const labels = new Uint8Array(opts.count);
  for (let i = 0; i < opts.count; i++) {
    const c = i % classes;
    const theta = (Math.PI * c) / classes;
    const cx = size / 2 + rng.uniformIn(-size / 6, size / 6);
    const cy = size / 2 + rng.uniformIn(-size / 6, size / 6);
    const dx = Math.cos(theta);
    const dy = Math.sin(theta);
    for (let ch = 0; ch < channels; ch++) {
      const gain = 1 - 0.3 * ch;
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          // Distance from the line through (cx, cy) with direction (dx, dy).
          const dist = Math.abs((x - cx) * dy - (y - cy) * dx);
          const along = Math.abs((x - cx) * dx + (y - cy) * dy);
          const on = dist < 1 && along < size / 3 ? 1 : 0;
          images[i * pixels + (ch * size + y) * size + x] = gain * on + noise * rng.normal();
        }
      }
    }
    labels[i] = c;
  }
  return { images, labels, sampleShape: [channels, size, size], classes, count: opts.count };
}
