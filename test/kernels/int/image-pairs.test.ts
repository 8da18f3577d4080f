// Image-pair planes (two images per float64): the layout helpers round-trip; the pointwise GEMM
// that writes them and the depthwise kernel that reads them equal the plain references (reference
// GEMM / depthwise, then the reference output stage) on awkward shapes: odd image counts (a lone
// last image), odd pixel counts, channel tails, every kernel geometry, checked output stages.
import t from 'tap';
import { Rng } from '../../../src/tensor/rng';
import { conv2dParams, conv2dOutputSize, type Conv2dParams } from '../../../kernels/conv2d-params';
import { gemmIntReference } from '../../../kernels/int/gemm-int-reference';
import { depthwiseConv2dIntReference } from '../../../kernels/int/depthwise-conv2d-int-reference';
import { requantizeChannelsReference, type RequantizeChannelsParams } from '../../../kernels/int/requantize-channels-reference';
import { prepareRequantizeChannels } from '../../../kernels/int/requantize-channels';
import { prepackInt8Requantize } from '../../../kernels/int/gemm-int8-requantize';
import { gemmInt8RequantizeImagePairs } from '../../../kernels/int/gemm-int8-requantize-image-pairs';
import { depthwiseConv2dIntImagePairs } from '../../../kernels/int/depthwise-conv2d-int-image-pairs';
import { fromImagePairs, imagePairsSize, toImagePairs, IMAGE_PAIR_LANE } from '../../../kernels/int/image-pairs';
import { fromImagePairRows, imagePairRowsSize } from '../../../kernels/int/image-pair-rows';
import { firstDifference } from './gemm-helper';

const MAX = 2147483647;

function params(rng: Rng, C: number, checked: boolean, qmin: number, qmax: number): RequantizeChannelsParams {
  return {
    bias: Int32Array.from({ length: C }, () => (checked && rng.int(0, 3) === 0 ? rng.int(-3000000, 3000000) : rng.int(-3000, 3000))),
    multiplier: Int32Array.from({ length: C }, () => (rng.int(0, 4) ? 1 : -1) * rng.int(1 << 30, MAX)),
    shift: Int32Array.from({ length: C }, () => (checked && rng.int(0, 3) === 0 ? rng.int(-31, -20) : rng.int(-14, -6))),
    fraction: Int32Array.from({ length: C }, () => rng.int(-32768, 32769)),
    offset: Int32Array.from({ length: C }, () => rng.int(-20, 140)),
    qmin,
    qmax,
  };
}

const codes = (rng: Rng, count: number): Uint8Array => Uint8Array.from({ length: count }, () => (rng.int(0, 5) === 0 ? 255 : rng.int(0, 256)));

t.test('layout helpers: NHWC -> image pairs -> NHWC; border and lone-image lanes', async (t) => {
  const rng = new Rng(111);
  for (const [n, h, w, c, ph, pw] of [[1, 1, 1, 1, 0, 0], [3, 4, 5, 2, 1, 1], [4, 2, 3, 3, 2, 0]]) {
    const v = codes(rng, n * h * w * c);
    const x = toImagePairs(v, n, h, w, c, [ph, pw], 7);
    t.equal(x.length, imagePairsSize(n, h, w, c, [ph, pw]));
    t.same([...fromImagePairs(x, n, h, w, c, [ph, pw])], [...v], `${n}x${h}x${w}x${c} pad ${ph},${pw}`);
    if (ph > 0) t.equal(x[0], 7 * (1 + IMAGE_PAIR_LANE), 'border holds z in both lanes');
  }
});

