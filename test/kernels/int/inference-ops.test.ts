// The integer runtime's own kernels (src/deploy runs on them): per-channel requantization, NHWC
// depthwise convolution, im2col with zero-point padding, max pooling on codes, global sum
// pooling, quantized addition, and the fused GEMM / depthwise kernels with the output stage. Fast paths are compared with their references on many shapes
// and values; the references with independent definitions (BigInt fixed point, the float conv
// and pooling kernels on dequantized values, which are exact for these small integers).
import t from 'tap';
import { Rng } from '../../../src/tensor/rng';
import { conv2dParams, conv2dOutputSize, type Conv2dParams } from '../../../kernels/conv2d-params';
import { conv2dReference } from '../../../kernels/conv2d-reference';
import { pool2dParams, pool2dOutputSize } from '../../../kernels/pool2d-params';
import { maxPool2d } from '../../../kernels/pool2d';
import { gemmIntReference } from '../../../kernels/int/gemm-int-reference';
import { requantizeChannelsReference, rescaleWithFraction, type RequantizeChannelsParams } from '../../../kernels/int/requantize-channels-reference';
import { prepareRequantizeChannels, requantizeChannels } from '../../../kernels/int/requantize-channels';
import { depthwiseConv2dIntReference } from '../../../kernels/int/depthwise-conv2d-int-reference';
import { depthwiseConv2dInt } from '../../../kernels/int/depthwise-conv2d-int';
import { im2colInt } from '../../../kernels/int/im2col-int';
import { maxPool2dInt } from '../../../kernels/int/max-pool2d-int';
import { globalSumPool2dInt } from '../../../kernels/int/global-sum-pool2d-int';
import { addIntReference, IDENTITY_MULTIPLIER, type AddIntParams } from '../../../kernels/int/add-int-reference';
import { addInt } from '../../../kernels/int/add-int';
import { gemmInt8Requantize, prepackInt8Requantize } from '../../../kernels/int/gemm-int8-requantize';
import { depthwiseConv2dIntRequantize } from '../../../kernels/int/depthwise-conv2d-int-requantize';
import { quantizeMultiplier } from '../../../kernels/int/quantize-multiplier';
import { firstDifference } from './gemm-helper';

const B = BigInt;
const MAX = 2147483647;
const MIN = -2147483648;

/** round(x·m·2^(shift-31) + f·2^-16) with ties toward +inf, saturated, as exact rationals (BigInt). */
function rescaleRef(x: number, m: number, shift: number, f = 0): number {
  // value = (x·m·2^16 + f·2^(31-shift)) / 2^(47-shift); round half up = floor(value + 1/2).
  const den = 1n << B(47 - shift);
  const num = B(x) * B(m) * 65536n + B(f) * (1n << B(31 - shift));
  const twice = 2n * num + den; // floor((2·num + den) / (2·den))
  const d2 = 2n * den;
  let q = twice / d2;
  if (twice % d2 !== 0n && twice < 0n) q -= 1n; // BigInt division truncates; make it a floor
  return Number(q > B(MAX) ? B(MAX) : q < B(MIN) ? B(MIN) : q);
}

function randomUint8(rng: Rng, count: number): Uint8Array {
  const a = new Uint8Array(count);
  for (let i = 0; i < count; i++) a[i] = rng.int(0, 256);
  return a;
}

function randomInt8(rng: Rng, count: number, lo = -127, hi = 127): Int8Array {
  const a = new Int8Array(count);
  for (let i = 0; i < count; i++) a[i] = rng.int(lo, hi + 1);
  return a;
}

/** NHWC uint8 -> NCHW float64 of (x - z). */
function dequantNchw(x: Uint8Array, z: number, n: number, h: number, w: number, c: number): Float64Array {
  const out = new Float64Array(n * c * h * w);
  for (let b = 0; b < n; b++) for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) for (let ch = 0; ch < c; ch++) {
    out[((b * c + ch) * h + y) * w + xx] = x[((b * h + y) * w + xx) * c + ch] - z;
  }
  return out;
}

