// The three-lanes-per-double fused GEMM against the plain references (reference GEMM, then the
// reference output stage): tails of every tile size, uint8 and int32 outputs, the checked path,
// strided (channel-plane) output, and sums at the lanes' exactness limit 255·Σ|w| = 65535.
import t from 'tap';
import { Rng } from '../../../src/tensor/rng';
import { gemmIntReference } from '../../../kernels/int/gemm-int-reference';
import { requantizeChannelsReference, type RequantizeChannelsParams } from '../../../kernels/int/requantize-channels-reference';
import { prepareRequantizeChannels } from '../../../kernels/int/requantize-channels';
import { fitsTriples, gemmInt8RequantizeTriples, prepackInt8RequantizeTriples, TRIPLE_MAX_BOUND } from '../../../kernels/int/gemm-int8-requantize-triples';
import { firstDifference } from './gemm-helper';

const MAX = 2147483647;

function params(rng: Rng, C: number, checked: boolean, qmin: number, qmax: number): RequantizeChannelsParams {
  return {
    bias: Int32Array.from({ length: C }, () => (checked && rng.int(0, 3) === 0 ? rng.int(-3000000, 3000000) : rng.int(-3000, 3000))),
    multiplier: Int32Array.from({ length: C }, () => (rng.int(0, 4) ? 1 : -1) * rng.int(1 << 30, MAX)),
    shift: Int32Array.from({ length: C }, () => (checked && rng.int(0, 3) === 0 ? rng.int(-31, -20) : rng.int(-12, -2))),
    fraction: Int32Array.from({ length: C }, () => rng.int(-32768, 32769)),
    offset: Int32Array.from({ length: C }, () => rng.int(-20, 140)),
    qmin,
    qmax,
  };
}

/** N×K weights in [-lim, lim] with each row's 255·Σ|w| at most the lanes' limit. */
function fittingWeights(rng: Rng, n: number, k: number, lim: number): Int8Array {
  const w = new Int8Array(n * k);
  for (let j = 0; j < n; j++) {
    let budget = Math.floor(TRIPLE_MAX_BOUND / 255);
    for (let t2 = 0; t2 < k; t2++) {
      const v = Math.min(budget, rng.int(0, lim + 1));
      budget -= v;
      w[j * k + t2] = rng.int(0, 2) ? v : -v;
    }
  }
  return w;
}

function check(t: { fail: (message: string) => void }, label: string, m: number, n: number, k: number, a: Uint8Array, w: Int8Array, p: RequantizeChannelsParams, wide: boolean): void {
  const want = wide ? new Int32Array(m * n) : new Uint8Array(m * n);
  requantizeChannelsReference(m, n, gemmIntReference(m, n, k, a.subarray(3), w), p, want);
  const got = wide ? new Int32Array(m * n + 1) : new Uint8Array(m * n + 1);
  gemmInt8RequantizeTriples(m, a, prepackInt8RequantizeTriples(w, n, k), prepareRequantizeChannels(n, p, wide ? 'int32' : 'uint8'), got, 3, { start: 1, row: n, column: 1 });
  const d = firstDifference(got.subarray(1), want);
  if (d >= 0) t.fail(`${label}: element ${d} is ${got[1 + d]}, want ${want[d]}`);
}

t.test('triples = reference GEMM + reference output stage on awkward shapes (tails, uint8 / int32, checked)', async (t) => {
  const rng = new Rng(71);
  let count = 0;
  for (const m of [1, 3, 4, 5, 9]) for (const n of [1, 2, 5, 6, 7, 12, 13]) for (const k of [1, 2, 7, 8, 33, 96]) {
    const checked = (m + n + k) % 3 === 0;
    const wide = (m * n) % 2 === 1;
    const full = (m + k) % 2 === 0;
    const a = new Uint8Array(m * k + 3);
    for (let i = 0; i < a.length; i++) a[i] = rng.int(0, 4) === 0 ? 255 : rng.int(0, 256);
    const w = fittingWeights(rng, n, k, k <= 8 ? 127 : 8);
    const p = params(rng, n, checked, wide ? (full ? -MAX : -1000000) : rng.int(0, 20), wide ? (full ? MAX : 1000000) : rng.int(120, 256));
    check(t, `m${m} N${n} K${k} ${wide ? 'int32' : 'uint8'}${checked ? ' checked' : ''}`, m, n, k, a, w, p, wide);
    count++;
  }
  t.ok(count >= 200, `${count} shapes`);
});

t.test('triples at the exactness limit: lanes at ±65535 in every sign pattern split exactly', async (t) => {
  const rng = new Rng(72);
  const k = 257; // 255·257 = 65535: all-±1 rows reach the limit with a = 255
  for (const pattern of [[1, 1, 1], [-1, -1, -1], [1, -1, 1], [-1, 1, -1], [1, 1, -1], [-1, -1, 1], [0, 1, -1], [1, 0, -1]]) {
    const n = 7;
    const w = new Int8Array(n * k);
    for (let j = 0; j < n; j++) w.fill(pattern[j % 3], j * k, (j + 1) * k);
    t.ok(fitsTriples(w, n, k), `pattern ${pattern} fits`);
    for (const fill of [255, 0, -1]) {
      const m = 6;
      const a = new Uint8Array(m * k + 3);
      for (let i = 0; i < a.length; i++) a[i] = fill >= 0 ? fill : rng.int(0, 256);
      // Wide int32 output with multiplier ~1 and shift 0 keeps every sum visible in the output.
      const p: RequantizeChannelsParams = {
        bias: new Int32Array(n), multiplier: new Int32Array(n).fill(1 << 30), shift: new Int32Array(n).fill(1), fraction: new Int32Array(n),
        offset: new Int32Array(n), qmin: -MAX, qmax: MAX,
      };
      check(t, `pattern ${pattern} a=${fill}`, m, n, k, a, w, p, true);
      check(t, `pattern ${pattern} a=${fill} uint8`, m, n, k, a, w, params(rng, n, false, 0, 255), false);
    }
  }
  const over = new Int8Array(258).fill(1); // 255·258 > 65535
  t.notOk(fitsTriples(over, 1, 258));
  t.throws(() => prepackInt8RequantizeTriples(over, 1, 258), /above 65535/);
});

t.test('triples into padded channel planes equal the row-major output', async (t) => {
  const rng = new Rng(73);
  const [m, n, k, W, pad] = [15, 13, 9, 5, 1];
  const a = new Uint8Array(m * k);
  for (let i = 0; i < a.length; i++) a[i] = rng.int(0, 256);
  const w = fittingWeights(rng, n, k, 8);
  const plan = prepareRequantizeChannels(n, params(rng, n, false, 0, 124), 'uint8');
  const panels = prepackInt8RequantizeTriples(w, n, k);
  const rows = new Uint8Array(m * n);
  gemmInt8RequantizeTriples(m, a, panels, plan, rows);
  const H = m / W;
  const plane = (H + 2 * pad) * (W + 2 * pad);
  const got = new Uint8Array(n * plane).fill(9);
  gemmInt8RequantizeTriples(m, a, panels, plan, got, 0, { start: pad * (W + 2 * pad) + pad, row: 1, column: plane, wrap: W, gap: 2 * pad });
  const want = new Uint8Array(n * plane).fill(9);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    want[j * plane + (Math.floor(i / W) + pad) * (W + 2 * pad) + (i % W) + pad] = rows[i * n + j];
  }
  t.same([...got], [...want]);
});