t.test('pointwise GEMM into image pairs = reference GEMM + output stage, packed', async (t) => {
  const rng = new Rng(112);
  let count = 0;
  for (const images of [1, 2, 3]) for (const [H, W] of [[1, 1], [1, 3], [3, 3], [2, 5]]) for (const N of [1, 3, 4, 5, 8, 13]) for (const K of [1, 7, 8, 33]) {
    const checked = count % 5 === 4;
    const pad: [number, number] = count % 3 === 0 ? [0, 0] : [1, 2];
    const P = H * W;
    const a = codes(rng, images * P * K);
    const w = Int8Array.from({ length: N * K }, () => rng.int(-128, 128));
    const pr = params(rng, N, checked, rng.int(0, 10), rng.int(100, 256));
    const acc = gemmIntReference(images * P, N, K, a, w);
    const want = new Uint8Array(images * P * N);
    requantizeChannelsReference(images * P, N, acc, pr, want);
    const planeSize = (H + 2 * pad[0]) * (W + 2 * pad[1]);
    const out = new Float64Array(imagePairsSize(images, H, W, N, pad)).fill(5 * (1 + IMAGE_PAIR_LANE));
    const plan = prepareRequantizeChannels(N, pr, 'uint8');
    const panels = prepackInt8Requantize(w, N, K);
    for (let b = 0; b < images; b += 2) {
      const b1 = b + 1 < images ? b + 1 : b;
      // Two calls per image pair (rows [0, W) then the rest), as the runtime's row blocks do.
      for (const [r, rows] of [[0, W], [W, P - W]]) {
        if (rows <= 0) continue;
        const start = (b >> 1) * N * planeSize + (r / W + pad[0]) * (W + 2 * pad[1]) + pad[1];
        gemmInt8RequantizeImagePairs(rows, a, (b * P + r) * K, (b1 * P + r) * K, panels, plan, out, { start, column: planeSize, wrap: W, gap: 2 * pad[1] });
      }
    }
    const got = fromImagePairs(out, images, H, W, N, pad);
    const d = firstDifference(got, want);
    if (d >= 0) t.fail(`${images} images ${H}x${W} N${N} K${K}${checked ? ' checked' : ''}: element ${d} is ${got[d]}, want ${want[d]}`);
    // The border is untouched.
    if (pad[0] > 0 && out[0] !== 5 * (1 + IMAGE_PAIR_LANE)) t.fail(`${images} images ${H}x${W} N${N} K${K}: border overwritten`);
    count++;
  }
  t.equal(count, 288);
});

function depthwiseCases(): Conv2dParams[] {
  const cases: Conv2dParams[] = [];
  for (const n of [1, 2, 3]) for (const k of [1, 3, 5]) for (const stride of [1, 2]) for (const pad of [0, 1, 2]) for (const dil of [1, 2]) {
    const C = [1, 3, 8][(k + stride + pad) % 3];
    const p = conv2dParams({ n, cIn: C, cOut: C, groups: C, h: 7, w: 6, kh: k, kw: k, strideH: stride, strideW: stride, padH: pad, padW: pad, dilationH: dil, dilationW: dil });
    const { outH, outW } = conv2dOutputSize(p);
    if (outH >= 1 && outW >= 1) cases.push(p);
  }
  cases.push(conv2dParams({ n: 3, cIn: 5, cOut: 5, groups: 5, h: 1, w: 1, kh: 3, kw: 3, padH: 1, padW: 1 }));
  cases.push(conv2dParams({ n: 2, cIn: 4, cOut: 4, groups: 4, h: 4, w: 3, kh: 3, kw: 2, padH: 1, padW: 0, strideH: 2, strideW: 1 }));
  return cases;
}

t.test('depthwise on image pairs = reference depthwise + output stage (geometries, odd n, checked, layouts)', async (t) => {
  const rng = new Rng(113);
  let count = 0;
  for (const p of depthwiseCases()) {
    const { outH, outW } = conv2dOutputSize(p);
    const C = p.cIn;
    const checked = count % 4 === 3;
    const wide = count % 5 === 2;
    const z = count % 7 === 0 ? 0 : rng.int(0, 256);
    const x = codes(rng, p.n * p.h * p.w * C);
    const wt = Int8Array.from({ length: p.kh * p.kw * C }, () => (count % 6 === 0 ? (rng.int(0, 2) ? -128 : 127) : rng.int(-128, 128)));
    const pr = params(rng, C, checked, wide ? -MAX : rng.int(0, 10), wide ? MAX : rng.int(100, 256));
    const total = p.n * outH * outW * C;
    const acc = depthwiseConv2dIntReference(p, x, z, wt, new Int32Array(total));
    const want = wide ? new Int32Array(total) : new Uint8Array(total);
    requantizeChannelsReference(total / C, C, acc, pr, want);
    const xp = toImagePairs(x, p.n, p.h, p.w, C, [p.padH, p.padW], z);
    const plan = prepareRequantizeChannels(C, pr, wide ? 'int32' : 'uint8');
    const got = wide ? new Int32Array(total) : new Uint8Array(total);
    depthwiseConv2dIntImagePairs(p, xp, z, wt, plan, got);
    const label = `n${p.n} C${C} k${p.kh}x${p.kw} s${p.strideH} p${p.padH} d${p.dilationH}${checked ? ' checked' : ''}${wide ? ' int32' : ''}`;
    const d = firstDifference(got, want);
    if (d >= 0) t.fail(`${label}: element ${d} is ${got[d]}, want ${want[d]}`);
    if (!wide && count % 3 === 0) {
      // Padded channel-plane output: the same values at their plane positions.
      const [ph, pw] = [1, 2];
      const planes = new Uint8Array(p.n * C * (outH + 2 * ph) * (outW + 2 * pw)).fill(9);
      depthwiseConv2dIntImagePairs(p, xp, z, wt, plan, planes, { output: 'padded', outputPad: [ph, pw] });
      let bad = 0;
      for (let b = 0; b < p.n; b++) for (let c = 0; c < C; c++) for (let y = 0; y < outH + 2 * ph; y++) for (let xx = 0; xx < outW + 2 * pw; xx++) {
        const inside = y >= ph && y < outH + ph && xx >= pw && xx < outW + pw;
        const v = planes[((b * C + c) * (outH + 2 * ph) + y) * (outW + 2 * pw) + xx];
        if (v !== (inside ? want[((b * outH + y - ph) * outW + xx - pw) * C + c] : 9)) bad++;
      }
      if (bad > 0) t.fail(`${label}: ${bad} padded-plane outputs differ`);
    }
    if (!wide && count % 3 === 1) {
      // Image-pair rows, for a pointwise layer: the same codes, two images per element.
      const rows = new Float64Array(imagePairRowsSize(p.n, outH * outW * C)).fill(-1);
      depthwiseConv2dIntImagePairs(p, xp, z, wt, plan, rows, { output: 'pair-rows' });
      const e = firstDifference(fromImagePairRows(rows, p.n, outH * outW * C), want);
      if (e >= 0) t.fail(`${label} -> image-pair rows: element ${e} differs`);
    }
    count++;
  }
  t.ok(count > 80, `${count} geometries`);
});

