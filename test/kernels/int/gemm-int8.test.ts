// The int8 GEMMs (SDOT 4x16 mirror, SMMLA 4x8 mirror, fast path) against the exact-integer
// reference: all M, N in 1..17 with a spread of K for the mirrors, every (M, N, K) in 1..17 for
// the fast path, uint8 activations, and the depth where int32 accumulators wrap.
import t from 'tap';
import { Rng } from '../../../src/tensor/rng';
import { gemmIntReference } from '../../../kernels/int/gemm-int-reference';
import { gemmInt8SdotMirror, packSdotPanels } from '../../../kernels/int/gemm-int8-sdot-mirror';
import { gemmInt8SmmlaMirror, packSmmlaPanels } from '../../../kernels/int/gemm-int8-smmla-mirror';
import { gemmInt8Fast, prepackInt8Fast } from '../../../kernels/int/gemm-int8-fast';
import { ShapeChecks, randomInt8 } from './gemm-helper';

const MIRROR_DEPTHS = [1, 3, 4, 5, 8, 9, 13, 16, 17, 31, 33];

t.test('mirrors equal the reference for all M, N in 1..17 and K not a multiple of 4/8/16', async (t) => {
  const rng = new Rng(11);
  const checks = new ShapeChecks();
  for (const k of MIRROR_DEPTHS) {
    for (let m = 1; m <= 17; m++) {
      for (let n = 1; n <= 17; n++) {
        const a = randomInt8(rng, m * k);
        const w = randomInt8(rng, n * k);
        const ref = gemmIntReference(m, n, k, a, w);
        checks.check(`sdot ${m}x${n}x${k}`, gemmInt8SdotMirror(m, n, k, a, packSdotPanels(w, n, k)), ref);
        checks.check(`smmla ${m}x${n}x${k}`, gemmInt8SmmlaMirror(m, n, k, a, packSmmlaPanels(w, n, k)), ref);
      }
    }
  }
  t.same(checks.failures, [], `${checks.count} mirror GEMMs agree`);
});

t.test('fast path equals the reference on every (M, N, K) in 1..17, int8 and uint8 activations', async (t) => {
  const rng = new Rng(12);
  const checks = new ShapeChecks();
  for (let k = 1; k <= 17; k++) {
    for (let m = 1; m <= 17; m++) {
      for (let n = 1; n <= 17; n++) {
        const a = randomInt8(rng, m * k);
        const w = randomInt8(rng, n * k);
        const pw = prepackInt8Fast(w, n, k);
        checks.check(`int8 ${m}x${n}x${k}`, gemmInt8Fast(m, n, k, a, pw), gemmIntReference(m, n, k, a, w));
        const u = Uint8Array.from(a, (v) => v + 128);
        checks.check(`uint8 ${m}x${n}x${k}`, gemmInt8Fast(m, n, k, u, pw), gemmIntReference(m, n, k, u, w));
      }
    }
  }
  // Larger shapes cross the fast path's row (64), depth (256) and column-panel blocks.
  for (const [m, n, k] of [[65, 33, 257], [130, 9, 513], [7, 70, 1000], [64, 64, 256]]) {
    const a = randomInt8(rng, m * k);
    const w = randomInt8(rng, n * k);
    const ref = gemmIntReference(m, n, k, a, w);
    checks.check(`fast ${m}x${n}x${k}`, gemmInt8Fast(m, n, k, a, prepackInt8Fast(w, n, k)), ref);
    if (m <= 65) checks.check(`sdot ${m}x${n}x${k}`, gemmInt8SdotMirror(m, n, k, a, packSdotPanels(w, n, k)), ref);
  }
  t.same(checks.failures, [], `${checks.count} GEMMs agree`);
});

t.test('deep K: all -128 operands fill int32 exactly at K = 131071 and wrap at K = 131072', async (t) => {
  for (const k of [131071, 131072]) {
    const a = new Int8Array(k).fill(-128);
    const w = new Int8Array(2 * k).fill(-128);
    const ref = gemmIntReference(1, 2, k, a, w);
    t.equal(ref[0], k === 131071 ? 2147467264 : -2147483648, `reference at K=${k}`);
    t.same([...gemmInt8SdotMirror(1, 2, k, a, packSdotPanels(w, 2, k))], [...ref], `sdot mirror at K=${k}`);
    t.same([...gemmInt8SmmlaMirror(1, 2, k, a, packSmmlaPanels(w, 2, k))], [...ref], `smmla mirror at K=${k}`);
    t.same([...gemmInt8Fast(1, 2, k, a, prepackInt8Fast(w, 2, k))], [...ref], `fast path at K=${k}`);
  }
  // Random operands past the wrap: sums far outside int32 still agree modulo 2^32.
  const rng = new Rng(13);
  const k = 200003;
  const a = randomInt8(rng, 2 * k, 100, 127);
  const w = randomInt8(rng, 3 * k, 100, 127);
  const ref = gemmIntReference(2, 3, k, a, w);
  t.same([...gemmInt8Fast(2, 3, k, a, prepackInt8Fast(w, 3, k))], [...ref], 'fast path, K=200003');
  t.same([...gemmInt8SmmlaMirror(2, 3, k, a, packSmmlaPanels(w, 3, k))], [...ref], 'smmla mirror, K=200003');
});

t.test('degenerate shapes: M, N or K = 0', async (t) => {
  for (const [m, n, k] of [[0, 3, 5], [3, 0, 5], [3, 4, 0], [0, 0, 0]]) {
    const a = new Int8Array(m * k).fill(3);
    const w = new Int8Array(n * k).fill(-1);
    const want = [...new Int32Array(m * n)];
    t.same([...gemmInt8SdotMirror(m, n, k, a, packSdotPanels(w, n, k))], want, `sdot ${m}x${n}x${k}`);
    t.same([...gemmInt8SmmlaMirror(m, n, k, a, packSmmlaPanels(w, n, k))], want, `smmla ${m}x${n}x${k}`);
    t.same([...gemmInt8Fast(m, n, k, a, prepackInt8Fast(w, n, k), new Int32Array(m * n).fill(7))], want, `fast ${m}x${n}x${k} overwrites out`);
  }
});

t.test('shape errors name the function and the sizes', async (t) => {
  const w = new Int8Array(6);
  t.throws(() => packSdotPanels(w, 2, 4), /packSdotPanels: w has 6 elements, need at least 8 for 2x4/);
  const pw = prepackInt8Fast(w, 2, 3);
  t.throws(() => gemmInt8Fast(2, 2, 3, new Int8Array(5), pw), /gemmInt8Fast: a has 5 elements, need at least 6 for 2x3/);
  t.throws(() => gemmInt8Fast(2, 3, 2, new Int8Array(4), pw), /gemmInt8Fast: panels are for 2x3 weights, called with n=3, k=2/);
  t.throws(() => gemmInt8SdotMirror(1, 2, 3, new Int8Array(3), packSdotPanels(w, 2, 3), new Int32Array(1)), /out has 1 elements, need at least 2/);
});
