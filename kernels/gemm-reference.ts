// Reference GEMM: the definition as a plain triple loop, for tests to compare `gemm` against.
// Sums in a double, in k order; slow on purpose, simple on purpose.
import { FloatArray } from './float-array';
import { GemmOptions, resolveGemmArgs } from './gemm-options';

/** C[m×n] = op(A)·op(B) (+ C when beta is 1); same contract as `gemm`. */
export function gemmReference(
  m: number, n: number, k: number, a: FloatArray, b: FloatArray, c: FloatArray, opts: GemmOptions = {},
): void {
  const { transA, transB, beta, aOffset, bOffset, cOffset, lda, ldb, ldc } =
    resolveGemmArgs('gemmReference', m, n, k, a, b, c, opts);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) {
        const aip = transA ? a[aOffset + p * lda + i] : a[aOffset + i * lda + p];
        const bpj = transB ? b[bOffset + j * ldb + p] : b[bOffset + p * ldb + j];
        sum += aip * bpj;
      }
      const at = cOffset + i * ldc + j;
      c[at] = beta === 1 ? c[at] + sum : sum;
    }
  }
}