/** NCHW float -> NHWC array of the same values. */
function toNhwc(y: Float64Array, n: number, c: number, h: number, w: number): Float64Array {
  const out = new Float64Array(y.length);
  for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) for (let yy = 0; yy < h; yy++) for (let xx = 0; xx < w; xx++) {
    out[((b * h + yy) * w + xx) * c + ch] = y[((b * c + ch) * h + yy) * w + xx];
  }
  return out;
}

t.test('requantizeChannels: reference = BigInt definition; fast = reference (fast and exact paths, both signs, both output types)', async (t) => {
  const rng = new Rng(11);
  let fastChecked = 0;
  for (let trial = 0; trial < 60; trial++) {
    const C = rng.int(1, 12);
    const rows = rng.int(1, 20);
    const p: RequantizeChannelsParams = {
      bias: Int32Array.from({ length: C }, () => rng.int(-5000, 5000)),
      multiplier: Int32Array.from({ length: C }, () => (rng.int(0, 2) ? 1 : -1) * rng.int(1 << 30, MAX)),
      // shifts across the whole range, including those that force the exact path
      shift: Int32Array.from({ length: C }, () => (rng.int(0, 4) === 0 ? rng.int(-31, 16) : rng.int(-14, 1))),
      // fractions of an output step, a few beyond the fast path's bound
      fraction: Int32Array.from({ length: C }, () => (rng.int(0, 6) === 0 ? rng.int(-2000000, 2000000) : rng.int(-32768, 32769))),
      offset: Int32Array.from({ length: C }, () => rng.int(-200, 300)),
      qmin: 0,
      qmax: 255,
    };
    const wide = trial % 2 === 1;
    if (wide) {
      p.qmin = -rng.int(0, 1 << 30);
      p.qmax = rng.int(0, 1 << 30);
    } else {
      p.qmin = rng.int(0, 40);
      p.qmax = rng.int(200, 256);
    }
    // Accumulators: mostly small, some beyond 2^21 (exact path), a few at the int32 extremes.
    const acc = Int32Array.from({ length: rows * C }, () => {
      const r = rng.int(0, 10);
      return r === 0 ? rng.int(MIN, MAX) : r === 1 ? (rng.int(0, 2) ? MAX : MIN) : rng.int(-300000, 300000);
    });
    const ref = wide ? new Int32Array(rows * C) : new Uint8Array(rows * C);
    requantizeChannelsReference(rows, C, acc, p, ref);
    const want = Array.from({ length: rows * C }, (_, i) => {
      const j = i % C;
      const x = (acc[i] + p.bias[j]) | 0;
      return Math.min(p.qmax, Math.max(p.qmin, rescaleRef(x, p.multiplier[j], p.shift[j], p.fraction[j]) + p.offset[j]));
    });
    const d1 = firstDifference(ref, want);
    if (d1 >= 0) t.fail(`trial ${trial}: reference element ${d1} is ${ref[d1]}, BigInt gives ${want[d1]}`);
    const fast = wide ? new Int32Array(rows * C + 3) : new Uint8Array(rows * C + 3);
    requantizeChannels(rows, acc, prepareRequantizeChannels(C, p, wide ? 'int32' : 'uint8'), fast, 0, 3);
    const d2 = firstDifference(fast.subarray(3), ref);
    if (d2 >= 0) t.fail(`trial ${trial}: fast element ${d2} is ${fast[3 + d2]}, reference ${ref[d2]}`);
    fastChecked += rows * C;
  }
  t.ok(fastChecked > 1000, `${fastChecked} values compared`);
  t.equal(rescaleRef(-1000, MAX, -4), -62, 'the BigInt helper gives the published single-rounding vector');
  t.equal(rescaleWithFraction(-1000, MAX, -4, 0), -62, 'without a fraction the reference is single rounding');
  t.equal(rescaleWithFraction(-1000, MAX, -4, 65536), -61, 'a fraction of one step adds one');
});

