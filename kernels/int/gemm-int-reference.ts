// The definition every integer GEMM here must match: out[i][j] = Σ_t A[i][t]·W[j][t], reduced mod
// 2^32 to a signed int32 (the wrap of int32 accumulators). A is M×K row-major (activations, one
// im2col row per output pixel), W is N×K row-major (one output channel per row), out is M×N.
// Written as plainly as possible: each sum is formed exactly (int8·int8 products summed in a
// double stay exact far past any K used here) and wrapped once with BigInt.
import { checkDims, checkLength } from './validate';

export function gemmIntReference(m: number, n: number, k: number, a: ArrayLike<number>, w: ArrayLike<number>): Int32Array {
  checkDims('gemmIntReference', { m, n, k });
  checkLength('gemmIntReference', 'a', a, m * k, `${m}x${k}`);
  checkLength('gemmIntReference', 'w', w, n * k, `${n}x${k}`);
  const out = new Int32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += a[i * k + t] * w[j * k + t];
      if (!Number.isSafeInteger(s)) throw new Error(`gemmIntReference: sum ${s} is not exact in a double`);
      out[i * n + j] = Number(BigInt.asIntN(32, BigInt(s)));
    }
  }
  return out;
}
