// Options and argument checks shared by `gemm` and `gemmReference`, so the fast kernel and its
// reference accept exactly the same calls and reject bad ones with the same messages.
import { FloatArray } from './float-array';

/**
 * C[m×n] = op(A)·op(B) (+ C when beta is 1), all row-major with leading dimensions.
 * op(A) is m×k: A is stored m×k, or k×m when `transA`. op(B) is k×n: B is stored k×n, or n×k
 * when `transB`.
 */
export interface GemmOptions {
  transA?: boolean;
  transB?: boolean;
  /** 0: overwrite C (default; NaN or garbage already in C is ignored). 1: add into C. */
  beta?: 0 | 1;
  aOffset?: number;
  bOffset?: number;
  cOffset?: number;
  /** Elements between consecutive stored rows of A; defaults to its stored width. */
  lda?: number;
  ldb?: number;
  ldc?: number;
}

/** Every option filled in and checked against the arrays. */
export interface GemmArgs {
  transA: boolean;
  transB: boolean;
  beta: 0 | 1;
  aOffset: number;
  bOffset: number;
  cOffset: number;
  lda: number;
  ldb: number;
  ldc: number;
}

function checkCount(fn: string, what: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${fn}: ${what} must be a non-negative integer, got ${value}`);
  }
}

/** Last element index + 1 touched by a rows×cols row-major view, 0 for an empty one. */
function extent(rows: number, cols: number, offset: number, ld: number): number {
  return rows === 0 || cols === 0 ? 0 : offset + (rows - 1) * ld + cols;
}

function checkMatrix(
  fn: string, name: string, arr: FloatArray, rows: number, cols: number, offset: number, ld: number,
): void {
  if (!(arr instanceof Float32Array || arr instanceof Float64Array)) {
    throw new Error(`${fn}: ${name} must be a Float32Array or Float64Array`);
  }
  if (ld < Math.max(1, cols)) {
    throw new Error(`${fn}: ld${name} ${ld} is smaller than the ${cols} columns of ${name} (${rows}x${cols})`);
  }
  const need = extent(rows, cols, offset, ld);
  if (arr.length < need) {
    throw new Error(
      `${fn}: ${name} has ${arr.length} elements, need at least ${need} for ${rows}x${cols}` +
        ` (offset ${offset}, ld${name} ${ld})`,
    );
  }
}

/** Byte range [start, end) of a view, for the aliasing check. */
function byteRange(arr: FloatArray, rows: number, cols: number, offset: number, ld: number): [number, number] {
  const e = extent(rows, cols, offset, ld);
  return [arr.byteOffset + offset * arr.BYTES_PER_ELEMENT, arr.byteOffset + e * arr.BYTES_PER_ELEMENT];
}

function overlaps(x: FloatArray, rx: [number, number], y: FloatArray, ry: [number, number]): boolean {
  return x.buffer === y.buffer && rx[0] < rx[1] && ry[0] < ry[1] && rx[0] < ry[1] && ry[0] < rx[1];
}

/** Fills in defaults and throws a clear error for any inconsistent argument. */
export function resolveGemmArgs(
  fn: string, m: number, n: number, k: number, a: FloatArray, b: FloatArray, c: FloatArray,
  opts: GemmOptions,
): GemmArgs {
  checkCount(fn, 'm', m);
  checkCount(fn, 'n', n);
  checkCount(fn, 'k', k);
  const transA = opts.transA ?? false;
  const transB = opts.transB ?? false;
  const beta = opts.beta ?? 0;
  if (beta !== 0 && beta !== 1) throw new Error(`${fn}: beta must be 0 or 1, got ${beta}`);
  const aOffset = opts.aOffset ?? 0;
  const bOffset = opts.bOffset ?? 0;
  const cOffset = opts.cOffset ?? 0;
  checkCount(fn, 'aOffset', aOffset);
  checkCount(fn, 'bOffset', bOffset);
  checkCount(fn, 'cOffset', cOffset);
  // Stored shapes: what the arrays hold, before the transposes are applied.
  const aRows = transA ? k : m;
  const aCols = transA ? m : k;
  const bRows = transB ? n : k;
  const bCols = transB ? k : n;
  const lda = opts.lda ?? Math.max(1, aCols);
  const ldb = opts.ldb ?? Math.max(1, bCols);
  const ldc = opts.ldc ?? Math.max(1, n);
  checkCount(fn, 'lda', lda);
  checkCount(fn, 'ldb', ldb);
  checkCount(fn, 'ldc', ldc);
  checkMatrix(fn, 'a', a, aRows, aCols, aOffset, lda);
  checkMatrix(fn, 'b', b, bRows, bCols, bOffset, ldb);
  checkMatrix(fn, 'c', c, m, n, cOffset, ldc);
  // C is written while A and B are still being read, so they must not share memory.
  const cr = byteRange(c, m, n, cOffset, ldc);
  if (overlaps(c, cr, a, byteRange(a, aRows, aCols, aOffset, lda))) {
    throw new Error(`${fn}: c overlaps a; the output must not alias an input`);
  }
  if (overlaps(c, cr, b, byteRange(b, bRows, bCols, bOffset, ldb))) {
    throw new Error(`${fn}: c overlaps b; the output must not alias an input`);
  }
  return { transA, transB, beta, aOffset, bOffset, cOffset, lda, ldb, ldc };
}