t.test('requantizeChannels: ties go toward +inf for either sign of the multiplier; fractions; bad parameters are named', async (t) => {
  // multiplier 2^30, shift 0: x/2. x = 3 -> 1.5 -> 2; x = -3 -> -1.5 -> -1; with -2^30: -1.5 -> -1 and 1.5 -> 2.
  const p = { bias: new Int32Array(2), multiplier: Int32Array.of(1 << 30, -(1 << 30)), shift: new Int32Array(2), fraction: new Int32Array(2), offset: new Int32Array(2), qmin: -100, qmax: 100 };
  const out = new Int32Array(4);
  requantizeChannels(2, Int32Array.of(3, 3, -3, -3), prepareRequantizeChannels(2, p, 'int32'), out);
  t.same([...out], [2, -1, -1, 2]);
  // A quarter step moves 1.5 to 1.75 (2) and -1.5 to -1.25 (-1); minus a quarter: 1.25 (1) and -1.75 (-2).
  for (const [f, want] of [[16384, [2, -1, -1, 2]], [-16384, [1, -2, -2, 1]], [-32768, [1, -2, -2, 1]]] as const) {
    requantizeChannels(2, Int32Array.of(3, 3, -3, -3), prepareRequantizeChannels(2, { ...p, fraction: Int32Array.of(f, f) }, 'int32'), out);
    t.same([...out], want, `fraction ${f}`);
  }
  // A zero multiplier leaves the rounded fraction: 0.5 -> 1, 0.49998 -> 0.
  requantizeChannels(1, Int32Array.of(12345, 0), prepareRequantizeChannels(2, { ...p, multiplier: Int32Array.of(0, 0), fraction: Int32Array.of(32768, 32767) }, 'int32'), out);
  t.same([...out.subarray(0, 2)], [1, 0]);
  t.throws(() => prepareRequantizeChannels(2, { ...p, shift: Int32Array.of(0, 16) }, 'int32'), /shift\[1\] = 16/);
  t.throws(() => prepareRequantizeChannels(2, { ...p, qmax: 300 }, 'uint8'), /qmin <= qmax <= 255/);
  t.throws(() => requantizeChannels(2, new Int32Array(3), prepareRequantizeChannels(2, p, 'int32'), out), /acc has 3 elements/);
});

function depthwiseCases(): Conv2dParams[] {
  const cases: Conv2dParams[] = [];
  for (const C of [1, 3, 8]) for (const k of [1, 3, 5]) for (const stride of [1, 2]) for (const pad of [0, 1, 2]) for (const dil of [1, 2]) {
    const size = 7;
    const p = conv2dParams({ n: 2, cIn: C, cOut: C, groups: C, h: size, w: size - 1, kh: k, kw: k, strideH: stride, strideW: stride, padH: pad, padW: pad, dilationH: dil, dilationW: dil });
    const { outH, outW } = conv2dOutputSize(p);
    if (outH >= 1 && outW >= 1) cases.push(p);
  }
  cases.push(conv2dParams({ n: 1, cIn: 5, cOut: 5, groups: 5, h: 3, w: 4, kh: 3, kw: 2, padH: 1, padW: 0, strideH: 2, strideW: 1 }));
  return cases;
}

