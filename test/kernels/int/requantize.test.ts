// Requantization: quantizeMultiplier's edge rules, the double- and single-rounding multipliers
// against BigInt definitions and the published ruy/TFLite vectors, their NEON-sequence mirrors,
// XNNPACK fp32 requantization (half-to-even ties), the output stage (scalar = mirror), fused ReLU6
// bounds and zero-point algebra.
import t from 'tap';
import { Rng } from '../../../src/tensor/rng';
import { quantizeMultiplier, frexp } from '../../../kernels/int/quantize-multiplier';
import { roundingDivideByPOT, saturatingRoundingDoublingHighMul } from '../../../kernels/int/fixed-point';
import {
  multiplyByQuantizedMultiplierDoubleRounding as mbqmDouble,
  multiplyByQuantizedMultiplierSingleRounding as mbqmSingle,
  multiplyByQuantizedMultiplierDoubleRoundingUp as mbqmUp,
  multiplyByQuantizedMultiplierDoubleRoundingMirror as mbqmDoubleMirror,
  multiplyByQuantizedMultiplierSingleRoundingMirror as mbqmSingleMirror,
} from '../../../kernels/int/multiply-by-quantized-multiplier';
import { requantizeFp32, requantizeFp32Mirror } from '../../../kernels/int/requantize-fp32';
import { activationRange, outputStage, outputStageFp32 } from '../../../kernels/int/output-stage';
import { outputStageMirror } from '../../../kernels/int/output-stage-mirror';
import { activationsToInt8, applyZeroPoints, foldZeroPointIntoBias, rowSums } from '../../../kernels/int/zero-point';
import { gemmIntReference } from '../../../kernels/int/gemm-int-reference';
import { srshl } from '../../../kernels/neon/srshl';

const MAX = 2147483647;
const MIN = -2147483648;
const B = BigInt;

// --- BigInt references written from the published definitions ---------------------------------
/** round(n / 2^e) with ties away from zero, in BigInt. */
function divPow2AwayRef(n: bigint, e: number): bigint {
  if (e === 0) return n;
  const d = 1n << B(e);
  const q = (n < 0n ? -n : n) / d;
  const r = (n < 0n ? -n : n) % d;
  const mag = 2n * r >= d ? q + 1n : q;
  return n < 0n ? -mag : mag;
}
function srdhmRef(a: number, b: number): bigint {
  if (a === MIN && b === MIN) return B(MAX);
  return (B(a) * B(b) + (1n << 30n)) >> 31n; // floor division: ties toward +inf
}
function doubleRef(x: number, m: number, shift: number): number {
  const left = Math.max(shift, 0);
  const shifted = BigInt.asIntN(32, B(x) << B(left));
  return Number(divPow2AwayRef(srdhmRef(Number(shifted), m), Math.max(-shift, 0)));
}
function singleRef(x: number, m: number, shift: number): number {
  const total = B(31 - shift);
  const r = (B(x) * B(m) + (1n << (total - 1n))) >> total;
  return Number(r > B(MAX) ? B(MAX) : r < B(MIN) ? B(MIN) : r);
}

t.test('known vectors: -1000·(2^31-1)·2^-4 gives -63 double, -62 single; RDBPOT(-5,1) = -3 vs SRSHL -2', async (t) => {
  t.equal(mbqmDouble(-1000, MAX, -4), -63);
  t.equal(mbqmSingle(-1000, MAX, -4), -62);
  t.equal(roundingDivideByPOT(-5, 1), -3);
  t.equal(srshl(new Int32Array(4), new Int32Array([-5, 0, 0, 0]), new Int32Array([-1, 0, 0, 0]))[0], -2);
  t.equal(mbqmSingle(-1000, (1 << 30) + (1 << 27), 0), -562, "ruy's tie on -562.5");
  t.equal(mbqmDouble(-1000, (1 << 30) + (1 << 27), 0), -562, 'SQRDMULH also breaks that tie upward');
});

