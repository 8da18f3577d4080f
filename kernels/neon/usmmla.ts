// USMMLA (FEAT_I8MM): SMMLA with Vn unsigned (uint8 activations) and Vm signed (int8 weights);
// layout as in smmla.ts, int32 accumulators wrapping mod 2^32.
import { expectLanes } from './registers';

/** USMMLA Vd.4S, Vn.16B, Vm.16B: d[2r+c] += Σ_{k<8} n[8r+k]·m[8c+k], n unsigned, m signed. */
export function usmmla(d: Int32Array, n: Uint8Array, m: Int8Array): Int32Array {
  expectLanes('usmmla', 'd', d, 4);
  expectLanes('usmmla', 'n', n, 16);
  expectLanes('usmmla', 'm', m, 16);
  for (let r = 0; r < 2; r++) {
    for (let c = 0; c < 2; c++) {
      let s = 0;
      for (let k = 0; k < 8; k++) s += n[8 * r + k] * m[8 * c + k];
      d[2 * r + c] = (d[2 * r + c] + s) | 0;
    }
  }
  return d;
}
