// gemmBatched against gemmBatchedReference: shared A (strideA 0, the packed-once path) with
// every transpose, beta 0/1, sizes not multiple of the tile, items spaced out with gaps, n across
// the NC block, and the fall-backs (A too big to pack whole, k > KC, separate A_i, products
// summed with strideC 0); float32 and float64; bit-equality with per-item gemm; errors.
import t from 'tap';
import { Rng } from '../../src/tensor/rng';
import { gemm } from '../../kernels/gemm';
import { gemmBatched } from '../../kernels/gemm-batched';
import { gemmBatchedReference } from '../../kernels/gemm-batched-reference';
import { GemmBatchedOptions } from '../../kernels/gemm-batched-options';
import { absArray, assertClose, Asserter, randomArray, TOL32, TOL64 } from './float-compare';

type Kind = 'f32' | 'f64';
interface Case { batch: number; m: number; n: number; k: number; kind: Kind; opts: GemmBatchedOptions }

/** Array lengths a case needs (last item's extent plus a little spare). */
function lengths({ batch, m, n, k, opts }: Case): { a: number; b: number; c: number } {
  const [aRows, aCols] = opts.transA ? [k, m] : [m, k];
  const [bRows, bCols] = opts.transB ? [n, k] : [k, n];
  const lda = opts.lda ?? Math.max(1, aCols);
  const ldb = opts.ldb ?? Math.max(1, bCols);
  const ldc = opts.ldc ?? Math.max(1, n);
  const last = Math.max(0, batch - 1);
  return {
    a: (opts.aOffset ?? 0) + last * (opts.strideA ?? m * k) + aRows * lda + 2,
    b: (opts.bOffset ?? 0) + last * (opts.strideB ?? k * n) + bRows * ldb + 2,
    c: (opts.cOffset ?? 0) + last * (opts.strideC ?? m * n) + m * ldc + 2,
  };
}

function check(tt: Asserter, rng: Rng, cs: Case): boolean {
  const { batch, m, n, k, kind, opts } = cs;
  const len = lengths(cs);
  const a = randomArray(rng, kind, len.a);
  const b = randomArray(rng, kind, len.b);
  const c0 = randomArray(rng, kind, len.c);
  const fast = c0.slice();
  const ref = c0.slice();
  gemmBatched(batch, m, n, k, a, b, fast, opts);
  gemmBatchedReference(batch, m, n, k, a, b, ref, opts);
  const scale = Float64Array.from(c0, Math.abs);
  gemmBatchedReference(batch, m, n, k, absArray(a), absArray(b), scale, opts);
  return assertClose(tt, fast, ref, kind === 'f32' ? TOL32 : TOL64, `${kind} batch=${batch} m=${m} n=${n} k=${k} ${JSON.stringify(opts)}`, scale);
}

function checkAll(tt: Asserter, rng: Rng, cases: Case[]): void {
  let failures = 0;
  const quiet: Asserter = { ok: (v, msg) => { if (!v && ++failures <= 5) tt.ok(v, msg); } };
  for (const c of cases) check(quiet, rng, c);
  tt.ok(failures === 0, `${cases.length} cases, ${failures} failures`);
}

const TRANSPOSES = [{}, { transA: true }, { transB: true }, { transA: true, transB: true }];

t.test('shared A: transposes, beta, awkward sizes, gaps between items, both dtypes', (tt) => {
  const rng = new Rng(60);
  const cases: Case[] = [];
  const sizes = [1, 2, 3, 5, 8, 9, 13, 17];
  let i = 0;
  for (const m of sizes) for (const n of sizes) for (const k of [1, 2, 3, 8, 9, 24]) {
    i++;
    const gap = i % 3; // elements left between items
    const opts: GemmBatchedOptions = {
      ...TRANSPOSES[i % 4], beta: (i % 2) as 0 | 1, strideA: 0,
      strideB: k * n + gap, strideC: m * n + 2 * gap, aOffset: i % 5, bOffset: (i * 7) % 3, cOffset: i % 2,
    };
    cases.push({ batch: 1 + (i % 4), m, n, k, kind: i % 5 === 0 ? 'f64' : 'f32', opts });
  }
  // Leading dimensions wider than the rows; a 1x1-convolution-like layout (groups: rows of C
  // within a bigger per-image block).
  cases.push({ batch: 3, m: 10, n: 7, k: 6, kind: 'f32', opts: { strideA: 0, lda: 9, ldb: 11, ldc: 8, strideB: 70, strideC: 90 } });
  cases.push({ batch: 5, m: 8, n: 49, k: 16, kind: 'f32', opts: { strideA: 0, aOffset: 128, strideB: 32 * 49, bOffset: 16 * 49, strideC: 16 * 49, cOffset: 8 * 49 } });
  checkAll(tt, rng, cases);
  tt.end();
});