t.test("ruy's apply_multiplier_test vectors (SQRDMULH then a rounding shift with ties up)", async (t) => {
  const vectors: [number, number, number, number][] = [
    [1000, MAX, 0, 1000], [1000, 1 << 30, 0, 500], [1000, 1 << 29, 0, 250], [1000, (1 << 30) + (1 << 29), 0, 750],
    [1000, (1 << 30) + (1 << 28), 0, 625], [1000, (1 << 30) + (1 << 27), 0, 563], [1000, (1 << 30) + (1 << 26), 0, 531],
    [-1000, MAX, 0, -1000], [-1000, 1 << 30, 0, -500], [-1000, 1 << 29, 0, -250], [-1000, (1 << 30) + (1 << 29), 0, -750],
    [-1000, (1 << 30) + (1 << 28), 0, -625], [-1000, (1 << 30) + (1 << 27), 0, -562], [-1000, (1 << 30) + (1 << 26), 0, -531],
    [1000, MAX, -1, 500], [1000, MAX, -2, 250], [1000, MAX, -3, 125], [1000, MAX, -4, 63], [1000, MAX, -5, 31], [1000, MAX, -6, 16],
    [-1000, MAX, -1, -500], [-1000, MAX, -2, -250], [-1000, MAX, -3, -125], [-1000, MAX, -4, -62], [-1000, MAX, -5, -31], [-1000, MAX, -6, -16],
    [1000, MAX, 1, 2000], [1000, MAX, 2, 4000], [1000, MAX, 3, 8000], [-1000, MAX, 1, -2000], [-1000, MAX, 2, -4000], [-1000, MAX, 3, -8000],
    [1000, 1 << 30, -1, 250], [1000, 1 << 25, 3, 125],
  ];
  t.same(vectors.map(([x, m, s]) => mbqmUp(x, m, s)), vectors.map((v) => v[3]));
  // The other two roundings differ from that reference exactly on the ties it was written for:
  // 1000·(2^31-1)/2^35 = 62.4999... rounds to 62 once, and -62.5 rounds away from zero to -63.
  const isTie = ([x, m, s]: number[]) => m === MAX && s === -4;
  t.same(vectors.map(([x, m, s]) => mbqmSingle(x, m, s)), vectors.map((v) => (isTie(v) ? 62 * Math.sign(v[0]) : v[3])), 'single rounding');
  t.same(vectors.map(([x, m, s]) => singleRef(x, m, s)), vectors.map((v) => (isTie(v) ? 62 * Math.sign(v[0]) : v[3])), 'its BigInt reference');
  t.same(vectors.map(([x, m, s]) => mbqmDouble(x, m, s)), vectors.map((v) => (isTie(v) ? 63 * Math.sign(v[0]) : v[3])), 'TFLite double rounding');
});

