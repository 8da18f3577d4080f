// Reference strided batched GEMM: one gemmReference per item (the products summed into one C
// when strideC is 0), for tests to compare `gemmBatched` against.
import { FloatArray } from './float-array';
import { gemmReference } from './gemm-reference';
import { GemmBatchedOptions, resolveGemmBatchedArgs } from './gemm-batched-options';

/** Same contract as `gemmBatched`. */
export function gemmBatchedReference(
  batch: number, m: number, n: number, k: number, a: FloatArray, b: FloatArray, c: FloatArray, opts: GemmBatchedOptions = {},
): void {
  const r = resolveGemmBatchedArgs('gemmBatchedReference', batch, m, n, k, a, b, c, opts);
  for (let i = 0; i < batch; i++) {
    gemmReference(m, n, k, a, b, c, {
      transA: r.transA, transB: r.transB, lda: r.lda, ldb: r.ldb, ldc: r.ldc,
      beta: r.strideC === 0 && i > 0 ? 1 : r.beta,
      aOffset: r.aOffset + i * r.strideA, bOffset: r.bOffset + i * r.strideB, cOffset: r.cOffset + i * r.strideC,
    });
  }
}
