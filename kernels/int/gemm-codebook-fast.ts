// The fast codebook GEMM: bit-for-bit what gemmCodebookTblMirror returns. The TBL decode happens
// once, at prepack time (codes -> int8 levels), into the channel-pair doubles of
// gemm-int8-fast.ts; SDOT on decoded levels is an exact sum reduced mod 2^32, which is exactly
// what the int8 fast kernel computes.
import { gemmInt8Fast, prepackInt8Fast, type Int8FastPanels } from './gemm-int8-fast';
import { checkDims, checkIntRange, checkLength } from './validate';

export interface CodebookFastPanels {
  kind: 'codebook-fast';
  n: number;
  k: number;
  int8: Int8FastPanels;
}

/** Decode N×K codes through `levels` (2^bits int8 values) and prepack them for the fast kernel. */
export function prepackCodebookFast(codes: Uint8Array, n: number, k: number, bits: number, levels: ArrayLike<number>): CodebookFastPanels {
  checkDims('prepackCodebookFast', { n, k });
  if (!Number.isInteger(bits) || bits < 1 || bits > 8) {
    throw new Error(`prepackCodebookFast: bits must be an integer in [1, 8], got ${bits}`);
  }
  if (levels.length !== 2 ** bits) {
    throw new Error(`prepackCodebookFast: levels has ${levels.length} entries, need 2^${bits} = ${2 ** bits}`);
  }
  checkIntRange('prepackCodebookFast', 'levels', levels, levels.length, -128, 127);
  checkLength('prepackCodebookFast', 'codes', codes, n * k, `${n}x${k}`);
  checkIntRange('prepackCodebookFast', 'codes', codes, n * k, 0, 2 ** bits - 1);
  const decoded = new Int8Array(n * k);
  for (let i = 0; i < n * k; i++) decoded[i] = levels[codes[i]];
  return { kind: 'codebook-fast', n, k, int8: prepackInt8Fast(decoded, n, k) };
}

/** out[M×N] = A[M×K] · Wᵀ with W[j][t] = levels[codes[j][t]]; equals gemmCodebookTblMirror. */
export function gemmCodebookFast(m: number, n: number, k: number, a: Int8Array, w: CodebookFastPanels, out?: Int32Array): Int32Array {
  checkDims('gemmCodebookFast', { m, n, k });
  if (w.n !== n || w.k !== k) throw new Error(`gemmCodebookFast: panels are for ${w.n}x${w.k} weights, called with n=${n}, k=${k}`);
  checkLength('gemmCodebookFast', 'a', a, m * k, `${m}x${k}`);
  return gemmInt8Fast(m, n, k, a, w.int8, out);
}
