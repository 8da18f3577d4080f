// The per-tensor output stage (requantize-tensor.ts) equals requantizeChannelsReference with one
// channel: uint8 and int32 outputs, values on both sides of the fast path's limit (the exact
// BigInt path), extreme int32 inputs, narrow and full ranges, and image-pair rows for odd and
// even image counts (a lone last image's high lane is a copy of it).
import t from 'tap';
import { Rng } from '../../../src/tensor/rng';
import { requantizeChannelsReference, type RequantizeChannelsParams } from '../../../kernels/int/requantize-channels-reference';
import { prepareRequantizeChannels } from '../../../kernels/int/requantize-channels';
import { requantizeTensor, requantizeTensorImagePairRows } from '../../../kernels/int/requantize-tensor';
import { fromImagePairRows, imagePairRowsSize } from '../../../kernels/int/image-pair-rows';
import { IMAGE_PAIR_LANE } from '../../../kernels/int/image-pairs';
import { firstDifference } from './gemm-helper';

const MAX = 2147483647;

function params(rng: Rng, qmin: number, qmax: number): RequantizeChannelsParams {
  return {
    bias: Int32Array.of(rng.int(-3000, 3000)),
    multiplier: Int32Array.of((rng.int(0, 4) ? 1 : -1) * rng.int(1 << 30, MAX)),
    shift: Int32Array.of(rng.int(0, 3) === 0 ? rng.int(-31, -20) : rng.int(-12, 2)),
    fraction: Int32Array.of(rng.int(-32768, 32769)),
    offset: Int32Array.of(rng.int(-20, 140)),
    qmin,
    qmax,
  };
}

t.test('requantizeTensor = one-channel reference output stage, in order and as image-pair rows', async (t) => {
  const rng = new Rng(77);
  let count = 0;
  for (const n of [1, 2, 3, 6]) for (const size of [1, 5, 64]) for (const wide of [false, true]) for (let rep = 0; rep < 3; rep++) {
    const [qmin, qmax] = wide ? (rep === 0 ? [-MAX, MAX] : [-40000, 50000]) : rep === 0 ? [0, 255] : [rng.int(0, 10), rng.int(100, 256)];
    const x = Int32Array.from({ length: n * size }, (_, i) => (i % 7 === 0 ? (i % 2 ? MAX : -MAX - 1) : i % 5 === 0 ? rng.int(-5000000, 5000000) : rng.int(-40000, 40000)));
    const pr = params(rng, qmin, qmax);
    const want = wide ? new Int32Array(n * size) : new Uint8Array(n * size);
    requantizeChannelsReference(n * size, 1, x, pr, want);
    const plan = prepareRequantizeChannels(1, pr, wide ? 'int32' : 'uint8');
    const got = wide ? new Int32Array(n * size) : new Uint8Array(n * size);
    requantizeTensor(n * size, x, plan, got);
    const label = `${n}x${size} [${qmin}, ${qmax}] shift ${pr.shift[0]}`;
    const d = firstDifference(got, want);
    if (d >= 0) t.fail(`${label}: element ${d} is ${got[d]}, want ${want[d]}`);
    if (!wide) {
      const rows = new Float64Array(imagePairRowsSize(n, size)).fill(-1);
      requantizeTensorImagePairRows(n, size, x, plan, rows);
      const e = firstDifference(fromImagePairRows(rows, n, size), want);
      if (e >= 0) t.fail(`${label} as image-pair rows: element ${e} differs`);
      if (n % 2 === 1) {
        const last = rows[(n >> 1) * size];
        if (last !== want[(n - 1) * size] * (1 + IMAGE_PAIR_LANE)) t.fail(`${label}: lone last image's high lane is not a copy`);
      }
    }
    count++;
  }
  t.equal(count, 72);
});
