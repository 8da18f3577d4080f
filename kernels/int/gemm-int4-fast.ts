// The fast int4 x int8 GEMM: bit-for-bit what gemmInt4SdotMirror returns. Nibbles are decoded
// once, when the weights are prepacked, into the channel-pair doubles of gemm-int8-fast.ts, so
// the hot loop is the int8 one. The mirror's result is (16·Σ mod 2^32) >> 4 (SDOT on w·16, then
// SSHR #4); with Σ already reduced mod 2^32 by the int8 kernel that is sign-extending its low 28
// bits, (x << 4) >> 4, which is Σ itself whenever |Σ| < 2^27.
import { gemmInt8Fast, prepackInt8Fast, type Int8FastPanels } from './gemm-int8-fast';
import { checkDims, checkIntRange, checkLength } from './validate';

export interface Int4FastPanels {
  kind: 'int4-fast';
  n: number;
  k: number;
  int8: Int8FastPanels;
}

/** Prepack W (N×K int4 values in [-8, 7], row-major, e.g. from unpackInt4) for gemmInt4Fast. */
export function prepackInt4Fast(w: Int8Array, n: number, k: number): Int4FastPanels {
  checkDims('prepackInt4Fast', { n, k });
  checkLength('prepackInt4Fast', 'w', w, n * k, `${n}x${k}`);
  checkIntRange('prepackInt4Fast', 'w', w, n * k, -8, 7);
  return { kind: 'int4-fast', n, k, int8: prepackInt8Fast(w, n, k) };
}

/** out[M×N] = A[M×K] · Wᵀ for int4 W; equals gemmInt4SdotMirror bit for bit. */
export function gemmInt4Fast(m: number, n: number, k: number, a: Int8Array, w: Int4FastPanels, out?: Int32Array): Int32Array {
  checkDims('gemmInt4Fast', { m, n, k });
  if (w.n !== n || w.k !== k) throw new Error(`gemmInt4Fast: panels are for ${w.n}x${w.k} weights, called with n=${n}, k=${k}`);
  checkLength('gemmInt4Fast', 'a', a, m * k, `${m}x${k}`);
  const c = gemmInt8Fast(m, n, k, a, w.int8, out);
  for (let i = 0; i < m * n; i++) c[i] = (c[i] << 4) >> 4;
  return c;
}
