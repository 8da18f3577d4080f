// gemmInt8Requantize (gemm-int8-requantize.ts) with three output channels per float64 instead of
// two, for layers whose sums are small: bit for bit the same outputs.
//
// Why: in JS the GEMM's inner loop costs about the same per multiply-add whatever the lanes, so
// more exact lanes per double means fewer iterations. Weights w0 + 2^17·w1 + 2^34·w2 stay exact
// integers, and so does every partial sum Σ_t a_t·(w0 + 2^17·w1 + 2^34·w2) as long as each lane's
// sum is at most 2^16 - 1 in magnitude: the total is then below 2^51. That holds when
// 255·Σ_t |w[j][t]| <= 65535 for every channel, which few-bit weights (4-bit: |w| <= 8) give for
// the depths of small networks (K = 8..96). Splitting rounds s/2^34 to the nearest integer (the
// two low lanes together are below 2^33 in magnitude), then the remainder over 2^17.
//
// The tile is 4 rows x 2 triples (6 channels, 24 outputs per 8 accumulators, against 16 with
// channel pairs); rows of A are read in place. The output stage is requantize-channels.ts'
// fast path with bias and low folded into one constant per channel (the conditions of
// gemm-int8-requantize.ts), else the plain fast path, else the checked one.
import { rescaleWithFraction } from './requantize-channels-reference';
import type { RequantizeChannelsPlan } from './requantize-channels';
import type { OutputStrides } from './gemm-int8-requantize';
import { checkDims, checkIntRange, checkLength } from './validate';

export interface Int8TriplePanels {
  kind: 'int8-requantize-triples';
  n: number;
  k: number;
  /** Channel triples (n rounded up to a multiple of 6, over 3) × k doubles w0 + 2^17·w1 + 2^34·w2. */
  triples: Float64Array;
  /** 255·Σ_t |w[j][t]|: a bound on |Σ_t a_t·w[j][t]| for uint8 a. */
  bound: Float64Array;
}

const S = 131072; // 2^17
const S2 = S * S; // 2^34
const INV_S = 1 / S;
const INV_S2 = 1 / S2;
const ROUNDER = 6755399441055744; // 1.5·2^52: x + ROUNDER - ROUNDER rounds x (|x| < 2^51) to an integer
/** Largest per-channel bound 255·Σ|w| whose lanes stay exact. */
export const TRIPLE_MAX_BOUND = 65535;

/** Whether every channel of W (N×K int8 values) fits three lanes per double. */
export function fitsTriples(w: ArrayLike<number>, n: number, k: number): boolean {
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let t = 0; t < k; t++) s += Math.abs(w[j * k + t]);
    if (255 * s > TRIPLE_MAX_BOUND) return false;
  }
  return true;
}

/** Prepack W (N×K int8 values, row-major) into channel triples; throws unless fitsTriples. */
export function prepackInt8RequantizeTriples(w: ArrayLike<number>, n: number, k: number): Int8TriplePanels {
  checkDims('prepackInt8RequantizeTriples', { n, k });
  checkLength('prepackInt8RequantizeTriples', 'w', w, n * k, `${n}x${k}`);
  checkIntRange('prepackInt8RequantizeTriples', 'w', w, n * k, -128, 127);
  const bound = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let t = 0; t < k; t++) s += Math.abs(w[j * k + t]);
    bound[j] = 255 * s;
    if (bound[j] > TRIPLE_MAX_BOUND) {
      throw new Error(`prepackInt8RequantizeTriples: channel ${j} has 255·Σ|w| = ${bound[j]} above ${TRIPLE_MAX_BOUND}; its lanes would not be exact`);
    }
  }
  const tripleCount = Math.ceil(n / 6) * 2;
  const triples = new Float64Array(tripleCount * k);
  const at = (j: number, t: number): number => (j < n ? w[j * k + t] : 0);
  for (let p = 0; p < tripleCount; p++) {
    for (let t = 0; t < k; t++) triples[p * k + t] = at(3 * p, t) + S * at(3 * p + 1, t) + S2 * at(3 * p + 2, t);
  }
  return { kind: 'int8-requantize-triples', n, k, triples, bound };
}

let FOLDED = new Float64Array(64);
/** Tile values, channel q of the tile and row r at TILE[4q + r]. */
const TILE = new Float64Array(24);
const ROWS = new Float64Array(4);

