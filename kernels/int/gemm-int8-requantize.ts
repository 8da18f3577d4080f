// A GEMM with the output stage fused in, for the thin layers of small networks: pointwise
// convolutions with a few dozen input channels, im2col'd small kernels, classifier heads.
// out[i][j] = requantize(Σ_t A[i][t]·W[j][t], channel j), A uint8 codes (M×K, row-major), W int8
// (N×K), the requantization of requantize-channels.ts: bit for bit
// requantizeChannelsReference(gemmIntReference(A, W)).
//
// Why a separate kernel: with K = 8..96 a product has only K/2 multiply-adds per output (two
// channels per double, see gemm-int8-fast.ts), about as much work as its output stage, so
// writing int32 accumulators and reading them back in a second pass costs as much as the
// multiply-adds. Here each 4-row x 4-channel tile is requantized straight from registers, with
// each channel's constants loaded once per tile. The rows of A are read in place (no packing:
// for small K a row is a few contiguous bytes), the weights are prepacked once as channel-pair
// doubles w0 + 2^26·w1, split after the sum as in gemm-int8-fast.ts (exact while
// K·255·128 < 2^25, hence K <= 1024 here).
//
// The output stage's fast path needs |acc + bias| below the plan's limit. |Σ a·w| is at most
// 255·Σ_t |w[j][t]|, so when that bound (plus |bias|) is under the limit for every channel, which
// holds for the small layers this kernel is for, the tiles skip the per-element check; otherwise
// every element is checked and may take the exact BigInt path.
import { rescaleWithFraction } from './requantize-channels-reference';
import type { RequantizeChannelsPlan } from './requantize-channels';
import { checkDims, checkIntRange, checkLength } from './validate';

export interface Int8RequantizePanels {
  kind: 'int8-requantize';
  n: number;
  k: number;
  /** Channel pairs (n rounded up to a multiple of 4, halved) × k doubles w[2p][t] + 2^26·w[2p+1][t]. */
  pairs: Float64Array;
  /** 255·Σ_t |w[j][t]|: a bound on |Σ_t a_t·w[j][t]| for uint8 a. */
  bound: Float64Array;
}

const S = 67108864; // 2^26
const INV_S = 1 / S;
const ROUNDER = 6755399441055744; // 1.5·2^52
/** Largest depth whose channel-pair sums split exactly. */
export const REQUANTIZE_MAX_K = 1024;

/** Prepack W (N×K int8 values, row-major) into channel pairs; done once per layer. */
export function prepackInt8Requantize(w: ArrayLike<number>, n: number, k: number): Int8RequantizePanels {
  checkDims('prepackInt8Requantize', { n, k });
  if (k > REQUANTIZE_MAX_K) throw new Error(`prepackInt8Requantize: depth ${k} is above ${REQUANTIZE_MAX_K}, where channel-pair sums stop being exact; use gemmInt8Fast`);
  checkLength('prepackInt8Requantize', 'w', w, n * k, `${n}x${k}`);
  checkIntRange('prepackInt8Requantize', 'w', w, n * k, -128, 127);
  const pairCount = Math.ceil(n / 4) * 2;
  const pairs = new Float64Array(pairCount * k);
  for (let p = 0; p < pairCount; p++) {
    for (let t = 0; t < k; t++) {
      const w0 = 2 * p < n ? w[2 * p * k + t] : 0;
      const w1 = 2 * p + 1 < n ? w[(2 * p + 1) * k + t] : 0;
      pairs[p * k + t] = w0 + S * w1;
    }
  }
  const bound = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let t = 0; t < k; t++) s += Math.abs(w[j * k + t]);
    bound[j] = 255 * s;
  }
  return { kind: 'int8-requantize', n, k, pairs, bound };
}

/** Where output (i, j) goes: out[start + i·row + floor(i / wrap)·gap + j·column]. */
export interface OutputStrides {
  start: number;
  /** Distance between rows (N for row-major output, 1 for channel planes). */
  row: number;
  /** Distance between channels (1 for row-major output, the plane size for channel planes). */
  column: number;
  /** Every `wrap` rows, skip `gap` more (the border of padded planes); 0 or absent: never. */
  wrap?: number;
  gap?: number;
}

