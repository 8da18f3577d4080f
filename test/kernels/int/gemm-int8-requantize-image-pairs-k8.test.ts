// The K = 8 image-pair GEMM (gemm-int8-requantize-image-pairs-k8.ts) equals the plain reference
// (reference GEMM, then the reference output stage) on awkward shapes: one pixel, odd and prime
// pixel counts (the lone last pixel), odd image counts (a lone last image), channel counts that
// are and are not multiples of 4, the extreme codes and weights, the full [0, 255] range, checked
// output stages and other depths (both handed to the general kernel), padded planes, and calls
// that start mid-plane.
import t from 'tap';
import { Rng } from '../../../src/tensor/rng';
import { gemmIntReference } from '../../../kernels/int/gemm-int-reference';
import { requantizeChannelsReference } from '../../../kernels/int/requantize-channels-reference';
import { prepareRequantizeChannels } from '../../../kernels/int/requantize-channels';
import { prepackInt8Requantize } from '../../../kernels/int/gemm-int8-requantize';
import { foldsK8, gemmInt8RequantizeImagePairsK8 } from '../../../kernels/int/gemm-int8-requantize-image-pairs-k8';
import { fromImagePairs, imagePairsSize, IMAGE_PAIR_LANE } from '../../../kernels/int/image-pairs';
import { edgeCodes, firstDifference, randomInt8, randomRequantizeParams } from './gemm-helper';

t.test('K = 8 GEMM into image pairs = reference GEMM + output stage', async (t) => {
  const rng = new Rng(812);
  let count = 0;
  let fast = 0;
  for (const images of [1, 2, 3]) for (const [H, W] of [[1, 1], [1, 3], [2, 2], [3, 3], [5, 7]]) for (const N of [4, 5, 8, 32]) for (const K of [8, 8, 7]) {
    const checked = count % 7 === 6;
    const pad: [number, number] = count % 3 === 0 ? [0, 0] : [1, 2];
    const [qmin, qmax] = count % 4 === 0 ? [0, 255] : [rng.int(0, 10), rng.int(100, 256)];
    const P = H * W;
    const a = edgeCodes(rng, images * P * K);
    const w = randomInt8(rng, N * K);
    const pr = randomRequantizeParams(rng, N, checked, qmin, qmax);
    const want = new Uint8Array(images * P * N);
    requantizeChannelsReference(images * P, N, gemmIntReference(images * P, N, K, a, w), pr, want);
    const planeSize = (H + 2 * pad[0]) * (W + 2 * pad[1]);
    const out = new Float64Array(imagePairsSize(images, H, W, N, pad)).fill(5 * (1 + IMAGE_PAIR_LANE));
    const plan = prepareRequantizeChannels(N, pr, 'uint8');
    const panels = prepackInt8Requantize(w, N, K);
    if (foldsK8(panels, plan)) fast++;
    for (let b = 0; b < images; b += 2) {
      const b1 = b + 1 < images ? b + 1 : b;
      // Two calls per image pair (rows [0, W) then the rest), as the runtime's row blocks do.
      for (const [r, rows] of [[0, W], [W, P - W]]) {
        if (rows <= 0) continue;
        const start = (b >> 1) * N * planeSize + (r / W + pad[0]) * (W + 2 * pad[1]) + pad[1];
        gemmInt8RequantizeImagePairsK8(rows, a, (b * P + r) * K, (b1 * P + r) * K, panels, plan, out, { start, column: planeSize, wrap: W, gap: 2 * pad[1] });
      }
    }
    const got = fromImagePairs(out, images, H, W, N, pad);
    const d = firstDifference(got, want);
    if (d >= 0) t.fail(`${images} images ${H}x${W} N${N} K${K}${checked ? ' checked' : ''} [${qmin}, ${qmax}]: element ${d} is ${got[d]}, want ${want[d]}`);
    if (pad[0] > 0 && out[0] !== 5 * (1 + IMAGE_PAIR_LANE)) t.fail(`${images} images ${H}x${W} N${N} K${K}: border overwritten`);
    count++;
  }
  t.equal(count, 180);
  // Most cases must take the K = 8 path itself (N a multiple of 4, K = 8, unchecked).
  t.ok(fast >= 60, `${fast} cases on the K = 8 path`);
});
