// SMMLA (FEAT_I8MM): an int8 matrix multiply-accumulate, the i8mm GEMM workhorse. Vn is a 2x8
// matrix stored row by row (bytes 0..7 are row 0), Vm is an 8x2 matrix stored column by column
// (bytes 0..7 are column 0), Vd is the 2x2 int32 result row-major: [r0c0, r0c1, r1c0, r1c1].
// Eight products per element, wrapping mod 2^32 (worst step 8·(-128)² = +131072).
// Because Vm's "columns" are 8 consecutive bytes, a weight matrix stored one output channel per
// row feeds SMMLA without transposing; the price is that results come out as 2x2 blocks, which
// kernels untangle with UZP1/UZP2 on 64-bit halves.
import { expectLanes } from './registers';

/** SMMLA Vd.4S, Vn.16B, Vm.16B: d[2r+c] += Σ_{k<8} n[8r+k]·m[8c+k], signed, wrapping. */
export function smmla(d: Int32Array, n: Int8Array, m: Int8Array): Int32Array {
  expectLanes('smmla', 'd', d, 4);
  expectLanes('smmla', 'n', n, 16);
  expectLanes('smmla', 'm', m, 16);
  for (let r = 0; r < 2; r++) {
    for (let c = 0; c < 2; c++) {
      let s = 0;
      for (let k = 0; k < 8; k++) s += n[8 * r + k] * m[8 * c + k];
      d[2 * r + c] = (d[2 * r + c] + s) | 0;
    }
  }
  return d;
}