t.test('quantizeMultiplier edge rules', async (t) => {
  t.same(quantizeMultiplier(0), { multiplier: 0, shift: 0 });
  t.same(quantizeMultiplier(1), { multiplier: 1 << 30, shift: 1 });
  t.same(quantizeMultiplier(0.5), { multiplier: 1 << 30, shift: 0 });
  t.same(quantizeMultiplier(0.75), { multiplier: 3 << 29, shift: 0 });
  // q·2^31 = 2^31 - 0.25 rounds to 2^31: halved, shift incremented.
  t.same(quantizeMultiplier(1 - 2 ** -33), { multiplier: 1 << 30, shift: 1 });
  t.same(quantizeMultiplier(-(1 - 2 ** -33)), { multiplier: MIN, shift: 0 }, 'only +2^31 is halved, as in TFLite');
  // A tie q·2^31 = 2^30 + 0.5 rounds away from zero, both signs.
  t.same(quantizeMultiplier(0.5 + 2 ** -32), { multiplier: (1 << 30) + 1, shift: 0 });
  t.same(quantizeMultiplier(-(0.5 + 2 ** -32)), { multiplier: -((1 << 30) + 1), shift: 0 });
  t.same(quantizeMultiplier(2 ** -32), { multiplier: 1 << 30, shift: -31 }, 'smallest kept exponent');
  t.same(quantizeMultiplier(2 ** -32 * (1 - 2 ** -20)), { multiplier: 0, shift: 0 }, 'shift -32 flushes to zero');
  t.same(quantizeMultiplier(2 ** -60), { multiplier: 0, shift: 0 });
  t.same(quantizeMultiplier(2 ** 31), { multiplier: 1 << 30, shift: 32 }, 'double rounding keeps big shifts');
  t.same(quantizeMultiplier(2 ** 31, { singleRounding: true }), { multiplier: MAX, shift: 30 }, 'single rounding saturates shift > 30');
  t.same(quantizeMultiplier(2 ** 29, { singleRounding: true }), { multiplier: 1 << 30, shift: 30 });
  t.throws(() => quantizeMultiplier(-0.5, { singleRounding: true }), /single rounding supports only non-negative multipliers/);
  t.throws(() => quantizeMultiplier(NaN), /quantizeMultiplier: the multiplier must be finite, got NaN/);
});

