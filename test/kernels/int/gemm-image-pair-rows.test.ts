// The image-pair-rows GEMM (gemm-image-pair-rows.ts) equals the plain reference (reference GEMM,
// then the reference output stage, per image) on awkward shapes: one pixel, prime pixel counts,
// odd image counts (a lone last image), depths 1, 7, 8, 9, 24, 33 and 96 (partial groups of 8 and chunks of 32 of the
// generated kernel), channel counts that are and are not multiples of 4, extreme codes and
// weights, narrow and full ranges, int32 outputs, checked, unchecked and folded output stages, and all three output
// kinds (planes with a border, rows, NHWC).
import t from 'tap';
import { Rng } from '../../../src/tensor/rng';
import { gemmIntReference } from '../../../kernels/int/gemm-int-reference';
import { requantizeChannelsReference } from '../../../kernels/int/requantize-channels-reference';
import { prepareRequantizeChannels } from '../../../kernels/int/requantize-channels';
import { gemmImagePairRows, pairRowsFit, preparePairRowsLayer, type PairRowsOutput } from '../../../kernels/int/gemm-image-pair-rows';
import { fromImagePairRows, imagePairRowsSize, packImagePairRows } from '../../../kernels/int/image-pair-rows';
import { fromImagePairs, imagePairsSize, IMAGE_PAIR_LANE } from '../../../kernels/int/image-pairs';
import { reachableRange } from '../../../kernels/int/reachable-range';
import { globalSumPool2dInt } from '../../../kernels/int/global-sum-pool2d-int';
import { edgeCodes, firstDifference, randomInt8, randomRequantizeParams } from './gemm-helper';

const MAX = 2147483647;

t.test('GEMM on image-pair rows = reference GEMM + output stage, every output kind', async (t) => {
  const rng = new Rng(913);
  let count = 0;
  let fast = 0;
  const stages = { free: 0, folded: 0, unfolded: 0 };
  const kinds = ['planes', 'rows', 'nhwc', 'nhwc32'] as const;
  for (const images of [1, 2, 3, 5]) for (const [H, W] of [[1, 1], [1, 3], [3, 3], [5, 7]]) for (const N of [4, 5, 8, 12]) for (const K of [1, 7, 8, 9, 24, 33, 96]) {
    const kind = kinds[count % 4];
    const checked = count % 9 === 8;
    const wide = kind === 'nhwc32';
    const [qmin, qmax] = wide ? [-MAX, MAX] : count % 5 === 0 ? [0, 255] : [rng.int(0, 10), rng.int(100, 256)];
    const pad: [number, number] = count % 3 === 0 ? [0, 0] : [1, 2];
    const P = H * W;
    const a = edgeCodes(rng, images * P * K);
    const w = randomInt8(rng, N * K);
    let pr = randomRequantizeParams(rng, N, checked, qmin, qmax);
    if (wide && count % 8 >= 4) {
      // An int32 output narrowed to its reachable range, as the runtime does: nothing clamps.
      const bound = Float64Array.from({ length: N }, (_, j) => { let s = 0; for (let q = 0; q < K; q++) s += 255 * Math.abs(w[j * K + q]); return s; });
      pr = { ...pr, ...reachableRange(N, pr, bound) };
    }
    const want = wide ? new Int32Array(images * P * N) : new Uint8Array(images * P * N);
    requantizeChannelsReference(images * P, N, gemmIntReference(images * P, N, K, a, w), pr, want);
    const label = `${images} images ${H}x${W} N${N} K${K} ${kind}${checked ? ' checked' : ''} [${pr.qmin}, ${pr.qmax}]`;
    const plan = prepareRequantizeChannels(N, pr, wide ? 'int32' : 'uint8');
    const layer = preparePairRowsLayer(w, N, K, plan);
    if (layer.fast) fast++;
    if (layer.fast) stages[layer.stage]++;
    const x = new Float64Array(imagePairRowsSize(images, P * K));
    packImagePairRows(a, images, P * K, x);
    let got: ArrayLike<number>;
    if (kind === 'planes') {
      const out = new Float64Array(imagePairsSize(images, H, W, N, pad)).fill(5 * (1 + IMAGE_PAIR_LANE));
      const output: PairRowsOutput = { kind: 'planes', height: H, width: W, pad };
      gemmImagePairRows(images, P, x, layer, out, output);
      if (pad[0] > 0 && out[0] !== 5 * (1 + IMAGE_PAIR_LANE)) t.fail(`${label}: border overwritten`);
      const nhwc = fromImagePairs(out, images, H, W, N, pad);
      got = nhwc;
    } else if (kind === 'rows') {
      const out = new Float64Array(imagePairRowsSize(images, P * N));
      gemmImagePairRows(images, P, x, layer, out, { kind: 'rows' });
      got = fromImagePairRows(out, images, P * N);
    } else {
      const out = wide ? new Int32Array(images * P * N) : new Uint8Array(images * P * N);
      gemmImagePairRows(images, P, x, layer, out, { kind: 'nhwc' });
      got = out;
    }
    const d = firstDifference(got, want);
    if (d >= 0) t.fail(`${label}: element ${d} is ${got[d]}, want ${want[d]}`);
    count++;
  }
  t.equal(count, 448);
  // Most cases must take the generated kernel (N a multiple of 4, unchecked, narrow range).
  t.ok(fast >= 140, `${fast} cases on the generated kernels`);
  // Each output stage of the generated kernels is exercised.
  for (const [stage, n] of Object.entries(stages)) t.ok(n >= 4, `${n} cases with the '${stage}' output stage`);
});

