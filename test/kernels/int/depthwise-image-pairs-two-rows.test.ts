// The packed 3x3 depthwise kernel on image pairs takes two output rows at a time at strides 1x1
// and 2x2 (depthwise-conv2d-int-image-pairs.ts: twoRowsStride1 / twoRowsStride2), the last odd
// row and other strides one row at a time. Against the plain references (reference depthwise on
// NHWC, then the reference output stage) on plane sizes that give even, odd and single output
// rows and columns, mixed strides, channel multipliers, odd image counts (a lone last image), and
// both packed outputs (image-pair planes with a border, image-pair rows).
import t from 'tap';
import { Rng } from '../../../src/tensor/rng';
import { conv2dParams, conv2dOutputSize } from '../../../kernels/conv2d-params';
import { depthwiseConv2dIntReference } from '../../../kernels/int/depthwise-conv2d-int-reference';
import { requantizeChannelsReference } from '../../../kernels/int/requantize-channels-reference';
import { prepareRequantizeChannels } from '../../../kernels/int/requantize-channels';
import { depthwiseConv2dIntImagePairs } from '../../../kernels/int/depthwise-conv2d-int-image-pairs';
import { fromImagePairs, imagePairsSize, toImagePairs } from '../../../kernels/int/image-pairs';
import { fromImagePairRows, imagePairRowsSize } from '../../../kernels/int/image-pair-rows';
import { edgeCodes, firstDifference, randomInt8, randomRequantizeParams } from './gemm-helper';

t.test('packed 3x3 depthwise on image pairs, two rows at a time = reference depthwise + output stage', async (t) => {
  const rng = new Rng(4242);
  let count = 0;
  let index = 0;
  for (const n of [1, 2, 3, 5]) for (const [h, w] of [[1, 1], [2, 2], [1, 7], [7, 1], [4, 5], [7, 6], [8, 9], [13, 11]]) {
    for (const [sh, sw] of [[1, 1], [2, 2], [1, 2], [2, 1]]) {
      const pad = index++ % 5 === 4 ? 0 : 1;
      if (h + 2 * pad < 3 || w + 2 * pad < 3) continue;
      const cIn = [1, 5, 16][count % 3];
      const mult = cIn === 1 ? [1, 16][count % 2] : count % 4 === 1 ? 3 : 1;
      const cOut = cIn * mult;
      const p = conv2dParams({ n, cIn, cOut, groups: cIn, h, w, kh: 3, kw: 3, strideH: sh, strideW: sw, padH: pad, padW: pad });
      const { outH, outW } = conv2dOutputSize(p);
      const z = count % 7 === 0 ? 0 : rng.int(0, 256);
      const x = edgeCodes(rng, n * h * w * cIn);
      const wt = randomInt8(rng, 9 * cOut);
      // Unchecked ranges, so that (nearly) every channel takes the folded two-row path.
      const pr = randomRequantizeParams(rng, cOut, false, count % 3 === 0 ? 0 : rng.int(0, 10), count % 3 === 0 ? 255 : rng.int(100, 256));
      const xr = new Uint8Array(n * h * w * cOut);
      for (let i = 0; i < n * h * w; i++) for (let o = 0; o < cOut; o++) xr[i * cOut + o] = x[i * cIn + Math.floor(o / mult)];
      const total = n * outH * outW * cOut;
      const acc = depthwiseConv2dIntReference({ ...p, cIn: cOut, groups: cOut }, xr, z, wt, new Int32Array(total));
      const want = new Uint8Array(total);
      requantizeChannelsReference(total / cOut, cOut, acc, pr, want);
      const xp = toImagePairs(x, n, h, w, cIn, [pad, pad], z);
      const plan = prepareRequantizeChannels(cOut, pr, 'uint8');
      const label = `n${n} ${h}x${w} s${sh}x${sw} p${pad} cIn ${cIn} x${mult}`;
      const opad: [number, number] = [1, 1];
      const planes = new Float64Array(imagePairsSize(n, outH, outW, cOut, opad)).fill(-1);
      depthwiseConv2dIntImagePairs(p, xp, z, wt, plan, planes, { output: 'pairs', outputPad: opad });
      const d = firstDifference(fromImagePairs(planes, n, outH, outW, cOut, opad), want);
      if (d >= 0) t.fail(`${label} -> image-pair planes: element ${d} differs`);
      let border = 0;
      for (let q = 0; q < Math.ceil(n / 2) * cOut; q++) for (let y = 0; y < outH + 2; y++) for (let xx = 0; xx < outW + 2; xx++) {
        const inside = y >= 1 && y <= outH && xx >= 1 && xx <= outW;
        if (!inside && planes[(q * (outH + 2) + y) * (outW + 2) + xx] !== -1) border++;
      }
      if (border > 0) t.fail(`${label}: ${border} border elements written`);
      const rows = new Float64Array(imagePairRowsSize(n, outH * outW * cOut)).fill(-1);
      depthwiseConv2dIntImagePairs(p, xp, z, wt, plan, rows, { output: 'pair-rows' });
      const e = firstDifference(fromImagePairRows(rows, n, outH * outW * cOut), want);
      if (e >= 0) t.fail(`${label} -> image-pair rows: element ${e} differs`);
      count++;
    }
  }
  t.ok(count >= 100, `${count} cases`);
});