t.test('quantizeMultiplier matches a reference built from the IEEE bits, and reconstructs M', async (t) => {
  const rng = new Rng(31);
  const bad: string[] = [];
  const view = new DataView(new ArrayBuffer(8));
  for (let i = 0; i < 3000; i++) {
    const real = (rng.int(0, 2) ? 1 : -1) * rng.uniform() * 2 ** rng.int(-34, 10);
    if (real === 0) continue;
    // frexp from the exponent field (normal doubles only here).
    view.setFloat64(0, real);
    const e = ((view.getUint16(0) >> 4) & 0x7ff) - 1022;
    const q = real / 2 ** e;
    const [fq, fe] = frexp(real);
    if (fq !== q || fe !== e) bad.push(`frexp(${real})`);
    // round(q·2^31) half away from zero, via BigInt on the exact dyadic value.
    const scaled = q * 2 ** 31; // exact
    const floor = Math.floor(Math.abs(scaled));
    let fixed = Math.abs(scaled) - floor >= 0.5 ? floor + 1 : floor;
    let shift = e;
    if (fixed === 2 ** 31 && real > 0) {
      fixed /= 2;
      shift++;
    }
    const want = shift < -31 ? { multiplier: 0, shift: 0 } : { multiplier: Math.sign(real) * fixed, shift };
    const got = quantizeMultiplier(real);
    if (got.multiplier !== want.multiplier || got.shift !== want.shift) bad.push(`${real}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
    if (got.multiplier !== 0 && Math.abs(got.multiplier * 2 ** (got.shift - 31) - real) > Math.abs(real) * 2 ** -30) bad.push(`${real} not reconstructed`);
  }
  t.same(bad.slice(0, 5), []);
});

t.test('multipliers equal their BigInt definitions; mirrors equal the scalars', async (t) => {
  const rng = new Rng(32);
  const bad: string[] = [];
  const edges = [0, 1, -1, 2, -2, 1000, -1000, 65535, -65536, MAX, MIN, MAX - 1, MIN + 1, 1 << 30, -(1 << 30)];
  for (let i = 0; i < 6000; i++) {
    const x = i < 300 ? edges[i % edges.length] : rng.nextUint32() | 0;
    const m = i % 7 === 0 ? [MAX, 1 << 30, (1 << 30) + 1, 0, MIN][i % 5] : (rng.nextUint32() >>> 1) | (i % 3 === 0 ? 0 : 1 << 30);
    const shift = rng.int(-31, 31);
    const d = mbqmDouble(x, m, shift);
    if (d !== doubleRef(x, m, shift)) bad.push(`double(${x}, ${m}, ${shift}) = ${d}, want ${doubleRef(x, m, shift)}`);
    const upRef = Number((srdhmRef(Number(BigInt.asIntN(32, B(x) << B(Math.max(shift, 0)))), m) + (shift < 0 ? 1n << B(-shift - 1) : 0n)) >> B(Math.max(-shift, 0)));
    if (mbqmUp(x, m, shift) !== upRef) bad.push(`up(${x}, ${m}, ${shift})`);
    if (m >= 0 && shift <= 30) {
      const s = mbqmSingle(x, m, shift);
      if (s !== singleRef(x, m, shift)) bad.push(`single(${x}, ${m}, ${shift}) = ${s}, want ${singleRef(x, m, shift)}`);
    }
    if (i % 4 === 3) {
      // Four lanes at a time through the NEON sequences.
      const xs = Int32Array.from({ length: 4 }, (_, l) => (l === 0 ? x : rng.nextUint32() | 0));
      const ms = Int32Array.from({ length: 4 }, () => (rng.nextUint32() >>> 1) | (1 << 30));
      const ss = Int32Array.from({ length: 4 }, () => rng.int(-31, 31));
      const dm = mbqmDoubleMirror(new Int32Array(4), xs, ms, ss);
      for (let l = 0; l < 4; l++) if (dm[l] !== mbqmDouble(xs[l], ms[l], ss[l])) bad.push(`double mirror (${xs[l]}, ${ms[l]}, ${ss[l]})`);
      // Single rounding: shifts in range, and left shifts that keep x·2^shift inside int32.
      const ss1 = Int32Array.from(ss, (s) => Math.min(s, 30));
      const xs1 = Int32Array.from(xs, (v, l) => (ss1[l] > 0 ? v >> ss1[l] : v));
      const sm = mbqmSingleMirror(new Int32Array(4), xs1, ms, ss1);
      for (let l = 0; l < 4; l++) if (sm[l] !== mbqmSingle(xs1[l], ms[l], ss1[l])) bad.push(`single mirror (${xs1[l]}, ${ms[l]}, ${ss1[l]})`);
    }
  }
  // gemmlowp's RoundingDivideByPOT: ties away from zero at every exponent.
  for (let e = 0; e <= 31; e++) {
    for (const x of [MIN, MIN + 1, -5, -3, -2, -1, 0, 1, 2, 3, 5, MAX, 3 * 2 ** Math.min(e, 29), -(3 * 2 ** Math.min(e, 29))]) {
      if (roundingDivideByPOT(x, e) !== Number(divPow2AwayRef(B(x), e))) bad.push(`RDBPOT(${x}, ${e})`);
    }
  }
  t.equal(saturatingRoundingDoublingHighMul(MIN, MIN), MAX);
  t.same(bad.slice(0, 5), []);
});

t.test('fp32 requantization: float32 steps, ties to even, clamp before rounding; mirror agrees', async (t) => {
  t.equal(requantizeFp32(5, 0.5, 0, -128, 127), 2, '2.5 -> 2');
  t.equal(requantizeFp32(-5, 0.5, 0, -128, 127), -2, '-2.5 -> -2');
  t.equal(requantizeFp32(7, 0.5, 0, -128, 127), 4, '3.5 -> 4');
  t.equal(requantizeFp32(29, 0.1, 0, -128, 127), 3, '2.9 -> 3');
  t.equal(requantizeFp32(5, 0.5, 10, -128, 127), 12, 'zero point added after rounding');
  t.equal(requantizeFp32(100000, 1, 3, -128, 127), 127, 'clamped');
  // float32 rounding of the accumulator: 2^24 + 1 becomes 2^24 before scaling.
  t.equal(requantizeFp32(16777217, 2 ** -24, 0, -128, 127), 1);
  const rng = new Rng(33);
  const bad: string[] = [];
  for (let i = 0; i < 2000; i++) {
    const acc = Int32Array.from({ length: 4 }, () => (rng.int(0, 4) ? rng.int(-100000, 100000) : rng.nextUint32() | 0));
    const scale = Float32Array.from({ length: 4 }, () => rng.uniform() * 2 ** rng.int(-16, 0));
    const zp = rng.int(-128, 128);
    const q = [rng.int(-128, 128), rng.int(-128, 128)].sort((a, b) => a - b);
    const got = requantizeFp32Mirror(new Int8Array(16), acc, scale, zp, q[0], q[1]);
    for (let l = 0; l < 4; l++) if (got[l] !== requantizeFp32(acc[l], scale[l], zp, q[0], q[1])) bad.push(`lane ${l} of ${acc} at scale ${scale[l]}`);
    const uq = [rng.int(0, 256), rng.int(0, 256)].sort((a, b) => a - b);
    const uzp = rng.int(0, 256);
    const u = requantizeFp32Mirror(new Uint8Array(16), acc, scale, uzp, uq[0], uq[1]);
    for (let l = 0; l < 4; l++) if (u[l] !== requantizeFp32(acc[l], scale[l], uzp, uq[0], uq[1])) bad.push(`uint8 lane ${l}`);
  }
  t.same(bad.slice(0, 5), []);
});

t.test('output stage: scalar equals the NEON-sequence mirror; saturating zero-point add; ReLU6 bounds', async (t) => {
  const rng = new Rng(34);
  const bad: string[] = [];
  for (const rounding of ['double', 'single'] as const) {
    for (const type of ['int8', 'uint8'] as const) {
      for (let trial = 0; trial < 300; trial++) {
        const n = 4;
        const acc = Int32Array.from({ length: n }, () => (rng.int(0, 3) ? rng.int(-50000, 50000) : rng.nextUint32() | 0));
        const bias = Int32Array.from({ length: n }, () => (rng.int(0, 5) ? rng.int(-5000, 5000) : rng.nextUint32() | 0));
        const mult = Int32Array.from({ length: n }, () => (rng.nextUint32() >>> 1) | (1 << 30));
        const shift = Int32Array.from({ length: n }, () => rng.int(-20, 3));
        const [lo, hi] = type === 'int8' ? [-128, 127] : [0, 255];
        const zp = rng.int(lo, hi + 1);
        const q = [rng.int(lo, hi + 1), rng.int(lo, hi + 1)].sort((a, b) => a - b);
        if (trial % 10 === 0) q[1] = q[0]; // qmin = qmax
        const out = type === 'int8' ? new Int8Array(n) : new Uint8Array(n);
        outputStage(1, n, acc, { bias, multiplier: mult, shift, rounding, outputZeroPoint: zp, qmin: q[0], qmax: q[1] }, out);
        // Single rounding's mirror needs x·2^shift inside int32 (see its header): keep shift <= 0.
        if (rounding === 'single') for (let l = 0; l < n; l++) shift[l] = Math.min(shift[l], 0);
        if (rounding === 'single') outputStage(1, n, acc, { bias, multiplier: mult, shift, rounding, outputZeroPoint: zp, qmin: q[0], qmax: q[1] }, out);
        const reg = type === 'int8' ? new Int8Array(16) : new Uint8Array(16);
        outputStageMirror(reg, acc, bias, mult, shift, rounding, zp, q[0], q[1]);
        for (let l = 0; l < n; l++) {
          // Independent: BigInt rescale, int32 zero-point add, clamp.
          const x = (acc[l] + bias[l]) | 0;
          const r = (rounding === 'double' ? doubleRef : singleRef)(x, mult[l], shift[l]);
          const want = Math.min(q[1], Math.max(q[0], r + zp));
          if (out[l] !== want || reg[l] !== want) bad.push(`${rounding} ${type}: got ${out[l]}/${reg[l]}, want ${want}`);
        }
      }
    }
  }
  t.same(bad.slice(0, 5), []);
  // An accumulator far beyond int16 with a negative zero point: the int16 SQADD saturates, the
  // clamp still gives qmax.
  const reg = outputStageMirror(new Int8Array(16), new Int32Array([MAX, MIN, 40000, -40000]), new Int32Array(4), new Int32Array(4).fill(MAX), new Int32Array(4), 'double', -100, -128, 127);
  t.same([...reg.slice(0, 4)], [127, -128, 127, -128]);
  // Fused activations.
  t.same(activationRange('relu6', 6 / 255, -128, 'int8'), { qmin: -128, qmax: 127 });
  t.same(activationRange('relu6', 0.05, -10, 'int8'), { qmin: -10, qmax: 110 });
  t.same(activationRange('relu6', 0.0235, 0, 'uint8'), { qmin: 0, qmax: 255 });
  t.same(activationRange('relu6', 0.048, 3, 'uint8'), { qmin: 3, qmax: 128 }, '6/0.048 = 125 exactly');
  t.same(activationRange('relu', 0.1, -20, 'int8'), { qmin: -20, qmax: 127 });
  t.same(activationRange('none', 0.1, -20, 'int8'), { qmin: -128, qmax: 127 });
  t.throws(() => outputStage(1, 2, new Int32Array(2), { multiplier: new Int32Array(2), shift: new Int32Array(2), rounding: 'double', outputZeroPoint: 0, qmin: 0, qmax: 300 }, new Uint8Array(2)), /outputStage: need integers 0 <= qmin <= qmax <= 255 for Uint8Array output, got \[0, 300\]/);
  // fp32 output stage = per-element requantizeFp32 of acc + bias.
  const acc = new Int32Array([1000, -1000, 5, 123456]);
  const o = outputStageFp32(2, 2, acc, { bias: new Int32Array([1, -1]), scale: new Float32Array([0.01, 0.5]), outputZeroPoint: 3, qmin: -128, qmax: 127 }, new Int8Array(4));
  t.same([...o], [requantizeFp32(1001, 0.01, 3, -128, 127), requantizeFp32(-1001, 0.5, 3, -128, 127), requantizeFp32(6, 0.01, 3, -128, 127), requantizeFp32(123455, 0.5, 3, -128, 127)]);
});

t.test('zero points: corrected raw GEMM equals the GEMM of (a - za)(w - zw); uint8 flip; bias folding', async (t) => {
  const rng = new Rng(35);
  const bad: string[] = [];
  for (let trial = 0; trial < 60; trial++) {
    const m = rng.int(1, 9), n = rng.int(1, 9), k = rng.int(1, 40);
    const u = Uint8Array.from({ length: m * k }, () => rng.int(0, 256));
    const za = [0, 128, 255, rng.int(0, 256)][trial % 4];
    const w = Int8Array.from({ length: n * k }, () => rng.int(-127, 128));
    const zw = trial % 3 === 0 ? rng.int(-128, 128) : 0;
    const { data, zeroPoint } = activationsToInt8(u, za);
    const raw = gemmIntReference(m, n, k, data, w);
    applyZeroPoints(raw, m, n, k, zeroPoint, zw, rowSums(data, m, k), rowSums(w, n, k));
    const direct = gemmIntReference(m, n, k, Array.from(u, (v) => v - za), Array.from(w, (v) => v - zw));
    if (String(raw) !== String(direct)) bad.push(`${m}x${n}x${k} za=${za} zw=${zw}`);
    if (zw === 0) {
      const bias = Int32Array.from({ length: n }, () => rng.int(-1000, 1000));
      const folded = foldZeroPointIntoBias(bias, rowSums(w, n, k), zeroPoint);
      const plain = gemmIntReference(m, n, k, data, w);
      for (let i = 0; i < m * n; i++) if (((plain[i] + folded[i % n]) | 0) !== ((direct[i] + bias[i % n]) | 0)) bad.push('fold');
    }
  }
  t.same(bad.slice(0, 5), []);
  t.same([...activationsToInt8(new Uint8Array([0, 128, 255]), 128).data], [-128, 0, 127]);
  t.equal(activationsToInt8(new Uint8Array(1), 3).zeroPoint, -125);
});
