// Zero points (asymmetric quantization). With real = scale·(q - zp), a layer's integer sum is
//   Σ_t (a_t - za)(w_t - zw) = Σ a·w - za·Σ_t w_t - zw·Σ_t a_t + K·za·zw   (arXiv:1712.05877 eq. 7),
// so the GEMMs compute the raw Σ a·w and the other terms come from per-row sums, as in gemmlowp
// and ruy. Weights here are symmetric (zw = 0), leaving one term, -za·(weight row sum), which is
// constant per output channel and is usually folded into the bias once (XNNPACK/TFLite do that).
// uint8 activations become int8 by flipping the top bit (q ^ 0x80 = q - 128) with zp - 128, so
// the int8 kernels (SDOT needs signed operands) serve both.
import { checkDims, checkLength } from './validate';

/** Σ_t rows[i][t] for an R×K row-major matrix (exact int32: |Σ| < 2^31 for K < 2^23). */
export function rowSums(values: ArrayLike<number>, rows: number, k: number): Int32Array {
  checkDims('rowSums', { rows, k });
  checkLength('rowSums', 'values', values, rows * k, `${rows}x${k}`);
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let t = 0; t < k; t++) s += values[i * k + t];
    out[i] = s;
  }
  return out;
}

/**
 * acc[i][j] += -za·wSums[j] - zw·aSums[i] + K·za·zw, wrapping like int32 hardware: turns Σ a·w into
 * Σ (a - za)(w - zw). aSums/wSums are the row sums of A (M×K) and W (N×K).
 */
export function applyZeroPoints(
  acc: Int32Array, m: number, n: number, k: number,
  aZeroPoint: number, wZeroPoint: number, aSums: Int32Array, wSums: Int32Array,
): Int32Array {
  checkDims('applyZeroPoints', { m, n, k });
  checkLength('applyZeroPoints', 'acc', acc, m * n, `${m}x${n}`);
  checkLength('applyZeroPoints', 'aSums', aSums, m, `${m} rows`);
  checkLength('applyZeroPoints', 'wSums', wSums, n, `${n} rows`);
  const both = Math.imul(Math.imul(k, aZeroPoint), wZeroPoint);
  for (let i = 0; i < m; i++) {
    const rowTerm = (both - Math.imul(wZeroPoint, aSums[i])) | 0;
    for (let j = 0; j < n; j++) {
      acc[i * n + j] = (acc[i * n + j] - Math.imul(aZeroPoint, wSums[j]) + rowTerm) | 0;
    }
  }
  return acc;
}

/** bias'[j] = bias[j] - za·wSums[j] (wrapping): the activation zero point folded into the bias. */
export function foldZeroPointIntoBias(bias: Int32Array, wSums: Int32Array, aZeroPoint: number): Int32Array {
  checkLength('foldZeroPointIntoBias', 'wSums', wSums, bias.length, `${bias.length} channels`);
  const out = new Int32Array(bias.length);
  for (let j = 0; j < bias.length; j++) out[j] = (bias[j] - Math.imul(aZeroPoint, wSums[j])) | 0;
  return out;
}

/** uint8 activations as int8 (q ^ 0x80 = q - 128) and the matching zero point zp - 128. */
export function activationsToInt8(a: Uint8Array, zeroPoint: number): { data: Int8Array; zeroPoint: number } {
  if (!Number.isInteger(zeroPoint) || zeroPoint < 0 || zeroPoint > 255) {
    throw new Error(`activationsToInt8: zeroPoint must be an integer in [0, 255], got ${zeroPoint}`);
  }
  const data = new Int8Array(a.length);
  for (let i = 0; i < a.length; i++) data[i] = a[i] ^ 0x80;
  return { data, zeroPoint: zeroPoint - 128 };
}