t.test('depthwiseConv2dInt = reference = float depthwise conv of (x - z), over many geometries', async (t) => {
  const rng = new Rng(12);
  let n = 0;
  for (const p of depthwiseCases()) {
    const { outH, outW } = conv2dOutputSize(p);
    const z = rng.int(0, 256);
    const x = randomUint8(rng, p.n * p.h * p.w * p.cIn);
    const w = randomInt8(rng, p.kh * p.kw * p.cIn, -128, 127);
    const ref = depthwiseConv2dIntReference(p, x, z, w, new Int32Array(p.n * outH * outW * p.cOut));
    const fast = depthwiseConv2dInt(p, x, z, w, new Int32Array(p.n * outH * outW * p.cOut));
    // Float oracle: NCHW weights [C, 1, kh, kw] from the tap-major ones.
    const wf = new Float64Array(p.cIn * p.kh * p.kw);
    for (let c = 0; c < p.cIn; c++) for (let tap = 0; tap < p.kh * p.kw; tap++) wf[c * p.kh * p.kw + tap] = w[tap * p.cIn + c];
    const yf = new Float64Array(p.n * p.cOut * outH * outW);
    conv2dReference(p, dequantNchw(x, z, p.n, p.h, p.w, p.cIn), wf, null, yf);
    const label = `C${p.cIn} k${p.kh}x${p.kw} s${p.strideH}x${p.strideW} p${p.padH}x${p.padW} d${p.dilationH}`;
    const d0 = firstDifference(ref, toNhwc(yf, p.n, p.cOut, outH, outW));
    if (d0 >= 0) t.fail(`${label}: reference differs from the float conv at ${d0}`);
    const d1 = firstDifference(fast, ref);
    if (d1 >= 0) t.fail(`${label}: fast element ${d1} is ${fast[d1]}, reference ${ref[d1]}`);
    n++;
  }
  t.ok(n > 50, `${n} geometries`);
  // Image ranges: only the requested images are written.
  const p = conv2dParams({ n: 3, cIn: 4, cOut: 4, groups: 4, h: 5, w: 5, kh: 3, kw: 3, padH: 1, padW: 1 });
  const x = randomUint8(rng, 3 * 25 * 4);
  const w = randomInt8(rng, 36);
  const all = depthwiseConv2dIntReference(p, x, 7, w, new Int32Array(300));
  const part = new Int32Array(300).fill(-1);
  depthwiseConv2dInt(p, x, 7, w, part, 1, 1);
  t.same([...part.subarray(100, 200)], [...all.subarray(100, 200)], 'image 1 computed');
  t.ok(part.subarray(0, 100).every((v) => v === -1) && part.subarray(200).every((v) => v === -1), 'images 0 and 2 untouched');
  t.throws(() => depthwiseConv2dInt({ ...p, groups: 1 }, x, 7, w, part), /groups == cIn == cOut/);
  t.throws(() => depthwiseConv2dInt(p, x, 256, w, part), /zeroPoint must be an integer in \[0, 255\]/);
  t.throws(() => depthwiseConv2dInt(p, x.subarray(0, 10), 7, w, part), /x has 10 elements/);
});

t.test('im2colInt + GEMM - z·Σw = float conv of (x - z), zero-point padding, any row range', async (t) => {
  const rng = new Rng(13);
  let n = 0;
  for (const cIn of [1, 3]) for (const k of [1, 3, 5]) for (const stride of [1, 2]) for (const pad of [0, 2]) {
    const p = conv2dParams({ n: 2, cIn, cOut: 4, h: 6, w: 7, kh: k, kw: k, strideH: stride, strideW: stride, padH: pad, padW: pad });
    const { outH, outW } = conv2dOutputSize(p);
    if (outH < 1 || outW < 1) continue;
    const M = p.n * outH * outW;
    const K = k * k * cIn;
    const z = rng.int(0, 256);
    const x = randomUint8(rng, p.n * p.h * p.w * cIn);
    const w = randomInt8(rng, p.cOut * K); // rows [cOut][ky][kx][c]
    // Rows in two pieces, to check the row range.
    const split = Math.floor(M / 3);
    const col = new Uint8Array(M * K);
    im2colInt(p, x, z, col.subarray(0, split * K), 0, split);
    im2colInt(p, x, z, col.subarray(split * K), split, M - split);
    const acc = gemmIntReference(M, p.cOut, K, col, w);
    const wNchw = new Float64Array(p.cOut * cIn * k * k);
    for (let o = 0; o < p.cOut; o++) for (let c = 0; c < cIn; c++) for (let tap = 0; tap < k * k; tap++) {
      wNchw[(o * cIn + c) * k * k + tap] = w[o * K + tap * cIn + c];
    }
    const yf = new Float64Array(p.n * p.cOut * outH * outW);
    conv2dReference(p, dequantNchw(x, z, p.n, p.h, p.w, cIn), wNchw, null, yf);
    const want = toNhwc(yf, p.n, p.cOut, outH, outW);
    const got = Array.from(acc, (v, i) => {
      let ws = 0;
      for (let t2 = 0; t2 < K; t2++) ws += w[(i % p.cOut) * K + t2];
      return v - z * ws;
    });
    const d = firstDifference(got, want);
    if (d >= 0) t.fail(`cIn ${cIn} k${k} s${stride} p${pad}: element ${d} is ${got[d]}, float conv gives ${want[d]}`);
    n++;
  }
  t.ok(n >= 20, `${n} geometries`);
  t.throws(() => im2colInt(conv2dParams({ n: 1, cIn: 2, cOut: 2, groups: 2, h: 3, w: 3, kh: 1, kw: 1 }), new Uint8Array(18), 0, new Uint8Array(18)), /groups 1/);
});

