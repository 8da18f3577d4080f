// UMMLA (FEAT_I8MM): SMMLA for uint8 operands and uint32 accumulators (layout as in smmla.ts:
// Vn 2x8 row-major, Vm 8x2 stored as two columns, Vd 2x2 row-major), wrapping mod 2^32.
import { expectLanes } from './registers';

/** UMMLA Vd.4S, Vn.16B, Vm.16B: d[2r+c] += Σ_{k<8} n[8r+k]·m[8c+k], unsigned, wrapping. */
export function ummla(d: Uint32Array, n: Uint8Array, m: Uint8Array): Uint32Array {
  expectLanes('ummla', 'd', d, 4);
  expectLanes('ummla', 'n', n, 16);
  expectLanes('ummla', 'm', m, 16);
  for (let r = 0; r < 2; r++) {
    for (let c = 0; c < 2; c++) {
      let s = 0;
      for (let k = 0; k < 8; k++) s += n[8 * r + k] * m[8 * c + k];
      d[2 * r + c] = (d[2 * r + c] + s) >>> 0;
    }
  }
  return d;
}
