// Strided batched GEMM: C_i = op(A_i)·op(B_i) (+ C_i) for i < batch, the operands of item i at
// offset + i·stride (cuBLAS's gemmStridedBatched layout; strideC 0 sums the products into one C).
// `gemmBatchedReference` (gemm-batched-reference.ts) is the definition it must match.
//
// A 1x1 convolution is one product per image with the same weights: y_i = W·x_i (and
// dx_i = Wᵀ·dy_i backwards). Calling `gemm` per image packs W again for every image and pays
// the call's set-up each time; at the small MobileNetV2's shapes (k = 8..96, 16..784 columns per
// image) that was a third of the time at 4x4 pixels. With strideA 0 and an A that fits the
// packing buffer whole, W is packed once and each image only packs its own columns; the
// micro-kernel and the tile stores are gemm.ts's own, so results are bit for bit those of gemm.
// Every other batch is a loop of `gemm` calls.
import { FloatArray } from './float-array';
import { gemm, GEMM_BLOCKING, kernel8x4, packA, packB, storeTile } from './gemm';
import { GemmBatchedArgs, GemmBatchedOptions, resolveGemmBatchedArgs } from './gemm-batched-options';

export { GemmBatchedOptions } from './gemm-batched-options';

const { MR, NR, KC, NC, packedASize } = GEMM_BLOCKING;

/** The batch of products described by `opts` (see GemmBatchedOptions); batch 0 writes nothing. */
export function gemmBatched(
  batch: number, m: number, n: number, k: number, a: FloatArray, b: FloatArray, c: FloatArray, opts: GemmBatchedOptions = {},
): void {
  const r = resolveGemmBatchedArgs('gemmBatched', batch, m, n, k, a, b, c, opts);
  if (batch === 0 || m === 0 || n === 0) return;
  const kcEven = k + (k & 1);
  if (r.strideA === 0 && r.strideC !== 0 && k > 0 && k <= KC && Math.ceil(m / MR) * MR * kcEven <= packedASize) {
    sharedA(batch, m, n, k, kcEven, a, b, c, r);
    return;
  }
  for (let i = 0; i < batch; i++) {
    gemm(m, n, k, a, b, c, {
      transA: r.transA, transB: r.transB, lda: r.lda, ldb: r.ldb, ldc: r.ldc,
      beta: r.strideC === 0 && i > 0 ? 1 : r.beta,
      aOffset: r.aOffset + i * r.strideA, bOffset: r.bOffset + i * r.strideB, cOffset: r.cOffset + i * r.strideC,
    });
  }
}

/**
 * One A (k <= KC, all of it in the packing buffer) times every B_i: A is packed once, then each
 * item goes through gemm's loops with A's panels already in place.
 */
function sharedA(
  batch: number, m: number, n: number, k: number, kcEven: number, a: FloatArray, b: FloatArray, c: FloatArray, r: GemmBatchedArgs,
): void {
  const accumulate = r.beta === 1;
  packA(a, r.aOffset, r.lda, r.transA, 0, m, 0, k, kcEven);
  for (let i = 0; i < batch; i++) {
    const bOffset = r.bOffset + i * r.strideB;
    const cOffset = r.cOffset + i * r.strideC;
    for (let jc = 0; jc < n; jc += NC) {
      const nc = Math.min(NC, n - jc);
      packB(b, bOffset, r.ldb, r.transB, 0, k, kcEven, jc, nc);
      for (let jr = 0; jr < nc; jr += NR) {
        const cols = Math.min(NR, nc - jr);
        for (let ir = 0; ir < m; ir += MR) {
          kernel8x4(kcEven, ir * kcEven, jr * kcEven);
          storeTile(c, cOffset + ir * r.ldc + jc + jr, r.ldc, Math.min(MR, m - ir), cols, accumulate);
        }
      }
    }
  }
}