t.test('maxPool2dInt = float max pooling on codes (uint8 and int32), with padding', async (t) => {
  const rng = new Rng(14);
  for (const [k, s, pad] of [[2, 2, 0], [3, 2, 1], [3, 1, 1], [2, 1, 0]]) {
    const p = pool2dParams({ n: 2, c: 3, h: 7, w: 6, kh: k, kw: k, strideH: s, strideW: s, padH: pad, padW: pad });
    const { outH, outW } = pool2dOutputSize(p);
    const x = randomUint8(rng, 2 * 7 * 6 * 3);
    const got8 = maxPool2dInt(p, x, new Uint8Array(2 * outH * outW * 3));
    const got32 = maxPool2dInt(p, Int32Array.from(x, (v) => v * 1000 - 100000), new Int32Array(2 * outH * outW * 3));
    const yf = new Float64Array(2 * 3 * outH * outW);
    maxPool2d(p, dequantNchw(x, 0, 2, 7, 6, 3), yf, new Int32Array(yf.length));
    const want = toNhwc(yf, 2, 3, outH, outW);
    t.same([...got8], [...want], `k${k} s${s} p${pad} uint8`);
    t.same([...got32], Array.from(want, (v) => v * 1000 - 100000), `k${k} s${s} p${pad} int32`);
  }
});

t.test('globalSumPool2dInt sums each channel over the image', async (t) => {
  const rng = new Rng(15);
  const x = Int32Array.from({ length: 2 * 6 * 5 }, () => rng.int(-1000, 1000));
  const out = globalSumPool2dInt(2, 6, 5, x, new Int32Array(10));
  const want = Array.from({ length: 10 }, (_, i) => {
    const b = Math.floor(i / 5);
    let s = 0;
    for (let p = 0; p < 6; p++) s += x[(b * 6 + p) * 5 + (i % 5)];
    return s;
  });
  t.same([...out], want);
  t.throws(() => globalSumPool2dInt(2, 6, 5, x, new Int32Array(9)), /out has 9 elements/);
});

