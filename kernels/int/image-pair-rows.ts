// Image-pair rows: a uint8 activation tensor [n, h, w, c] stored for pointwise GEMMs as float64
// rows [ceil(n/2)][h·w][c] whose element is v(b) + 2^26·v(b + 1), the codes of images b = 2q and
// b + 1 at the same pixel and channel (a lone last image has a copy of itself in the high lane).
// The NHWC order of image-pair planes' sibling (image-pairs.ts): a pixel's channels are
// contiguous, so a pointwise GEMM reads one row of K doubles per pixel and every multiply by a
// weight serves two images (gemm-image-pair-rows.ts).
import { IMAGE_PAIR_LANE, imagePairLane } from './image-pairs';

/** Elements of the image-pair rows of n images of `size` values each (h·w·c). */
export function imagePairRowsSize(n: number, size: number): number {
  return Math.ceil(n / 2) * size;
}

/**
 * Codes of n images (`size` each, image-major, read from codes[start ..]) -> image-pair rows at
 * out[outStart ..]. Where a tensor is produced by an elementwise op, this packs its output.
 */
export function packImagePairRows(codes: ArrayLike<number>, n: number, size: number, out: Float64Array, start = 0, outStart = 0): void {
  for (let b = 0; b < n; b += 2) {
    const lo = start + b * size;
    const hi = b + 1 < n ? lo + size : lo;
    const o = outStart + (b >> 1) * size;
    for (let i = 0; i < size; i++) out[o + i] = codes[lo + i] + IMAGE_PAIR_LANE * codes[hi + i];
  }
}

/** Image-pair rows -> the codes of the n images, image-major, into `out` (or a new array). */
export function fromImagePairRows(x: Float64Array, n: number, size: number, out = new Uint8Array(n * size)): Uint8Array {
  for (let b = 0; b < n; b++) for (let i = 0; i < size; i++) out[b * size + i] = imagePairLane(x[(b >> 1) * size + i], b & 1);
  return out;
}
