// The fused depthwise kernel on padded-plane inputs (read in place), where channel multipliers
// take the two-channels-per-double path: against the plain references (reference depthwise on
// NHWC, then the reference output stage), over multipliers 1..16, odd channel counts, strides,
// planes down to 1x1, and operands at the extremes (codes 255, weights -128 / 127).
import t from 'tap';
import { Rng } from '../../../src/tensor/rng';
import { conv2dParams, conv2dOutputSize } from '../../../kernels/conv2d-params';
import { depthwiseConv2dIntReference } from '../../../kernels/int/depthwise-conv2d-int-reference';
import { requantizeChannelsReference, type RequantizeChannelsParams } from '../../../kernels/int/requantize-channels-reference';
import { prepareRequantizeChannels } from '../../../kernels/int/requantize-channels';
import { depthwiseConv2dIntRequantize } from '../../../kernels/int/depthwise-conv2d-int-requantize';
import { firstDifference } from './gemm-helper';

const MAX = 2147483647;

function params(rng: Rng, C: number, qmin: number, qmax: number): RequantizeChannelsParams {
  return {
    bias: Int32Array.from({ length: C }, () => rng.int(-3000, 3000)),
    multiplier: Int32Array.from({ length: C }, () => (rng.int(0, 4) ? 1 : -1) * rng.int(1 << 30, MAX)),
    shift: Int32Array.from({ length: C }, () => rng.int(-14, -6)),
    fraction: Int32Array.from({ length: C }, () => rng.int(-32768, 32769)),
    offset: Int32Array.from({ length: C }, () => rng.int(-20, 140)),
    qmin,
    qmax,
  };
}

/** NHWC codes -> padded channel planes [n][c][h + 2p][w + 2p], the border holding z. */
function toPadded(v: Uint8Array, n: number, h: number, w: number, c: number, p: number, z: number): Uint8Array {
  const out = new Uint8Array(n * c * (h + 2 * p) * (w + 2 * p)).fill(z);
  for (let b = 0; b < n; b++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) {
    out[((b * c + ch) * (h + 2 * p) + y + p) * (w + 2 * p) + x + p] = v[((b * h + y) * w + x) * c + ch];
  }
  return out;
}

t.test('padded input, channel multipliers: channel pairs = reference depthwise + reference output stage', async (t) => {
  const rng = new Rng(81);
  let count = 0;
  for (const cIn of [1, 2, 3]) for (const mult of [1, 2, 3, 5, 16]) for (const stride of [1, 2]) for (const [h, w] of [[1, 1], [5, 7], [13, 4]]) {
    const extreme = count % 4 === 0;
    const cOut = cIn * mult;
    const p = conv2dParams({ n: 2, cIn, cOut, groups: cIn, h, w, kh: 3, kw: 3, strideH: stride, strideW: stride, padH: 1, padW: 1 });
    const { outH, outW } = conv2dOutputSize(p);
    const z = extreme ? 0 : rng.int(0, 256);
    const x = Uint8Array.from({ length: 2 * h * w * cIn }, () => (extreme ? 255 : rng.int(0, 256)));
    const wt = Int8Array.from({ length: 9 * cOut }, () => (extreme ? (rng.int(0, 2) ? -128 : 127) : rng.int(-128, 128)));
    const pr = params(rng, cOut, rng.int(0, 10), rng.int(100, 256));
    const count2 = 2 * outH * outW * cOut;
    // Oracle: a multiplier conv is the plain depthwise conv of the input with every channel
    // repeated `mult` times (output channel o reads input channel floor(o / mult)).
    const xr = new Uint8Array(2 * h * w * cOut);
    for (let i = 0; i < 2 * h * w; i++) for (let o = 0; o < cOut; o++) xr[i * cOut + o] = x[i * cIn + Math.floor(o / mult)];
    const acc = depthwiseConv2dIntReference({ ...p, cIn: cOut, groups: cOut }, xr, z, wt, new Int32Array(count2));
    const want = new Uint8Array(count2);
    requantizeChannelsReference(count2 / cOut, cOut, acc, pr, want);
    const got = new Uint8Array(count2);
    depthwiseConv2dIntRequantize(p, toPadded(x, 2, h, w, cIn, 1, z), z, wt, prepareRequantizeChannels(cOut, pr, 'uint8'), got, { input: 'padded', output: 'nhwc' });
    const d = firstDifference(got, want);
    if (d >= 0) t.fail(`cIn ${cIn} x${mult} s${stride} ${h}x${w}${extreme ? ' extreme' : ''}: element ${d} is ${got[d]}, want ${want[d]}`);
    count++;
  }
  t.equal(count, 90);
});
