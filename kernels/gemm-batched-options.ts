// Options and argument checks shared by `gemmBatched` and `gemmBatchedReference`, so both accept
// exactly the same calls and reject bad ones with the same messages.
import { FloatArray } from './float-array';
import { GemmArgs, GemmOptions, resolveGemmArgs } from './gemm-options';

/**
 * A batch of products C_i = op(A_i)·op(B_i) (+ C_i with beta 1), i < batch, each operand of item
 * i at its offset + i·stride; transposes, leading dimensions and beta as in GemmOptions.
 * strideA 0 shares one A between all items (a convolution's weights); strideC 0 sums all
 * products into one C: C = Σ_i op(A_i)·op(B_i) (+ C with beta 1).
 */
export interface GemmBatchedOptions extends GemmOptions {
  /** Elements from A_i to A_(i+1); default m·k (packed one after the other). */
  strideA?: number;
  strideB?: number;
  strideC?: number;
}

export interface GemmBatchedArgs extends GemmArgs {
  strideA: number;
  strideB: number;
  strideC: number;
}

function checkCount(fn: string, what: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) throw new Error(`${fn}: ${what} must be a non-negative integer, got ${value}`);
}

/** [start, end) of the elements every item of a strided operand may touch. */
function span(offset: number, stride: number, batch: number, extent: number): [number, number] {
  return [offset, offset + (batch - 1) * stride + extent];
}

function overlaps(x: FloatArray, rx: [number, number], y: FloatArray, ry: [number, number]): boolean {
  const bx = x.BYTES_PER_ELEMENT;
  const by = y.BYTES_PER_ELEMENT;
  return x.buffer === y.buffer && rx[0] < rx[1] && ry[0] < ry[1] &&
    x.byteOffset + rx[0] * bx < y.byteOffset + ry[1] * by && y.byteOffset + ry[0] * by < x.byteOffset + rx[1] * bx;
}

/** Fills in defaults and throws a clear error for any inconsistent argument. */
export function resolveGemmBatchedArgs(
  fn: string, batch: number, m: number, n: number, k: number, a: FloatArray, b: FloatArray, c: FloatArray,
  opts: GemmBatchedOptions,
): GemmBatchedArgs {
  checkCount(fn, 'batch', batch);
  const strideA = opts.strideA ?? m * k;
  const strideB = opts.strideB ?? k * n;
  const strideC = opts.strideC ?? m * n;
  checkCount(fn, 'strideA', strideA);
  checkCount(fn, 'strideB', strideB);
  checkCount(fn, 'strideC', strideC);
  // Item 0 checks the options and shapes; the last item checks that the arrays are long enough.
  const first = resolveGemmArgs(fn, m, n, k, a, b, c, opts);
  if (batch === 0) return { ...first, strideA, strideB, strideC };
  const at = batch - 1;
  resolveGemmArgs(fn, m, n, k, a, b, c, {
    ...opts, aOffset: first.aOffset + at * strideA, bOffset: first.bOffset + at * strideB, cOffset: first.cOffset + at * strideC,
  });
  if (m === 0 || n === 0) return { ...first, strideA, strideB, strideC };
  const cExtent = (m - 1) * first.ldc + n;
  if (strideC !== 0 && strideC < cExtent && batch > 1) {
    throw new Error(`${fn}: strideC ${strideC} is smaller than one ${m}x${n} C (ldc ${first.ldc}, ${cExtent} elements): the outputs would overlap`);
  }
  // C is written while the A_i and B_i are read, so no output may share memory with any input.
  const [aRows, aCols] = first.transA ? [k, m] : [m, k];
  const [bRows, bCols] = first.transB ? [n, k] : [k, n];
  const cSpan = span(first.cOffset, strideC, batch, cExtent);
  if (aRows > 0 && aCols > 0 && overlaps(c, cSpan, a, span(first.aOffset, strideA, batch, (aRows - 1) * first.lda + aCols))) {
    throw new Error(`${fn}: c overlaps a; the outputs must not alias an input`);
  }
  if (bRows > 0 && bCols > 0 && overlaps(c, cSpan, b, span(first.bOffset, strideB, batch, (bRows - 1) * first.ldb + bCols))) {
    throw new Error(`${fn}: c overlaps b; the outputs must not alias an input`);
  }
  return { ...first, strideA, strideB, strideC };
}
