// Image-pair planes: a uint8 activation tensor [n, h, w, c] stored for depthwise layers as
// float64 channel planes [ceil(n/2)][c][h + 2ph][w + 2pw] whose element is v(b) + 2^26·v(b + 1),
// the codes of images b = 2q and b + 1 at the same channel and pixel; the border holds the zero
// point in both lanes, and a lone last image has a copy of itself in the high lane.
//
// Why: a depthwise layer multiplies every input of a channel by that channel's weights, so one
// multiply of a packed value serves both images, and since each image's sum Σ x·w stays below
// 2^25 in magnitude (255·Σ|w| < 2^25 for any 3x3 int8 kernel) the packed sum is an exact integer
// that splits exactly (as the channel pairs of gemm-int8-requantize.ts do).

/** The high lane's weight. */
export const IMAGE_PAIR_LANE = 67108864; // 2^26

const INV = 1 / IMAGE_PAIR_LANE;
const ROUNDER = 6755399441055744; // 1.5·2^52

/** Elements of the image-pair planes of a [n, h, w, c] tensor with border pad. */
export function imagePairsSize(n: number, h: number, w: number, c: number, pad: [number, number]): number {
  return Math.ceil(n / 2) * c * (h + 2 * pad[0]) * (w + 2 * pad[1]);
}

/** Index of (image b, channel ch, row y, column x) in the planes (its lane is b & 1). */
export function imagePairsIndex(b: number, ch: number, y: number, x: number, h: number, w: number, c: number, pad: [number, number]): number {
  return ((((b >> 1) * c + ch) * (h + 2 * pad[0]) + y + pad[0]) * (w + 2 * pad[1])) + x + pad[1];
}

/** The code of `lane` (0 or 1) in a packed element. */
export function imagePairLane(v: number, lane: number): number {
  const hi = v * INV + ROUNDER - ROUNDER;
  return lane === 0 ? v - hi * IMAGE_PAIR_LANE : hi;
}

/** NHWC codes -> image-pair planes (the border and missing lanes as described above). */
export function toImagePairs(codes: ArrayLike<number>, n: number, h: number, w: number, c: number, pad: [number, number], zeroPoint: number): Float64Array {
  const out = new Float64Array(imagePairsSize(n, h, w, c, pad)).fill(zeroPoint * (1 + IMAGE_PAIR_LANE));
  for (let b = 0; b < n; b += 2) {
    const b1 = b + 1 < n ? b + 1 : b;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) {
      const v0 = codes[((b * h + y) * w + x) * c + ch];
      const v1 = codes[((b1 * h + y) * w + x) * c + ch];
      out[imagePairsIndex(b, ch, y, x, h, w, c, pad)] = v0 + IMAGE_PAIR_LANE * v1;
    }
  }
  return out;
}

/** Image-pair planes -> NHWC codes of the n images. */
export function fromImagePairs(x: Float64Array, n: number, h: number, w: number, c: number, pad: [number, number]): Uint8Array {
  const out = new Uint8Array(n * h * w * c);
  for (let b = 0; b < n; b++) for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) for (let ch = 0; ch < c; ch++) {
    out[((b * h + y) * w + xx) * c + ch] = imagePairLane(x[imagePairsIndex(b, ch, y, xx, h, w, c, pad)], b & 1);
  }
  return out;
}