t.test('addInt: reference = BigInt definition; fast = reference; identity multiplier passes int32 through', async (t) => {
  const rng = new Rng(16);
  for (let trial = 0; trial < 40; trial++) {
    const count = rng.int(1, 200);
    const wideA = trial % 2 === 0;
    const a = wideA ? Int32Array.from({ length: count }, () => rng.int(-70000, 70000)) : randomUint8(rng, count);
    const b = randomUint8(rng, count);
    const mb = quantizeMultiplier(rng.uniformIn(0.2, 600), { singleRounding: true });
    const p: AddIntParams = {
      a: wideA ? { zeroPoint: 0, ...IDENTITY_MULTIPLIER } : { zeroPoint: rng.int(0, 256), ...quantizeMultiplier(rng.uniformIn(0.2, 600), { singleRounding: true }) },
      b: { zeroPoint: rng.int(0, 256), ...mb },
      output: { ...quantizeMultiplier(rng.uniformIn(1e-4, 0.02), { singleRounding: true }), offset: rng.int(0, 256), qmin: rng.int(0, 30), qmax: rng.int(200, 256) },
    };
    if (trial % 5 === 4) p.b = { ...p.b, multiplier: -p.b.multiplier };
    const ref = new Uint8Array(count);
    addIntReference(count, a, b, p, ref);
    const want = Array.from({ length: count }, (_, i) => {
      const va = rescaleRef(a[i] - p.a.zeroPoint, p.a.multiplier, p.a.shift);
      const vb = rescaleRef(b[i] - p.b.zeroPoint, p.b.multiplier, p.b.shift);
      return Math.min(p.output.qmax, Math.max(p.output.qmin, rescaleRef(va + vb, p.output.multiplier, p.output.shift) + p.output.offset));
    });
    const d0 = firstDifference(ref, want);
    if (d0 >= 0) t.fail(`trial ${trial}: reference element ${d0} is ${ref[d0]}, BigInt ${want[d0]}`);
    const fast = new Uint8Array(count);
    addInt(count, a, b, p, fast);
    const d1 = firstDifference(fast, ref);
    if (d1 >= 0) t.fail(`trial ${trial}: fast element ${d1} is ${fast[d1]}, reference ${ref[d1]}`);
  }
  const a = Int32Array.of(-5, 0, 123456);
  const out = new Int32Array(3);
  addInt(3, a, new Uint8Array(3), { a: { zeroPoint: 0, ...IDENTITY_MULTIPLIER }, b: { zeroPoint: 0, ...IDENTITY_MULTIPLIER }, output: { ...IDENTITY_MULTIPLIER, offset: 0, qmin: MIN, qmax: MAX } }, out);
  t.same([...out], [-5, 0, 123456]);
  t.throws(() => addInt(3, a, new Uint8Array(3), { a: { zeroPoint: 0, multiplier: 1, shift: 40 }, b: { zeroPoint: 0, ...IDENTITY_MULTIPLIER }, output: { ...IDENTITY_MULTIPLIER, offset: 0, qmin: 0, qmax: 1 } }, out), /a shift 40/);
});

function randomPlanParams(rng: Rng, C: number, checked: boolean, qmin: number, qmax: number): RequantizeChannelsParams {
  return {
    bias: Int32Array.from({ length: C }, () => (checked && rng.int(0, 3) === 0 ? rng.int(-3000000, 3000000) : rng.int(-3000, 3000))),
    multiplier: Int32Array.from({ length: C }, () => (rng.int(0, 4) ? 1 : -1) * rng.int(1 << 30, MAX)),
    shift: Int32Array.from({ length: C }, () => (checked && rng.int(0, 3) === 0 ? rng.int(-31, -20) : rng.int(-12, -4))),
    fraction: Int32Array.from({ length: C }, () => rng.int(-32768, 32769)),
    offset: Int32Array.from({ length: C }, () => rng.int(-20, 140)),
    qmin,
    qmax,
  };
}

t.test('gemmInt8Requantize = reference GEMM + reference output stage (tails, uint8 and int32, checked path)', async (t) => {
  const rng = new Rng(17);
  let n = 0;
  for (const m of [1, 3, 4, 5, 9, 16]) for (const N of [1, 3, 4, 6, 8, 13]) for (const K of [1, 2, 7, 8, 33]) {
    const checked = (m + N + K) % 3 === 0;
    const wide = (m * N) % 2 === 1;
    const a = randomUint8(rng, m * K + 5);
    const w = randomInt8(rng, N * K, -128, 127);
    // int32 outputs: a narrow clamp range (bit-operation clamp) or the whole int32 range
    const full = (m + K) % 2 === 0;
    const params = randomPlanParams(rng, N, checked, wide ? (full ? -MAX : -1000000) : rng.int(0, 20), wide ? (full ? MAX : 1000000) : rng.int(120, 256));
    const acc = gemmIntReference(m, N, K, a.subarray(5), w);
    const want = wide ? new Int32Array(m * N) : new Uint8Array(m * N);
    requantizeChannelsReference(m, N, acc, params, want);
    const got = wide ? new Int32Array(m * N + 2) : new Uint8Array(m * N + 2);
    gemmInt8Requantize(m, a, prepackInt8Requantize(w, N, K), prepareRequantizeChannels(N, params, wide ? 'int32' : 'uint8'), got, 5, { start: 2, row: N, column: 1 });
    const d = firstDifference(got.subarray(2), want);
    if (d >= 0) t.fail(`m${m} N${N} K${K} ${wide ? 'int32' : 'uint8'}${checked ? ' checked' : ''}: element ${d} is ${got[2 + d]}, want ${want[d]}`);
    n++;
  }
  t.ok(n > 150, `${n} shapes`);
  t.throws(() => prepackInt8Requantize(new Int8Array(2 * 1025), 2, 1025), /depth 1025 is above 1024/);
});