t.test('image-pair rows: sums that would not split exactly, and depths above the generated kernels, are refused', async (t) => {
  const w = new Int8Array(1100).fill(-128);
  t.notOk(pairRowsFit(w, 1, 1100));
  t.ok(pairRowsFit(w, 1, 1000));
  const plan = prepareRequantizeChannels(1, randomRequantizeParams(new Rng(1), 1, false, 0, 255), 'uint8');
  t.throws(() => preparePairRowsLayer(w, 1, 257, plan), /above 256/);
});

t.test("image-pair rows, 'pool' output: each image's sums over the pixels = global sum pooling of the reference", async (t) => {
  const rng = new Rng(914);
  let count = 0;
  let fast = 0;
  const shapes: [number, number, number, number][] = [];
  for (const [H, W] of [[1, 1], [1, 3], [2, 2], [4, 4], [5, 7]]) for (const N of [4, 5, 8, 12]) for (const K of [1, 7, 9, 24, 32, 33, 96]) shapes.push([H, W, N, K]);
  shapes.push([4, 4, 256, 32], [3, 5, 256, 17]);
  for (const images of [1, 2, 3, 5]) for (const [H, W, N, K] of shapes) {
    const wide = count % 2 === 1;
    const checked = count % 9 === 8;
    const wrap = wide && count % 6 === 5;
    const [qmin, qmax] = wide ? [-MAX, MAX] : count % 5 === 0 ? [0, 255] : [rng.int(0, 10), rng.int(100, 256)];
    const P = H * W;
    const a = edgeCodes(rng, images * P * K);
    const w = randomInt8(rng, N * K);
    let pr = randomRequantizeParams(rng, N, checked, qmin, qmax);
    // Values near 2^30 per pixel: their int32 sums wrap, as global-sum-pool2d-int.ts's do.
    if (wrap) pr = { ...pr, offset: pr.offset.map(() => rng.int(1 << 29, 1 << 30)) };
    if (wide && count % 4 === 1) {
      const bound = Float64Array.from({ length: N }, (_, j) => { let s = 0; for (let q = 0; q < K; q++) s += 255 * Math.abs(w[j * K + q]); return s; });
      pr = { ...pr, ...reachableRange(N, pr, bound) };
    }
    const values = wide ? new Int32Array(images * P * N) : new Uint8Array(images * P * N);
    requantizeChannelsReference(images * P, N, gemmIntReference(images * P, N, K, a, w), pr, values);
    const want = globalSumPool2dInt(images, P, N, values, new Int32Array(images * N));
    const plan = prepareRequantizeChannels(N, pr, wide ? 'int32' : 'uint8');
    const layer = preparePairRowsLayer(w, N, K, plan);
    if (layer.fast) fast++;
    const x = new Float64Array(imagePairRowsSize(images, P * K));
    packImagePairRows(a, images, P * K, x);
    const got = new Int32Array(images * N).fill(7);
    gemmImagePairRows(images, P, x, layer, got, { kind: 'pool' });
    const d = firstDifference(got, want);
    const label = `${images} images ${H}x${W} N${N} K${K}${wide ? ' int32' : ''}${checked ? ' checked' : ''}${wrap ? ' wrapping' : ''}`;
    if (d >= 0) t.fail(`${label}: element ${d} is ${got[d]}, want ${want[d]}`);
    count++;
  }
  t.equal(count, 4 * (5 * 4 * 7 + 2));
  t.ok(fast >= 100, `${fast} cases on the generated kernels`);
  t.throws(() => gemmImagePairRows(1, 1, new Float64Array(4), preparePairRowsLayer(new Int8Array(16), 4, 4, prepareRequantizeChannels(4, randomRequantizeParams(rng, 4, false, 0, 255), 'uint8')), new Uint8Array(4), { kind: 'pool' }), /Int32Array/);
});
