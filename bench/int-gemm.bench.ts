// Integer GEMM throughput: the fast path of every kernels/int variant at 512x512x512 next to our
// fp32 GEMM (kernels/gemm.ts) on the same problem in the same run, in G multiply-accumulates per
// second and as ratios. The fp32 GEMM gets the same operand layout as the int kernels (weights
// N×K, so `transB: true`). The machines are shared and their load drifts, so every kernel
// (baseline included) is measured in ROUNDS interleaved rounds and keeps its best round: a busy
// spell then hits all kernels alike instead of flattering or sinking one ratio.
// Targets (issue 5): int8 >= 1.2x fp32; 2-bit lookup-table kernel >= 2x fp32.
// Every fast result is first checked against the exact-integer reference on a slice of rows.
import { gemm } from '../kernels/gemm';
import {
  gemmCodebookFast, gemmInt2Fast, gemmInt4Fast, gemmInt8Fast, gemmIntReference, gemmLutFast,
  prepackCodebookFast, prepackInt2Fast, prepackInt4Fast, prepackInt8Fast, prepackLutFast,
  gemmInt8SdotMirror, packSdotPanels,
} from '../kernels/int';
import { Rng } from '../src/tensor/rng';
import { fmtRatio, fmtSeconds, markdownTable, measure, writeReport, type Timing } from './harness';

const M = 512;
const N = 512;
const K = 512;
const ROUNDS = 3;

interface Variant {
  name: string;
  target?: number;
  run: () => Int32Array;
  /** The weights as plain integers, for the correctness check. */
  weights: ArrayLike<number>;
}

function ints(rng: Rng, count: number, lo: number, hi: number): Int8Array {
  return Int8Array.from({ length: count }, () => rng.int(lo, hi + 1));
}

export function run(): void {
  const rng = new Rng(5);
  const a = ints(rng, M * K, -128, 127);
  const out = new Int32Array(M * N);
  const af = Float32Array.from(a);
  const wf = Float32Array.from(ints(rng, N * K, -127, 127));
  const cf = new Float32Array(M * N);

  const w8 = ints(rng, N * K, -127, 127);
  const w4 = ints(rng, N * K, -8, 7);
  const w2 = ints(rng, N * K, -2, 1);
  const levels3 = Int8Array.from([-96, -40, -15, -4, 3, 14, 41, 100]);
  const codes3 = Uint8Array.from({ length: N * K }, () => rng.int(0, 8));
  const p8 = prepackInt8Fast(w8, N, K);
  const p4 = prepackInt4Fast(w4, N, K);
  const p2 = prepackInt2Fast(w2, N, K);
  const pc = prepackCodebookFast(codes3, N, K, 3, levels3);
  const variants: Variant[] = [
    { name: 'int8 x int8 (SWAR float64, 2 channels per double)', target: 1.2, run: () => gemmInt8Fast(M, N, K, a, p8, out), weights: w8 },
    { name: 'int4 x int8', run: () => gemmInt4Fast(M, N, K, a, p4, out), weights: w4 },
    { name: 'int2 x int8 (TBL-decoded)', run: () => gemmInt2Fast(M, N, K, a, p2, out), weights: w2 },
    { name: '3-bit codebook x int8 (TBL-decoded)', run: () => gemmCodebookFast(M, N, K, a, pc, out), weights: Int8Array.from(codes3, (c) => levels3[c]) },
  ];
  for (let bits = 1; bits <= 4; bits++) {
    const codes = Uint8Array.from({ length: N * K }, () => rng.int(0, 2 ** bits));
    const pl = prepackLutFast(codes, N, K, bits);
    const z = 2 ** (bits - 1);
    variants.push({
      name: `${bits}-bit lookup tables (T-MAC style)`,
      target: bits === 2 ? 2 : undefined,
      run: () => gemmLutFast(M, N, K, a, pl, out),
      weights: Int8Array.from(codes, (c) => c - z),
    });
  }

  // Correctness first: the first 16 rows of every variant against the exact reference.
  const ref16 = (w: ArrayLike<number>) => gemmIntReference(16, N, K, a, w);
  for (const v of variants) {
    const got = v.run().subarray(0, 16 * N);
    const want = ref16(v.weights);
    for (let i = 0; i < want.length; i++) {
      if (got[i] !== want[i]) throw new Error(`int-gemm bench: ${v.name} differs from the reference at ${i}: ${got[i]} vs ${want[i]}`);
    }
  }

  const fp32: Variant = { name: 'fp32 gemm', run: () => (gemm(M, N, K, af, wf, cf, { transB: true }), out), weights: [] };
  const all = [fp32, ...variants];
  const best = new Map<Variant, Timing>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const v of all) {
      const tm = measure(v.name, v.run, { maxTime: 0.6, minSamples: 4 });
      const prev = best.get(v);
      if (!prev || tm.seconds < prev.seconds) best.set(v, tm);
    }
  }
  const base = best.get(fp32)!;
  const timings: [Variant, Timing][] = variants.map((v) => [v, best.get(v)!]);

  const gmacs = (s: number) => (M * N * K) / s / 1e9;
  const rows: string[][] = [
    ['fp32 GEMM (kernels/gemm.ts, transB)', fmtSeconds(base.seconds), gmacs(base.seconds).toFixed(2), '1.00x', '', `±${base.rme.toFixed(1)}%`],
  ];
  const missed: string[] = [];
  for (const [v, tm] of timings) {
    const ratio = base.seconds / tm.seconds;
    const verdict = v.target === undefined ? '' : ratio >= v.target ? `>= ${v.target}x: met` : `>= ${v.target}x: MISSED`;
    if (v.target !== undefined && ratio < v.target) missed.push(v.name);
    rows.push([v.name, fmtSeconds(tm.seconds), gmacs(tm.seconds).toFixed(2), fmtRatio(ratio), verdict, `±${tm.rme.toFixed(1)}%`]);
  }

  // For scale: the instruction-level mirror on a small problem (it is a specification, not a kernel).
  const ms = 64;
  const am = a.subarray(0, ms * ms);
  const wm = w8.subarray(0, ms * ms);
  const pm = packSdotPanels(wm, ms, ms);
  const pf = prepackInt8Fast(wm, ms, ms);
  const mirror = measure('sdot mirror 64^3', () => gemmInt8SdotMirror(ms, ms, ms, am, pm), { maxTime: 1 });
  const fast64 = measure('int8 fast 64^3', () => gemmInt8Fast(ms, ms, ms, am, pf), { maxTime: 1 });

  const body = [
    `M = N = K = ${K}; A int8 row-major, W N×K (one output channel per row), int32 out. Each time is`,
    `the best of ${ROUNDS} interleaved benchmark.js rounds (rme of that round shown). Every fast path was`,
    'checked bit-exact against the integer reference before timing. Single thread throughout.',
    '',
    markdownTable(['kernel (fast path)', 'time', 'GMAC/s', 'vs fp32 GEMM', 'target', 'rme'], rows),
    '',
    `The SDOT 4x16 mirror (one kernels/neon call per instruction) at 64x64x64: ${fmtSeconds(mirror.seconds)}`,
    `vs ${fmtSeconds(fast64.seconds)} for the int8 fast path (${fmtRatio(mirror.seconds / fast64.seconds)} slower).`,
    '',
    missed.length ? `Targets missed in this run: ${missed.join(', ')}.` : 'All targets met in this run.',
  ].join('\n');
  writeReport('int-gemm', 'Integer GEMM throughput (fast paths) vs fp32 GEMM', body);
}