t.test('depthwiseConv2dIntRequantize = reference depthwise + reference output stage; channel multipliers = dense conv', async (t) => {
  const rng = new Rng(18);
  let n = 0;
  for (const p of depthwiseCases()) {
    const { outH, outW } = conv2dOutputSize(p);
    const checked = n % 4 === 3;
    const wide = n % 3 === 2;
    const z = rng.int(0, 256);
    const x = randomUint8(rng, p.n * p.h * p.w * p.cIn);
    const w = randomInt8(rng, p.kh * p.kw * p.cIn, -128, 127);
    const full = n % 5 === 1;
    const params = randomPlanParams(rng, p.cIn, checked, wide ? (full ? -MAX : -1000000) : rng.int(0, 20), wide ? (full ? MAX : 1000000) : rng.int(120, 256));
    const count = p.n * outH * outW * p.cOut;
    const acc = depthwiseConv2dIntReference(p, x, z, w, new Int32Array(count));
    const want = wide ? new Int32Array(count) : new Uint8Array(count);
    requantizeChannelsReference(count / p.cOut, p.cOut, acc, params, want);
    const got = wide ? new Int32Array(count) : new Uint8Array(count);
    depthwiseConv2dIntRequantize(p, x, z, w, prepareRequantizeChannels(p.cOut, params, wide ? 'int32' : 'uint8'), got);
    const d = firstDifference(got, want);
    if (d >= 0) t.fail(`C${p.cIn} k${p.kh}x${p.kw} s${p.strideH} p${p.padH} d${p.dilationH} ${wide ? 'int32' : 'uint8'}${checked ? ' checked' : ''}: element ${d} is ${got[d]}, want ${want[d]}`);
    n++;
  }
  t.ok(n > 50, `${n} geometries`);
  // Multipliers: cIn input channels, m outputs each, against im2col + GEMM of the same conv
  // written densely (zero weights for the other input channels).
  for (const [cIn, mult, k, stride, pad] of [[1, 16, 3, 1, 1], [1, 6, 5, 2, 2], [2, 3, 3, 1, 0], [3, 2, 3, 2, 1]]) {
    const cOut = cIn * mult;
    const p = conv2dParams({ n: 2, cIn, cOut, groups: cIn, h: 7, w: 6, kh: k, kw: k, strideH: stride, strideW: stride, padH: pad, padW: pad });
    const { outH, outW } = conv2dOutputSize(p);
    const z = rng.int(0, 256);
    const x = randomUint8(rng, 2 * 7 * 6 * cIn);
    const wt = randomInt8(rng, k * k * cOut, -128, 127); // [taps][cOut]
    const K = k * k * cIn;
    const dense = new Int8Array(cOut * K); // rows [cOut][ky][kx][cIn]
    for (let o = 0; o < cOut; o++) for (let t2 = 0; t2 < k * k; t2++) dense[o * K + t2 * cIn + Math.floor(o / mult)] = wt[t2 * cOut + o];
    const M = 2 * outH * outW;
    const col = im2colInt({ ...p, cOut, groups: 1 }, x, z, new Uint8Array(M * K));
    const acc = gemmIntReference(M, cOut, K, col, dense);
    for (let o = 0; o < cOut; o++) {
      let s = 0;
      for (let t2 = 0; t2 < K; t2++) s += dense[o * K + t2];
      for (let i = 0; i < M; i++) acc[i * cOut + o] -= z * s;
    }
    const params = randomPlanParams(rng, cOut, false, 0, 255);
    const want = new Uint8Array(M * cOut);
    requantizeChannelsReference(M, cOut, acc, params, want);
    const got = new Uint8Array(M * cOut);
    depthwiseConv2dIntRequantize(p, x, z, wt, prepareRequantizeChannels(cOut, params, 'uint8'), got);
    t.same([...got], [...want], `cIn ${cIn} multiplier ${mult} k${k} s${stride} p${pad}`);
  }
  const p = conv2dParams({ n: 1, cIn: 2, cOut: 3, groups: 2, h: 4, w: 4, kh: 3, kw: 3 });
  t.throws(() => depthwiseConv2dIntRequantize(p, new Uint8Array(32), 0, new Int8Array(27), prepareRequantizeChannels(3, randomPlanParams(rng, 3, false, 0, 255), 'uint8'), new Uint8Array(12)), /groups == cIn and cOut a multiple of cIn/);
});