/** Same contract as gemmInt8Requantize, on triple panels. */
export function gemmInt8RequantizeTriples(
  m: number, a: Uint8Array, w: Int8TriplePanels, plan: RequantizeChannelsPlan, out: Uint8Array | Int32Array, aStart = 0,
  strides: OutputStrides = { start: 0, row: w.n, column: 1 },
): void {
  const { n, k, triples } = w;
  const { start: outStart, row: rowStride, column: colStride } = strides;
  const wrap = strides.wrap ?? 0;
  const gap = strides.gap ?? 0;
  checkDims('gemmInt8RequantizeTriples', { m, aStart, outStart, rowStride, colStride, wrap, gap });
  const rowAt = (i: number): number => outStart + i * rowStride + (wrap > 0 ? Math.floor(i / wrap) * gap : 0);
  if (plan.channels !== n) throw new Error(`gemmInt8RequantizeTriples: the output stage has ${plan.channels} channels, the weights ${n}`);
  checkLength('gemmInt8RequantizeTriples', 'a', a, aStart + m * k, `${m}x${k} from ${aStart}`);
  if (m > 0 && n > 0) {
    const last = rowAt(m - 1) + (n - 1) * colStride;
    checkLength('gemmInt8RequantizeTriples', 'out', out, last + 1, `${m}x${n} at ${outStart} with strides ${rowStride}, ${colStride}`);
  }
  if (out instanceof Uint8Array && (plan.qmin < 0 || plan.qmax > 255)) {
    throw new Error(`gemmInt8RequantizeTriples: range [${plan.qmin}, ${plan.qmax}] does not fit a Uint8Array output`);
  }
  let checked = false;
  for (let j = 0; j < n; j++) if (!(w.bound[j] + Math.abs(plan.bias[j]) < plan.limit[j])) checked = true;
  // Folding bias and low into K = bias·scale + addend + low is exact under the conditions of
  // gemm-int8-requantize.ts (|x| <= bound < 2^20 always holds here).
  if (FOLDED.length < n) FOLDED = new Float64Array(n);
  let fold = !checked && plan.narrow;
  for (let j = 0; j < n && fold; j++) {
    const r = 31 - plan.shift[j];
    if (!(Math.abs(plan.bias[j]) < 2 ** 20 && Math.abs(plan.low[j]) * 2 ** r < 2 ** 51)) fold = false;
    FOLDED[j] = plan.bias[j] * plan.scale[j] + plan.addend[j] + plan.low[j];
  }
  const K = FOLDED;
  const { scale, qmin, qmax } = plan;
  const range = qmax - qmin;
  for (let i = 0; i < m; i += 4) {
    const rows = m - i < 4 ? m - i : 4;
    const a0 = aStart + i * k;
    // Rows past the end (a partial last tile) read row 0 again; their sums are never stored.
    const a1 = rows > 1 ? a0 + k : a0;
    const a2 = rows > 2 ? a1 + k : a0;
    const a3 = rows > 3 ? a2 + k : a0;
    const ro0 = rowAt(i);
    const ro1 = rows > 1 ? rowAt(i + 1) : ro0;
    const ro2 = rows > 2 ? rowAt(i + 2) : ro0;
    const ro3 = rows > 3 ? rowAt(i + 3) : ro0;
    for (let j = 0; j < n; j += 6) {
      const w0 = ((j / 3) | 0) * k; // an int32 index (j / 3 alone would be a double)
      const w1 = w0 + k;
      let s00 = 0, s01 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0, s30 = 0, s31 = 0;
      for (let t = 0; t < k; t++) {
        const b0 = triples[w0 + t];
        const b1 = triples[w1 + t];
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
      // Lanes: s = l0 + 2^17·l1 + 2^34·l2; hXY2 = l2, then the remainder's high lane l1.
      const h002 = s00 * INV_S2 + ROUNDER - ROUNDER, h102 = s10 * INV_S2 + ROUNDER - ROUNDER;
      const h202 = s20 * INV_S2 + ROUNDER - ROUNDER, h302 = s30 * INV_S2 + ROUNDER - ROUNDER;
      const h012 = s01 * INV_S2 + ROUNDER - ROUNDER, h112 = s11 * INV_S2 + ROUNDER - ROUNDER;
      const h212 = s21 * INV_S2 + ROUNDER - ROUNDER, h312 = s31 * INV_S2 + ROUNDER - ROUNDER;
      const r00 = s00 - h002 * S2, r10 = s10 - h102 * S2, r20 = s20 - h202 * S2, r30 = s30 - h302 * S2;
      const r01 = s01 - h012 * S2, r11 = s11 - h112 * S2, r21 = s21 - h212 * S2, r31 = s31 - h312 * S2;
      const h001 = r00 * INV_S + ROUNDER - ROUNDER, h101 = r10 * INV_S + ROUNDER - ROUNDER;
      const h201 = r20 * INV_S + ROUNDER - ROUNDER, h301 = r30 * INV_S + ROUNDER - ROUNDER;
      const h011 = r01 * INV_S + ROUNDER - ROUNDER, h111 = r11 * INV_S + ROUNDER - ROUNDER;
      const h211 = r21 * INV_S + ROUNDER - ROUNDER, h311 = r31 * INV_S + ROUNDER - ROUNDER;
      const cols = n - j < 6 ? n - j : 6;
      if (fold && rows === 4 && cols === 6) {
        // The whole tile written out (V8 neither unrolls loops nor inlines this many helper
        // calls): per channel its constants, then four rows clamped with int32 bit operations.
        {
          const c = j + 0;
          const sc = scale[c], kc = K[c];
          const cc = c * colStride;
          let v = Math.floor((r00 - h001 * S) * sc + kc) | 0;
          v &= ~(v >> 31);
          v -= range;
          out[ro0 + cc] = (v & (v >> 31)) + qmax;
          v = Math.floor((r10 - h101 * S) * sc + kc) | 0;
          v &= ~(v >> 31);
          v -= range;
          out[ro1 + cc] = (v & (v >> 31)) + qmax;
          v = Math.floor((r20 - h201 * S) * sc + kc) | 0;
          v &= ~(v >> 31);
          v -= range;
          out[ro2 + cc] = (v & (v >> 31)) + qmax;
          v = Math.floor((r30 - h301 * S) * sc + kc) | 0;
          v &= ~(v >> 31);
          v -= range;
          out[ro3 + cc] = (v & (v >> 31)) + qmax;
        }
        {
          const c = j + 1;
          const sc = scale[c], kc = K[c];
          const cc = c * colStride;
          let v = Math.floor((h001) * sc + kc) | 0;
          v &= ~(v >> 31);
          v -= range;
          out[ro0 + cc] = (v & (v >> 31)) + qmax;
          v = Math.floor((h101) * sc + kc) | 0;
          v &= ~(v >> 31);
          v -= range;
          out[ro1 + cc] = (v & (v >> 31)) + qmax;
          v = Math.floor((h201) * sc + kc) | 0;
          v &= ~(v >> 31);
          v -= range;
          out[ro2 + cc] = (v & (v >> 31)) + qmax;
          v = Math.floor((h301) * sc + kc) | 0;
          v &= ~(v >> 31);
          v -= range;
          out[ro3 + cc] = (v & (v >> 31)) + qmax;
        }
        {
          const c = j + 2;
          const sc = scale[c], kc = K[c];
          const cc = c * colStride;
          let v = Math.floor((h002) * sc + kc) | 0;
          v &= ~(v >> 31);
          v -= range;
          out[ro0 + cc] = (v & (v >> 31)) + qmax;
          v = Math.floor((h102) * sc + kc) | 0;
          v &= ~(v >> 31);
          v -= range;
          out[ro1 + cc] = (v & (v >> 31)) + qmax;
          v = Math.floor((h202) * sc + kc) | 0;
          v &= ~(v >> 31);
          v -= range;
          out[ro2 + cc] = (v & (v >> 31)) + qmax;
          v = Math.floor((h302) * sc + kc) | 0;
          v &= ~(v >> 31);
          v -= range;
          out[ro3 + cc] = (v & (v >> 31)) + qmax;
        }
        {
          const c = j + 3;
          const sc = scale[c], kc = K[c];
          const cc = c * colStride;
          let v = Math.floor((r01 - h011 * S) * sc + kc) | 0;
          v &= ~(v >> 31);
          v -= range;
          out[ro0 + cc] = (v & (v >> 31)) + qmax;
          v = Math.floor((r11 - h111 * S) * sc + kc) | 0;
          v &= ~(v >> 31);
          v -= range;
          out[ro1 + cc] = (v & (v >> 31)) + qmax;
          v = Math.floor((r21 - h211 * S) * sc + kc) | 0;
          v &= ~(v >> 31);
          v -= range;
          out[ro2 + cc] = (v & (v >> 31)) + qmax;
          v = Math.floor((r31 - h311 * S) * sc + kc) | 0;
          v &= ~(v >> 31);
          v -= range;
          out[ro3 + cc] = (v & (v >> 31)) + qmax;
        }
        {
          const c = j + 4;
          const sc = scale[c], kc = K[c];
          const cc = c * colStride;
          let v = Math.floor((h011) * sc + kc) | 0;
          v &= ~(v >> 31);
          v -= range;
          out[ro0 + cc] = (v & (v >> 31)) + qmax;
          v = Math.floor((h111) * sc + kc) | 0;
          v &= ~(v >> 31);
          v -= range;
          out[ro1 + cc] = (v & (v >> 31)) + qmax;
          v = Math.floor((h211) * sc + kc) | 0;
          v &= ~(v >> 31);
          v -= range;
          out[ro2 + cc] = (v & (v >> 31)) + qmax;
          v = Math.floor((h311) * sc + kc) | 0;
          v &= ~(v >> 31);
          v -= range;
          out[ro3 + cc] = (v & (v >> 31)) + qmax;
        }
        {
          const c = j + 5;
          const sc = scale[c], kc = K[c];
          const cc = c * colStride;
          let v = Math.floor((h012) * sc + kc) | 0;
          v &= ~(v >> 31);
          v -= range;
          out[ro0 + cc] = (v & (v >> 31)) + qmax;
          v = Math.floor((h112) * sc + kc) | 0;
          v &= ~(v >> 31);
          v -= range;
          out[ro1 + cc] = (v & (v >> 31)) + qmax;
          v = Math.floor((h212) * sc + kc) | 0;
          v &= ~(v >> 31);
          v -= range;
          out[ro2 + cc] = (v & (v >> 31)) + qmax;
          v = Math.floor((h312) * sc + kc) | 0;
          v &= ~(v >> 31);
          v -= range;
          out[ro3 + cc] = (v & (v >> 31)) + qmax;
        }
        continue;
      }
      TILE[0] = r00 - h001 * S; TILE[1] = r10 - h101 * S; TILE[2] = r20 - h201 * S; TILE[3] = r30 - h301 * S;
      TILE[4] = h001; TILE[5] = h101; TILE[6] = h201; TILE[7] = h301;
      TILE[8] = h002; TILE[9] = h102; TILE[10] = h202; TILE[11] = h302;
      TILE[12] = r01 - h011 * S; TILE[13] = r11 - h111 * S; TILE[14] = r21 - h211 * S; TILE[15] = r31 - h311 * S;
      TILE[16] = h011; TILE[17] = h111; TILE[18] = h211; TILE[19] = h311;
      TILE[20] = h012; TILE[21] = h112; TILE[22] = h212; TILE[23] = h312;
      ROWS[0] = ro0; ROWS[1] = ro1; ROWS[2] = ro2; ROWS[3] = ro3;
      storeTile(out, colStride, rows, cols, j, plan, checked);
    }
  }
}

/** A partial tile, or any tile of an unfolded or checked output stage (requantize-channels.ts). */
function storeTile(out: Uint8Array | Int32Array, colStride: number, rows: number, cols: number, j: number, plan: RequantizeChannelsPlan, checked: boolean): void {
  const { qmin, qmax } = plan;
  for (let q = 0; q < cols; q++) {
    const c = j + q;
    for (let r = 0; r < rows; r++) {
      const x = (TILE[4 * q + r] + plan.bias[c]) | 0;
      const lim = plan.limit[c];
      const v = (!checked || (x < lim && x > -lim) ? Math.floor(x * plan.scale[c] + plan.addend[c]) : rescaleWithFraction(x, plan.multiplier[c], plan.shift[c], plan.fraction[c])) + plan.offset[c];
      out[ROWS[r] + c * colStride] = v < qmin ? qmin : v > qmax ? qmax : v;
    }
  }
}