t.test('depthwise on image pairs: channel multipliers, and image-pair output for the next depthwise layer', async (t) => {
  const rng = new Rng(114);
  let count = 0;
  for (const n of [1, 2, 3]) for (const cIn of [1, 2]) for (const mult of [1, 3, 16]) for (const [k, stride] of [[3, 1], [3, 2], [5, 1]]) {
    const cOut = cIn * mult;
    const p = conv2dParams({ n, cIn, cOut, groups: cIn, h: 6, w: 5, kh: k, kw: k, strideH: stride, strideW: stride, padH: 1, padW: 1 });
    const { outH, outW } = conv2dOutputSize(p);
    const z = rng.int(0, 256);
    const x = codes(rng, n * 6 * 5 * cIn);
    const wt = Int8Array.from({ length: k * k * cOut }, () => rng.int(-128, 128));
    const pr = params(rng, cOut, count % 4 === 3, rng.int(0, 10), rng.int(100, 256));
    // Oracle: output channel o reads input channel floor(o / mult), i.e. the plain depthwise conv
    // of the input with each channel repeated mult times.
    const xr = new Uint8Array(n * 6 * 5 * cOut);
    for (let i = 0; i < n * 6 * 5; i++) for (let o = 0; o < cOut; o++) xr[i * cOut + o] = x[i * cIn + Math.floor(o / mult)];
    const total = n * outH * outW * cOut;
    const acc = depthwiseConv2dIntReference({ ...p, cIn: cOut, groups: cOut }, xr, z, wt, new Int32Array(total));
    const want = new Uint8Array(total);
    requantizeChannelsReference(total / cOut, cOut, acc, pr, want);
    const xp = toImagePairs(x, n, 6, 5, cIn, [1, 1], z);
    const plan = prepareRequantizeChannels(cOut, pr, 'uint8');
    const label = `n${n} cIn ${cIn} x${mult} k${k} s${stride}`;
    const got = new Uint8Array(total);
    depthwiseConv2dIntImagePairs(p, xp, z, wt, plan, got);
    const d = firstDifference(got, want);
    if (d >= 0) t.fail(`${label}: element ${d} is ${got[d]}, want ${want[d]}`);
    const pad: [number, number] = [1, 2];
    const packed = new Float64Array(imagePairsSize(n, outH, outW, cOut, pad)).fill(-1);
    depthwiseConv2dIntImagePairs(p, xp, z, wt, plan, packed, { output: 'pairs', outputPad: pad });
    const unpacked = fromImagePairs(packed, n, outH, outW, cOut, pad);
    const e = firstDifference(unpacked, want);
    if (e >= 0) t.fail(`${label} -> image pairs: element ${e} is ${unpacked[e]}, want ${want[e]}`);
    const rows = new Float64Array(imagePairRowsSize(n, outH * outW * cOut)).fill(-1);
    depthwiseConv2dIntImagePairs(p, xp, z, wt, plan, rows, { output: 'pair-rows' });
    const r = firstDifference(fromImagePairRows(rows, n, outH * outW * cOut), want);
    if (r >= 0) t.fail(`${label} -> image-pair rows: element ${r} differs`);
    if (n % 2 === 1) {
      // A lone last image's high lane is a copy of it, as toImagePairs writes.
      const ref = toImagePairs(want, n, outH, outW, cOut, pad, 0);
      let bad = 0;
      for (let i = 0; i < packed.length; i++) if (packed[i] !== -1 && packed[i] !== ref[i]) bad++;
      if (bad > 0) t.fail(`${label}: ${bad} packed elements differ from toImagePairs of the codes`);
    }
    count++;
  }
  t.equal(count, 54);
});