t.test('fused kernels: channel-plane and padded-plane layouts give the same values as NHWC', async (t) => {
  const rng = new Rng(19);
  const toPlanes = (v: Uint8Array, n: number, h: number, w: number, c: number, ph: number, pw: number, fill: number): Uint8Array => {
    const out = new Uint8Array(n * c * (h + 2 * ph) * (w + 2 * pw)).fill(fill);
    for (let b = 0; b < n; b++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) {
      out[((b * c + ch) * (h + 2 * ph) + y + ph) * (w + 2 * pw) + x + pw] = v[((b * h + y) * w + x) * c + ch];
    }
    return out;
  };
  for (const [C, mult, stride, pad] of [[4, 1, 1, 1], [6, 1, 2, 1], [1, 5, 1, 1], [3, 1, 1, 0], [2, 2, 2, 1]]) {
    const cOut = C * mult;
    const p = conv2dParams({ n: 2, cIn: C, cOut, groups: C, h: 7, w: 6, kh: 3, kw: 3, strideH: stride, strideW: stride, padH: pad, padW: pad });
    const { outH, outW } = conv2dOutputSize(p);
    const z = rng.int(0, 256);
    const x = randomUint8(rng, 2 * 7 * 6 * C);
    const w = randomInt8(rng, 9 * cOut, -128, 127);
    const plan = prepareRequantizeChannels(cOut, randomPlanParams(rng, cOut, false, 0, 255), 'uint8');
    const nhwc = new Uint8Array(2 * outH * outW * cOut);
    depthwiseConv2dIntRequantize(p, x, z, w, plan, nhwc);
    for (const input of ['nhwc', 'planes', 'padded'] as const) {
      const xi = input === 'nhwc' ? x : toPlanes(x, 2, 7, 6, C, input === 'padded' ? pad : 0, input === 'padded' ? pad : 0, z);
      for (const [output, opad] of [['planes', 0], ['padded', 2]] as const) {
        const got = new Uint8Array(2 * cOut * (outH + 2 * opad) * (outW + 2 * opad)).fill(77);
        depthwiseConv2dIntRequantize(p, xi, z, w, plan, got, { input, output, outputPad: [opad, opad] });
        t.same([...got], [...toPlanes(nhwc, 2, outH, outW, cOut, opad, opad, 77)], `C${C} x${mult} s${stride} p${pad}: ${input} -> ${output}`);
      }
    }
  }
  // The fused GEMM writing padded planes: rows wrap every outW rows, skipping the border.
  const [m, N, K, W, pad] = [12, 5, 7, 4, 1];
  const a = randomUint8(rng, m * K);
  const wt = randomInt8(rng, N * K, -128, 127);
  const params = randomPlanParams(rng, N, false, 0, 255);
  const plan = prepareRequantizeChannels(N, params, 'uint8');
  const rowsOut = new Uint8Array(m * N);
  gemmInt8Requantize(m, a, prepackInt8Requantize(wt, N, K), plan, rowsOut);
  const H = m / W;
  const planeSize = (H + 2 * pad) * (W + 2 * pad);
  const padded = new Uint8Array(N * planeSize).fill(9);
  gemmInt8Requantize(m, a, prepackInt8Requantize(wt, N, K), plan, padded, 0, { start: pad * (W + 2 * pad) + pad, row: 1, column: planeSize, wrap: W, gap: 2 * pad });
  t.same([...padded], [...toPlanes(rowsOut, 1, H, W, N, pad, pad, 9)], 'GEMM rows into padded planes');
});