t.test('shared A across block edges and the fall-backs', (tt) => {
  const rng = new Rng(61);
  const cases: Case[] = [
    { batch: 2, m: 33, n: 600, k: 20, kind: 'f32', opts: { strideA: 0 } }, // n across NC = 512
    { batch: 3, m: 256, n: 16, k: 32, kind: 'f32', opts: { strideA: 0, transA: true } }, // A fills 8192 of the buffer
    { batch: 2, m: 200, n: 9, k: 100, kind: 'f32', opts: { strideA: 0 } }, // A too big to pack whole
    { batch: 2, m: 9, n: 5, k: 300, kind: 'f64', opts: { strideA: 0, beta: 1 } }, // k > KC
    { batch: 4, m: 7, n: 6, k: 5, kind: 'f32', opts: {} }, // separate A_i
    { batch: 4, m: 7, n: 6, k: 50, kind: 'f32', opts: { strideC: 0, transB: true } }, // products summed
    { batch: 3, m: 5, n: 4, k: 9, kind: 'f64', opts: { strideC: 0, beta: 1, strideA: 0 } },
    { batch: 0, m: 5, n: 4, k: 3, kind: 'f32', opts: {} },
    { batch: 3, m: 5, n: 4, k: 0, kind: 'f32', opts: { strideA: 0 } },
  ];
  checkAll(tt, rng, cases);
  tt.end();
});

t.test('shared A gives the bits of gemm called per item', (tt) => {
  const rng = new Rng(62);
  const [batch, m, n, k] = [6, 24, 16, 96];
  const a = randomArray(rng, 'f32', m * k);
  const b = randomArray(rng, 'f32', batch * k * n);
  const one = new Float32Array(batch * m * n);
  const many = new Float32Array(batch * m * n);
  gemmBatched(batch, m, n, k, a, b, one, { strideA: 0 });
  for (let i = 0; i < batch; i++) gemm(m, n, k, a, b, many, { bOffset: i * k * n, cOffset: i * m * n });
  tt.same(Array.from(one), Array.from(many));
  tt.end();
});

t.test('bad arguments give clear errors', (tt) => {
  const x = new Float32Array(100);
  tt.throws(() => gemmBatched(-1, 2, 2, 2, x, x.slice(), new Float32Array(8)), /gemmBatched: batch must be a non-negative integer, got -1/);
  tt.throws(() => gemmBatched(2, 2, 2, 2, x, x.slice(), new Float32Array(8), { strideC: 3 }), /gemmBatched: strideC 3 is smaller than one 2x2 C \(ldc 2, 4 elements\): the outputs would overlap/);
  tt.throws(() => gemmBatched(3, 2, 2, 2, x, x.slice(), new Float32Array(10)), /gemmBatched: c has 10 elements, need at least 12 for 2x2 \(offset 8, ldc 2\)/);
  // Each item alone is fine; C_0 overlaps A_1 (or B_1).
  tt.throws(() => gemmBatched(2, 2, 2, 2, x, new Float32Array(8), x.subarray(6)), /gemmBatched: c overlaps a; the outputs must not alias an input/);
  tt.throws(() => gemmBatched(2, 2, 2, 2, new Float32Array(8), x, x, { strideB: 20, cOffset: 20, strideC: 4 }), /gemmBatched: c overlaps b/);
  tt.end();
});
