// gemm against gemmReference: every transpose combination, beta 0/1, sizes 0..17 and primes
// that are not multiples of the 8x4 tile, shapes crossing the MC/KC/NC block edges, offsets and
// leading dimensions, float32 and float64. Tolerance: TOL32 (~3.8e-6) times the sum of |a||b|
// for float32 outputs, TOL64 (1e-12) for float64.
import t from 'tap';
import { Rng } from '../../src/tensor/rng';
import { gemm } from '../../kernels/gemm';
import { gemmReference } from '../../kernels/gemm-reference';
import { GemmOptions } from '../../kernels/gemm-options';
import { FloatArray } from '../../kernels/float-array';
import { absArray, assertClose, Asserter, randomArray, TOL32, TOL64 } from './float-compare';

type Kind = 'f32' | 'f64';

interface Case {
  m: number; n: number; k: number; kind: Kind; opts: GemmOptions;
}

/** Runs one case on fresh random data; returns whether it passed (one assertion). */
function check(tt: Asserter, rng: Rng, { m, n, k, kind, opts }: Case): boolean {
  const transA = opts.transA ?? false;
  const transB = opts.transB ?? false;
  const [aRows, aCols] = transA ? [k, m] : [m, k];
  const [bRows, bCols] = transB ? [n, k] : [k, n];
  const lda = opts.lda ?? Math.max(1, aCols);
  const ldb = opts.ldb ?? Math.max(1, bCols);
  const ldc = opts.ldc ?? Math.max(1, n);
  const aOff = opts.aOffset ?? 0;
  const bOff = opts.bOffset ?? 0;
  const cOff = opts.cOffset ?? 0;
  const a = randomArray(rng, kind, aOff + aRows * lda);
  const b = randomArray(rng, kind, bOff + bRows * ldb);
  // C starts random (beta 1 must add to it) or NaN (beta 0 must ignore it); the padding between
  // rows and after the view must come back untouched.
  const c0 = randomArray(rng, kind, cOff + m * ldc + 3);
  if ((opts.beta ?? 0) === 0) for (let i = 0; i < c0.length; i++) c0[i] = NaN;
  const fast = c0.slice();
  const ref = c0.slice();
  gemm(m, n, k, a, b, fast, opts);
  gemmReference(m, n, k, a, b, ref, opts);
  // Scale of each sum: the reference on |A|, |B| (and |C| when accumulating).
  const scale = new Float64Array(c0.length);
  if ((opts.beta ?? 0) === 1) for (let i = 0; i < c0.length; i++) scale[i] = Math.abs(c0[i]);
  gemmReference(m, n, k, absArray(a), absArray(b), scale, opts);
  // NaN is kept outside the view by both; compare NaN positions exactly, values with tolerance.
  for (let i = 0; i < fast.length; i++) {
    if (Number.isNaN(ref[i]) !== Number.isNaN(fast[i])) {
      tt.ok(false, `${label({ m, n, k, kind, opts })}: NaN mismatch at [${i}]`);
      return false;
    }
    if (Number.isNaN(ref[i])) { fast[i] = 0; ref[i] = 0; }
  }
  return assertClose(tt, fast, ref, kind === 'f32' ? TOL32 : TOL64, label({ m, n, k, kind, opts }), scale);
}

function label({ m, n, k, kind, opts }: Case): string {
  return `${kind} m=${m} n=${n} k=${k} ${JSON.stringify(opts)}`;
}

/** Runs many cases and emits one assertion per failure plus one summary assertion. */
function checkAll(tt: Asserter, rng: Rng, cases: Case[]): void {
  let failures = 0;
  // Report the first few failures in full, then only count them.
  const quiet: Asserter = { ok: (v, msg) => { if (!v && ++failures <= 5) tt.ok(v, msg); } };
  for (const c of cases) check(quiet, rng, c);
  tt.ok(failures === 0, `${cases.length} cases, ${failures} failures`);
}

const TRANSPOSES: Array<Pick<GemmOptions, 'transA' | 'transB'>> = [
  {}, { transA: true }, { transB: true }, { transA: true, transB: true },
];

t.test('small sizes, all transposes, beta 0 and 1', (tt) => {
  const rng = new Rng(1);
  const sizes = [0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 13, 16, 17];
  const cases: Case[] = [];
  for (const m of sizes) for (const n of sizes) for (const k of sizes) {
    const tr = TRANSPOSES[(m + 3 * n + 7 * k) % 4];
    const beta = ((m + n + k) % 2) as 0 | 1;
    const kind: Kind = (m * n + k) % 3 === 0 ? 'f64' : 'f32';
    cases.push({ m, n, k, kind, opts: { ...tr, beta } });
  }
  // And every transpose/beta/kind combination on a few awkward shapes.
  for (const [m, n, k] of [[1, 1, 1], [9, 5, 3], [17, 13, 11], [8, 4, 2], [3, 19, 23]]) {
    for (const tr of TRANSPOSES) for (const beta of [0, 1] as const) for (const kind of ['f32', 'f64'] as Kind[]) {
      cases.push({ m, n, k, kind, opts: { ...tr, beta } });
    }
  }
  checkAll(tt, rng, cases);
  tt.end();
});

