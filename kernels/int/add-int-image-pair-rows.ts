// Quantized addition (add-int.ts) writing image-pair rows (image-pair-rows.ts): the residual
// sum of an inverted-residual block goes straight to the pointwise layer that reads it, two
// images per element, without a pass through NHWC codes. Bit for bit addIntReference per image.
import { checkAddInt, type AddIntParams } from './add-int-reference';
import { addInt, addOne, uncheckedAdd } from './add-int';
import { IMAGE_PAIR_LANE } from './image-pairs';
import { packImagePairRows } from './image-pair-rows';
import { checkLength } from './validate';

let CODES = new Uint8Array(0);

/** a + b of n images of `size` elements each (image-major), as image-pair rows of codes. */
export function addIntImagePairRows(n: number, size: number, a: Uint8Array | Int32Array, b: Uint8Array | Int32Array, p: AddIntParams, out: Float64Array): void {
  const count = n * size;
  if (CODES.length < count) CODES = new Uint8Array(count);
  // Shapes, parameters, and a range of codes (the checks of a uint8 output of `count` values).
  checkAddInt('addIntImagePairRows', count, a, b, p, CODES);
  checkLength('addIntImagePairRows', 'out', out, Math.ceil(n / 2) * size, `${n} images of ${size} as image-pair rows`);
  const k = uncheckedAdd(count, a, b, p);
  if (!k) {
    // Values out of the double paths' range: the checked kernel into codes, then packed.
    addInt(count, a, b, p, CODES);
    packImagePairRows(CODES, n, size, out);
    return;
  }
  for (let i0 = 0; i0 < n; i0 += 2) {
    const lo = i0 * size;
    const hi = i0 + 1 < n ? lo + size : lo;
    const o = (i0 >> 1) * size;
    for (let i = 0; i < size; i++) out[o + i] = addOne(a[lo + i], b[lo + i], k) + IMAGE_PAIR_LANE * addOne(a[hi + i], b[hi + i], k);
  }
}
