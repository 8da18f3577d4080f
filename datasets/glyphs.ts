// A small seeded image set shaped like MNIST (1 x 28 x 28 bytes, 10 classes), so every net of
// the zoo runs on it in seconds and tests need no download. Each class is a simple stroke
// figure drawn with random position, size, rotation, stroke width and brightness, plus pixel
// noise: easy for a conv net, not linearly trivial, fully determined by the seed.
import { Rng } from '../src/tensor/rng';
import { checkDataset, ImageDataset } from './dataset';
import { channelStats } from './channel-stats';

export const GLYPH_CLASS_NAMES = [
  'horizontal bar',
  'vertical bar',
  'falling diagonal',
  'rising diagonal',
  'plus',
  'cross',
  'square outline',
  'ring',
  'filled square',
  'two bars',
];

/** Distance from (x, y) to the segment (ax, ay)-(bx, by). */
function segment(x: number, y: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
  const ex = x - ax - t * dx;
  const ey = y - ay - t * dy;
  return Math.sqrt(ex * ex + ey * ey);
}

/** Distance from a point in the glyph's own frame (unit half-size r) to class c's strokes. */
function glyphDistance(c: number, x: number, y: number, r: number): number {
  switch (c) {
    case 0: return segment(x, y, -r, 0, r, 0);
    case 1: return segment(x, y, 0, -r, 0, r);
    case 2: return segment(x, y, -r, -r, r, r);
    case 3: return segment(x, y, -r, r, r, -r);
    case 4: return Math.min(segment(x, y, -r, 0, r, 0), segment(x, y, 0, -r, 0, r));
    case 5: return Math.min(segment(x, y, -r, -r, r, r), segment(x, y, -r, r, r, -r));
    case 6: return Math.abs(Math.max(Math.abs(x), Math.abs(y)) - r);
    case 7: return Math.abs(Math.sqrt(x * x + y * y) - r);
    case 8: return Math.max(0, Math.max(Math.abs(x), Math.abs(y)) - r);
    default: return Math.min(segment(x, y, -r, -r / 2, r, -r / 2), segment(x, y, -r, r / 2, r, r / 2));
  }
}

export interface GlyphOptions {
  count: number;
  seed: number;
  /** Image side (default 28). */
  size?: number;
  /** Standard deviation of the pixel noise in 0..255 units (default 24). */
  noise?: number;
  /** Statistics to use (a test set takes its training set's); by default measured on the images. */
  stats?: { mean: number[]; std: number[] };
  name?: string;
}

/** `count` glyph images, class i % 10 for image i. */
export function glyphs(opts: GlyphOptions): ImageDataset {
  const size = opts.size ?? 28;
  const noise = opts.noise ?? 24;
  const classes = GLYPH_CLASS_NAMES.length;
  if (!Number.isInteger(opts.count) || opts.count < 1) throw new Error(`glyphs: count must be a positive integer, got ${opts.count}`);
  if (!Number.isInteger(size) || size < 8) throw new Error(`glyphs: size must be an integer >= 8, got ${size}`);
  const rng = new Rng(opts.seed);
  const plane = size * size;
  const images = new Uint8Array(opts.count * plane);
  const labels = new Int32Array(opts.count);
  for (let i = 0; i < opts.count; i++) {
    const c = i % classes;
    const r = size * rng.uniformIn(0.2, 0.32); // half-size of the figure
    const cx = (size - 1) / 2 + rng.uniformIn(-0.12, 0.12) * size;
    const cy = (size - 1) / 2 + rng.uniformIn(-0.12, 0.12) * size;
    const angle = rng.uniformIn(-0.2, 0.2);
    const halfWidth = size * rng.uniformIn(0.035, 0.06);
    const ink = rng.uniformIn(170, 255);
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    for (let py = 0; py < size; py++) {
      for (let px = 0; px < size; px++) {
        // Rotate the pixel into the glyph's frame.
        const x = (px - cx) * cos + (py - cy) * sin;
        const y = -(px - cx) * sin + (py - cy) * cos;
        const d = glyphDistance(c, x, y, r);
        const coverage = Math.max(0, Math.min(1, halfWidth + 0.5 - d)); // one-pixel soft edge
        const v = coverage * ink + noise * rng.normal();
        images[i * plane + py * size + px] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
    labels[i] = c;
  }
  const stats = opts.stats ?? channelStats(images, opts.count, 1, plane, 1 / 255);
  return checkDataset({
    name: opts.name ?? `glyphs(seed ${opts.seed})`,
    images,
    labels,
    count: opts.count,
    channels: 1,
    height: size,
    width: size,
    classes,
    mean: stats.mean.slice(),
    std: stats.std.slice(),
    classNames: GLYPH_CLASS_NAMES.slice(),
  });
}