t.test('shapes crossing the cache blocks (MC=64, KC=256, NC=512)', (tt) => {
  const rng = new Rng(2);
  const cases: Case[] = [];
  const shapes = [[67, 37, 259], [13, 517, 31], [131, 9, 513], [1, 1030, 3], [70, 3, 1]];
  shapes.forEach(([m, n, k], s) => {
    TRANSPOSES.forEach((tr, i) => {
      cases.push({ m, n, k, kind: (s + i) % 2 ? 'f64' : 'f32', opts: { ...tr, beta: (i % 2) as 0 | 1 } });
    });
  });
  checkAll(tt, rng, cases);
  tt.end();
});

t.test('offsets and leading dimensions', (tt) => {
  const rng = new Rng(3);
  const cases: Case[] = [];
  for (let r = 0; r < 80; r++) {
    const m = rng.int(1, 20);
    const n = rng.int(1, 20);
    const k = rng.int(1, 20);
    const tr = TRANSPOSES[r % 4];
    const aCols = tr.transA ? m : k;
    const bCols = tr.transB ? k : n;
    cases.push({
      m, n, k, kind: r % 3 === 0 ? 'f64' : 'f32',
      opts: {
        ...tr, beta: (r % 2) as 0 | 1,
        aOffset: rng.int(0, 7), bOffset: rng.int(0, 7), cOffset: rng.int(0, 7),
        lda: aCols + rng.int(0, 5), ldb: bCols + rng.int(0, 5), ldc: n + rng.int(0, 5),
      },
    });
  }
  checkAll(tt, rng, cases);
  tt.end();
});

t.test('mixed float32/float64 operands', (tt) => {
  const rng = new Rng(4);
  const a = randomArray(rng, 'f32', 7 * 9);
  const b = randomArray(rng, 'f64', 9 * 10);
  const fast = new Float64Array(70);
  const ref = new Float64Array(70);
  gemm(7, 10, 9, a, b, fast);
  gemmReference(7, 10, 9, a, b, ref);
  assertClose(tt, fast, ref, TOL64, 'f32 A times f64 B into f64 C');
  tt.end();
});

t.test('float64 inputs are computed in double precision', (tt) => {
  // A sum whose float32 rounding is visible: in float32, 1 + 1e-10 - 1 would be 0.
  const a = new Float64Array([1, 1e-10, -1]);
  const b = new Float64Array([1, 1, 1]);
  const c = new Float64Array(1);
  gemm(1, 1, 3, a, b, c);
  tt.ok(Math.abs(c[0] - 1e-10) < 1e-15, `got ${c[0]}`);
  tt.end();
});

t.test('padding never leaks values from earlier calls', (tt) => {
  // Fill the packing buffers with Inf, then multiply finite matrices whose shapes need zero
  // padding (odd k, edge rows and columns): Inf * 0 would turn padding into NaN.
  const big = 70;
  const inf = new Float32Array(big * big).fill(Infinity);
  const rng = new Rng(5);
  for (const [m, n, k] of [[3, 5, 7], [9, 6, 1], [8, 4, 7], [16, 8, 3]]) {
    gemm(big, big, big, inf, inf, new Float32Array(big * big));
    const a = randomArray(rng, 'f32', m * k);
    const b = randomArray(rng, 'f32', k * n);
    const fast = new Float32Array(m * n);
    const ref = new Float32Array(m * n);
    gemm(m, n, k, a, b, fast);
    gemmReference(m, n, k, a, b, ref);
    assertClose(tt, fast, ref, TOL32, `after Inf call: m=${m} n=${n} k=${k}`);
  }
  tt.end();
});

t.test('bad arguments give clear errors', (tt) => {
  const a = new Float32Array(6);
  const b = new Float32Array(6);
  const c = new Float32Array(4);
  tt.throws(() => gemm(2, 2, 3, new Float32Array(5), b, c), /gemm: a has 5 elements, need at least 6 for 2x3/);
  tt.throws(() => gemm(2, 2, 3, a, new Float32Array(5), c), /gemm: b has 5 elements, need at least 6 for 3x2/);
  tt.throws(() => gemm(2, 2, 3, a, b, new Float32Array(3)), /gemm: c has 3 elements, need at least 4 for 2x2/);
  tt.throws(() => gemm(2, 2, 3, a, b, c, { lda: 2 }), /gemm: lda 2 is smaller than the 3 columns of a/);
  tt.throws(() => gemm(-1, 2, 3, a, b, c), /gemm: m must be a non-negative integer, got -1/);
  tt.throws(() => gemm(2, 2.5, 3, a, b, c), /gemm: n must be a non-negative integer, got 2.5/);
  tt.throws(() => gemm(2, 2, 3, a, b, c, { beta: 2 as 0 }), /gemm: beta must be 0 or 1, got 2/);
  tt.throws(() => gemm(2, 2, 3, a, b, c, { cOffset: 1 }), /gemm: c has 4 elements, need at least 5/);
  tt.throws(() => gemm(2, 2, 3, a, b, a as FloatArray), /gemm: c overlaps a/);
  const shared = new Float32Array(20);
  tt.throws(() => gemm(2, 2, 3, shared, b, shared.subarray(5)), /gemm: c overlaps a/);
  // Disjoint views of one buffer are fine.
  tt.doesNotThrow(() => gemm(2, 2, 3, shared, b, shared.subarray(6)));
  tt.throws(() => gemmReference(2, 2, 3, new Float32Array(5), b, c), /gemmReference: a has 5 elements/);
  tt.end();
});