/**
 * Rows [0, m) of A, read from a[aStart ..], requantized into out (uint8 codes or int32, as the
 * plan's range allows): by default row-major at out[i·N + j]; `strides` can place the output
 * elsewhere, e.g. as channel planes (row 1, column h·w) for a depthwise layer to read.
 */
export function gemmInt8Requantize(
  m: number, a: Uint8Array, w: Int8RequantizePanels, plan: RequantizeChannelsPlan, out: Uint8Array | Int32Array, aStart = 0,
  strides: OutputStrides = { start: 0, row: w.n, column: 1 },
): void {
  const { n, k, pairs } = w;
  const { start: outStart, row: rowStride, column: colStride } = strides;
  const wrap = strides.wrap ?? 0;
  const gap = strides.gap ?? 0;
  checkDims('gemmInt8Requantize', { m, aStart, outStart, rowStride, colStride, wrap, gap });
  const rowAt = (i: number): number => outStart + i * rowStride + (wrap > 0 ? Math.floor(i / wrap) * gap : 0);
  if (plan.channels !== n) throw new Error(`gemmInt8Requantize: the output stage has ${plan.channels} channels, the weights ${n}`);
  checkLength('gemmInt8Requantize', 'a', a, aStart + m * k, `${m}x${k} from ${aStart}`);
  if (m > 0 && n > 0) {
    const last = rowAt(m - 1) + (n - 1) * colStride;
    checkLength('gemmInt8Requantize', 'out', out, last + 1, `${m}x${n} at ${outStart} with strides ${rowStride}, ${colStride}`);
  }
  if (out instanceof Uint8Array && (plan.qmin < 0 || plan.qmax > 255)) {
    throw new Error(`gemmInt8Requantize: range [${plan.qmin}, ${plan.qmax}] does not fit a Uint8Array output`);
  }
  let checked = false;
  for (let j = 0; j < n; j++) if (!(w.bound[j] + Math.abs(plan.bias[j]) < plan.limit[j])) checked = true;
  // 0: no checks, bit-operation clamp (every uint8 output, narrow int32 ranges); 1: no checks,
  // an int32 range too wide for it; 2: checked.
  const mode = checked ? 2 : plan.narrow ? 0 : 1;
  // Mode 0 folds bias and low into one constant per channel: floor((x + bias)·scale + addend) +
  // low = floor(x·scale + K), K = bias·scale + addend + low, exactly when every numerator over
  // 2^r (r = 31 - shift) stays below 2^51: |x| <= bound < 2^20, |bias| < 2^20, |low|·2^r < 2^51.
  if (FOLDED.length < n) FOLDED = new Float64Array(n);
  let folded = mode === 0;
  for (let j = 0; j < n && folded; j++) {
    const r = 31 - plan.shift[j];
    if (!(w.bound[j] < 2 ** 20 && Math.abs(plan.bias[j]) < 2 ** 20 && Math.abs(plan.low[j]) * 2 ** r < 2 ** 51)) folded = false;
    FOLDED[j] = plan.bias[j] * plan.scale[j] + plan.addend[j] + plan.low[j];
  }
  const K = FOLDED;
  const { bias, scale, addend, offset, low, qmin, qmax } = plan;
  const range = qmax - qmin;
  for (let i = 0; i < m; i += 4) {
    const rows = m - i < 4 ? m - i : 4;
    const a0 = aStart + i * k;
    // Rows past the end (a partial last tile) read row 0 again; their sums are never stored.
    const a1 = rows > 1 ? a0 + k : a0;
    const a2 = rows > 2 ? a1 + k : a0;
    const a3 = rows > 3 ? a2 + k : a0;
    // Output offsets of the tile's rows (rows past the end repeat the last real one, unused).
    const ro0 = rowAt(i);
    const ro1 = rows > 1 ? rowAt(i + 1) : ro0;
    const ro2 = rows > 2 ? rowAt(i + 2) : ro0;
    const ro3 = rows > 3 ? rowAt(i + 3) : ro0;
    ROWS[0] = ro0;
    ROWS[1] = ro1;
    ROWS[2] = ro2;
    ROWS[3] = ro3;
    for (let j = 0; j < n; j += 4) {
      const w0 = (j >> 1) * k;
      const w1 = w0 + k;
      let s00 = 0, s01 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0, s30 = 0, s31 = 0;
      for (let t = 0; t < k; t++) {
        const b0 = pairs[w0 + t];
        const b1 = pairs[w1 + t];
        const x0 = a[a0 + t];
        const x1 = a[a1 + t];
        const x2 = a[a2 + t];
        const x3 = a[a3 + t];
        s00 += x0 * b0;
        s01 += x0 * b1;
        s10 += x1 * b0;
        s11 += x1 * b1;
        s20 += x2 * b0;
        s21 += x2 * b1;
        s30 += x3 * b0;
        s31 += x3 * b1;
      }
      // Split the pairs: channel j is the low lane of s*0, j+1 its high lane, j+2 / j+3 of s*1.
      // The high lane is the nearest integer to sum/2^26 (the low lane is below 2^25 in magnitude),
      // rounded by adding and subtracting 1.5·2^52 (exact for doubles below 2^51).
      const h00 = s00 * INV_S + ROUNDER - ROUNDER, h10 = s10 * INV_S + ROUNDER - ROUNDER;
      const h20 = s20 * INV_S + ROUNDER - ROUNDER, h30 = s30 * INV_S + ROUNDER - ROUNDER;
      const h01 = s01 * INV_S + ROUNDER - ROUNDER, h11 = s11 * INV_S + ROUNDER - ROUNDER;
      const h21 = s21 * INV_S + ROUNDER - ROUNDER, h31 = s31 * INV_S + ROUNDER - ROUNDER;
      const cols = n - j < 4 ? n - j : 4;
      if (folded && rows === 4 && cols === 4) {
        // The whole tile written out (V8 does not unroll loops): per channel its constants, then
        // four rows, each clamped to [qmin, qmax] with int32 bit operations (requantize-channels.ts).
        {
          const c = j + 0;
          const sc = scale[c], kc = K[c];
          const cc = c * colStride;
          let v = Math.floor((s00 - h00 * S) * sc + kc) | 0;
          v &= ~(v >> 31);
          v -= range;
          out[ro0 + cc] = (v & (v >> 31)) + qmax;
          v = Math.floor((s10 - h10 * S) * sc + kc) | 0;
          v &= ~(v >> 31);
          v -= range;
          out[ro1 + cc] = (v & (v >> 31)) + qmax;
          v = Math.floor((s20 - h20 * S) * sc + kc) | 0;
          v &= ~(v >> 31);
          v -= range;
          out[ro2 + cc] = (v & (v >> 31)) + qmax;
          v = Math.floor((s30 - h30 * S) * sc + kc) | 0;
          v &= ~(v >> 31);
          v -= range;
          out[ro3 + cc] = (v & (v >> 31)) + qmax;
        }
        {
          const c = j + 1;
          const sc = scale[c], kc = K[c];
          const cc = c * colStride;
          let v = Math.floor((h00) * sc + kc) | 0;
          v &= ~(v >> 31);
          v -= range;
          out[ro0 + cc] = (v & (v >> 31)) + qmax;
          v = Math.floor((h10) * sc + kc) | 0;
          v &= ~(v >> 31);
          v -= range;
          out[ro1 + cc] = (v & (v >> 31)) + qmax;
          v = Math.floor((h20) * sc + kc) | 0;
          v &= ~(v >> 31);
          v -= range;
          out[ro2 + cc] = (v & (v >> 31)) + qmax;
          v = Math.floor((h30) * sc + kc) | 0;
          v &= ~(v >> 31);
          v -= range;
          out[ro3 + cc] = (v & (v >> 31)) + qmax;
        }
        {
          const c = j + 2;
          const sc = scale[c], kc = K[c];
          const cc = c * colStride;
          let v = Math.floor((s01 - h01 * S) * sc + kc) | 0;
          v &= ~(v >> 31);
          v -= range;
          out[ro0 + cc] = (v & (v >> 31)) + qmax;
          v = Math.floor((s11 - h11 * S) * sc + kc) | 0;
          v &= ~(v >> 31);
          v -= range;
          out[ro1 + cc] = (v & (v >> 31)) + qmax;
          v = Math.floor((s21 - h21 * S) * sc + kc) | 0;
          v &= ~(v >> 31);
          v -= range;
          out[ro2 + cc] = (v & (v >> 31)) + qmax;
          v = Math.floor((s31 - h31 * S) * sc + kc) | 0;
          v &= ~(v >> 31);
          v -= range;
          out[ro3 + cc] = (v & (v >> 31)) + qmax;
        }
        {
          const c = j + 3;
          const sc = scale[c], kc = K[c];
          const cc = c * colStride;
          let v = Math.floor((h01) * sc + kc) | 0;
          v &= ~(v >> 31);
          v -= range;
          out[ro0 + cc] = (v & (v >> 31)) + qmax;
          v = Math.floor((h11) * sc + kc) | 0;
          v &= ~(v >> 31);
          v -= range;
          out[ro1 + cc] = (v & (v >> 31)) + qmax;
          v = Math.floor((h21) * sc + kc) | 0;
          v &= ~(v >> 31);
          v -= range;
          out[ro2 + cc] = (v & (v >> 31)) + qmax;
          v = Math.floor((h31) * sc + kc) | 0;
          v &= ~(v >> 31);
          v -= range;
          out[ro3 + cc] = (v & (v >> 31)) + qmax;
        }
        continue;
      }
      // Column q of the tile, row r at TILE[4q + r]: the split channels.
      TILE[0] = s00 - h00 * S; TILE[1] = s10 - h10 * S; TILE[2] = s20 - h20 * S; TILE[3] = s30 - h30 * S;
      TILE[4] = h00; TILE[5] = h10; TILE[6] = h20; TILE[7] = h30;
      TILE[8] = s01 - h01 * S; TILE[9] = s11 - h11 * S; TILE[10] = s21 - h21 * S; TILE[11] = s31 - h31 * S;
      TILE[12] = h01; TILE[13] = h11; TILE[14] = h21; TILE[15] = h31;
      if (mode === 2) {
        storeChecked(out, colStride, rows, cols, j, plan);
        continue;
      }
      for (let q = 0; q < cols; q++) {
        const c = j + q;
        const b = bias[c];
        const sc = scale[c];
        const ad = addend[c];
        const cc = c * colStride;
        if (mode === 0) {
          const lo = low[c];
          for (let r = 0; r < rows; r++) {
            const at = ROWS[r] + cc;
            // clamp to [qmin, qmax] with int32 bit operations (see requantize-channels.ts)
            let v = (Math.floor((TILE[4 * q + r] + b) * sc + ad) + lo) | 0;
            v &= ~(v >> 31);
            v -= range;
            out[at] = (v & (v >> 31)) + qmax;
          }
        } else {
          const off = offset[c];
          for (let r = 0; r < rows; r++) {
            const at = ROWS[r] + cc;
            const v = Math.floor((TILE[4 * q + r] + b) * sc + ad) + off;
            out[at] = v < qmin ? qmin : v > qmax ? qmax : v;
          }
        }
      }
    }
  }
}

const TILE = new Float64Array(16);
let FOLDED = new Float64Array(64);
const ROWS = new Float64Array(4);

/** Any output, each element checked against the fast path's bound (else exact BigInt). */
function storeChecked(out: Uint8Array | Int32Array, colStride: number, rows: number, cols: number, j: number, plan: RequantizeChannelsPlan): void {
  for (let q = 0; q < cols; q++) {
    const c = j + q;
    for (let r = 0; r < rows; r++) {
      const x = (TILE[4 * q + r] + plan.bias[c]) | 0;
      const lim = plan.limit[c];
      const v = (x < lim && x > -lim ? Math.floor(x * plan.scale[c] + plan.addend[c]) : rescaleWithFraction(x, plan.multiplier[c], plan.shift[c], plan.fraction[c])) + plan.offset[c];
      out[ROWS[r] + c * colStride] = v < plan.qmin ? plan.qmin : v > plan.qmax ? plan.qmax : v;
    }
  }
}
