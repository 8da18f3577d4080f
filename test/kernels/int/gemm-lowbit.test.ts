// Low-bit GEMMs (int4 SDOT, codebook TBL for 1..8 bits, int2 TBL, T-MAC lookup tables for 1..4
// bits): every mirror and every fast path against the exact-integer reference on M, N in 1..17
// and depths that are not multiples of the kernels' blocks, plus the int32 wrap at deep K.
import t from 'tap';
import { Rng } from '../../../src/tensor/rng';
import { gemmIntReference } from '../../../kernels/int/gemm-int-reference';
import { gemmInt4SdotMirror, packInt4SdotPanels } from '../../../kernels/int/gemm-int4-sdot-mirror';
import { gemmInt4Fast, prepackInt4Fast } from '../../../kernels/int/gemm-int4-fast';
import { gemmCodebookTblMirror, packCodebookPanels, indexSlices } from '../../../kernels/int/gemm-codebook-tbl-mirror';
import { gemmCodebookFast, prepackCodebookFast } from '../../../kernels/int/gemm-codebook-fast';
import { gemmInt2TblMirror, gemmInt2Fast, packInt2TblPanels, prepackInt2Fast } from '../../../kernels/int/gemm-int2-tbl';
import { gemmLutMirror, packLutPanels } from '../../../kernels/int/gemm-lut-mirror';
import { gemmLutFast, prepackLutFast } from '../../../kernels/int/gemm-lut-fast';
import { packInt4, unpackInt4 } from '../../../kernels/int/pack-int4';
import { packInt2, unpackInt2 } from '../../../kernels/int/pack-int2';
import { ShapeChecks, randomInt8 } from './gemm-helper';

function randomCodes(rng: Rng, count: number, bits: number): Uint8Array {
  const top = 2 ** bits - 1;
  return Uint8Array.from({ length: count }, () => (rng.int(0, 6) === 0 ? top : rng.int(0, top + 1)));
}

/** The int4 result as the hardware forms it: (16·Σ mod 2^32) >> 4 (see gemm-int4-sdot-mirror.ts). */
function int4Reference(m: number, n: number, k: number, a: Int8Array, w: Int8Array): Int32Array {
  const w16 = Int32Array.from(w, (v) => 16 * v);
  return gemmIntReference(m, n, k, a, w16).map((v) => v >> 4);
}

t.test('int4: mirror (pairing distance 4, 8, 16) and fast path on all M, N in 1..17', async (t) => {
  const rng = new Rng(41);
  const checks = new ShapeChecks();
  for (const k of [1, 5, 8, 17, 33, 40]) {
    for (let m = 1; m <= 17; m++) {
      for (let n = 1; n <= 17; n++) {
        const a = randomInt8(rng, m * k);
        // Weights go through the storage format and back, as the runtime does.
        const w = unpackInt4(packInt4(randomInt8(rng, n * k, -8, 7), n, k, 16));
        const ref = gemmIntReference(m, n, k, a, w);
        const d = [4, 8, 16][(m + n) % 3];
        checks.check(`mirror d=${d} ${m}x${n}x${k}`, gemmInt4SdotMirror(m, n, k, a, packInt4SdotPanels(w, n, k, d)), ref);
        checks.check(`fast ${m}x${n}x${k}`, gemmInt4Fast(m, n, k, a, prepackInt4Fast(w, n, k)), ref);
      }
    }
  }
  t.same(checks.failures, [], `${checks.count} int4 GEMMs agree`);
});

t.test('int4 deep K: exact through K = 131071 at (-128)·(-8), then the ·16 decode wraps like SDOT', async (t) => {
  for (const k of [131071, 131072]) {
    const a = new Int8Array(k).fill(-128);
    const w = new Int8Array(2 * k).fill(-8);
    const want = int4Reference(1, 2, k, a, w);
    if (k === 131071) t.same([...want], [...gemmIntReference(1, 2, k, a, w)], 'still the exact dot product');
    else t.not(want[0], 1024 * k, 'wrapped');
    t.same([...gemmInt4SdotMirror(1, 2, k, a, packInt4SdotPanels(w, 2, k, 16))], [...want], `mirror at K=${k}`);
    t.same([...gemmInt4Fast(1, 2, k, a, prepackInt4Fast(w, 2, k))], [...want], `fast at K=${k}`);
  }
});

t.test('codebook: b = 1..8 with non-uniform levels, mirror and fast path', async (t) => {
  const rng = new Rng(42);
  const checks = new ShapeChecks();
  t.same(indexSlices(7), [{ width: 4, position: 0 }, { width: 2, position: 4 }, { width: 1, position: 6 }]);
  t.same(indexSlices(8), [{ width: 8, position: 0 }]);
  for (let bits = 1; bits <= 8; bits++) {
    // Sorted distinct-ish random levels, including the extremes.
    const levels = Int8Array.from({ length: 2 ** bits }, () => rng.int(-128, 128)).sort();
    levels[0] = -128;
    levels[levels.length - 1] = 127;
    for (const [m, n, k] of [[1, 1, 1], [3, 17, 5], [17, 5, 33], [5, 16, 31], [4, 9, 64], [7, 17, 70], [17, 17, 17]]) {
      const codes = randomCodes(rng, n * k, bits);
      const a = randomInt8(rng, m * k);
      const w = Int8Array.from(codes, (c) => levels[c]);
      const ref = gemmIntReference(m, n, k, a, w);
      checks.check(`mirror b=${bits} ${m}x${n}x${k}`, gemmCodebookTblMirror(m, n, k, a, packCodebookPanels(codes, n, k, bits, levels)), ref);
      checks.check(`fast b=${bits} ${m}x${n}x${k}`, gemmCodebookFast(m, n, k, a, prepackCodebookFast(codes, n, k, bits, levels)), ref);
    }
  }
  // All M, N in 1..17 for a width of two slices (4 + 2) with a full 4-register TBL table; the
  // shapes above cover b = 7 and 8 (TBL followed by TBX).
  for (const [bits, k] of [[6, 9]]) {
    const levels = Int8Array.from({ length: 2 ** bits }, () => rng.int(-128, 128));
    for (let m = 1; m <= 17; m++) {
      for (let n = 1; n <= 17; n++) {
        const codes = randomCodes(rng, n * k, bits);
        const a = randomInt8(rng, m * k);
        const ref = gemmIntReference(m, n, k, a, Int8Array.from(codes, (c) => levels[c]));
        checks.check(`mirror b=${bits} ${m}x${n}x${k}`, gemmCodebookTblMirror(m, n, k, a, packCodebookPanels(codes, n, k, bits, levels)), ref);
        checks.check(`fast b=${bits} ${m}x${n}x${k}`, gemmCodebookFast(m, n, k, a, prepackCodebookFast(codes, n, k, bits, levels)), ref);
      }
    }
  }
  t.same(checks.failures, [], `${checks.count} codebook GEMMs agree`);
  t.throws(() => packCodebookPanels(new Uint8Array(4), 2, 2, 3, [1, 2, 3]), /packCodebookPanels: levels has 3 entries, need 2\^3 = 8/);
  t.throws(() => packCodebookPanels(new Uint8Array([0, 9]), 1, 2, 3, new Int8Array(8)), /codes\[1\] = 9 is not an integer in \[0, 7\]/);
});

t.test('int2 through TBL: mirror and fast path on all M, N in 1..17', async (t) => {
  const rng = new Rng(43);
  const checks = new ShapeChecks();
  for (const k of [1, 7, 32, 33]) {
    for (let m = 1; m <= 17; m += 2) {
      for (let n = 1; n <= 17; n++) {
        const a = randomInt8(rng, m * k);
        const w = unpackInt2(packInt2(randomInt8(rng, n * k, -2, 1), n, k, 16));
        const ref = gemmIntReference(m, n, k, a, w);
        checks.check(`mirror ${m}x${n}x${k}`, gemmInt2TblMirror(m, n, k, a, packInt2TblPanels(w, n, k)), ref);
        checks.check(`fast ${m}x${n}x${k}`, gemmInt2Fast(m, n, k, a, prepackInt2Fast(w, n, k)), ref);
      }
    }
  }
  t.same(checks.failures, [], `${checks.count} int2 GEMMs agree`);
});

t.test('LUT (1..4 bits, exact int16 tables): mirror and fast path, zero points, int16 limits', async (t) => {
  const rng = new Rng(44);
  const checks = new ShapeChecks();
  for (let bits = 1; bits <= 4; bits++) {
    for (const k of [1, 4, 9, 17, 40]) {
      // Every M, N in 1..17 for 2-bit at K = 17, a spread elsewhere. The mirror works one
      // activation row at a time (rows never interact), so it skips most M of the full grid.
      const full = bits === 2 && k === 17;
      for (let m = 1; m <= 17; m += full ? 1 : 4) {
        for (let n = 1; n <= 17; n += full ? 1 : 2) {
          const z = bits === 1 ? rng.int(0, 2) : 2 ** (bits - 1);
          const codes = randomCodes(rng, n * k, bits);
          const a = randomInt8(rng, m * k);
          const ref = gemmIntReference(m, n, k, a, Int8Array.from(codes, (c) => c - z));
          if (!full || [1, 2, 5, 16, 17].includes(m)) {
            checks.check(`mirror b=${bits} ${m}x${n}x${k}`, gemmLutMirror(m, n, k, a, packLutPanels(codes, n, k, bits, z)), ref);
          }
          checks.check(`fast b=${bits} ${m}x${n}x${k}`, gemmLutFast(m, n, k, a, prepackLutFast(codes, n, k, bits, z)), ref);
        }
      }
    }
  }
  // The fast path's 12-row tiles (full, partial, partial triples) and depth blocks (K past 8·21
  // groups for 2 bits, 8·32 for 1 bit, 8·4 for 4 bits, 8·9 for 3 bits).
  for (const [m, n, k, bits] of [[25, 3, 300, 2], [14, 5, 257, 1], [12, 2, 100, 4], [22, 4, 77, 3], [24, 1, 170, 2]]) {
    const codes = randomCodes(rng, n * k, bits);
    const a = randomInt8(rng, m * k);
    const ref = gemmIntReference(m, n, k, a, Int8Array.from(codes, (c) => c - 2 ** (bits - 1)));
    checks.check(`fast b=${bits} ${m}x${n}x${k}`, gemmLutFast(m, n, k, a, prepackLutFast(codes, n, k, bits)), ref);
  }
  t.same(checks.failures, [], `${checks.count} LUT GEMMs agree`);
  // All -128 activations and all-ones codes: every table lookup is -512, and 64 groups of int16
  // partial sums reach exactly -32768 before the drain into int32.
  for (const bits of [1, 4]) {
    const k = 64 * 4 * 3;
    const a = new Int8Array(k).fill(-128);
    const codes = new Uint8Array(k).fill(2 ** bits - 1);
    const ref = gemmIntReference(1, 1, k, a, Int8Array.from(codes, (c) => c - 2 ** (bits - 1)));
    t.same([...gemmLutMirror(1, 1, k, a, packLutPanels(codes, 1, k, bits))], [...ref], `mirror, ${bits}-bit extremes`);
    t.same([...gemmLutFast(1, 1, k, a, prepackLutFast(codes, 1, k, bits))], [...ref], `fast, ${bits}-bit extremes`);
  }
  t.throws(() => packLutPanels(new Uint8Array(2), 1, 2, 5), /packLutPanels: bits must be an integer in \[1, 4\], got 5/);
  t.throws(() => prepackLutFast(new Uint8Array([4]), 1, 1, 2), /prepackLutFast: codes\[0\] = 4 is not an integer in \[0, 3\]/);
});

t.test('LUT deep K: sums past int32 wrap identically in the mirror, the fast path and the reference', async (t) => {
  // Code 15 with zero point -255 is the weight 270; 270·127 per element passes 2^31 at K ≈ 62.6k.
  const k = 64000;
  const a = new Int8Array(k).fill(127);
  const codes = new Uint8Array(k).fill(15);
  const sum = BigInt(270 * 127) * BigInt(k);
  const want = Number(BigInt.asIntN(32, sum));
  t.not(want, 270 * 127 * k, 'the sum wraps');
  t.same([...gemmLutFast(1, 1, k, a, prepackLutFast(codes, 1, k, 4, -255))], [want], 'fast path');
  t.same([...gemmLutMirror(1, 1, k, a, packLutPanels(codes, 1, k, 4, -255))], [want], 'mirror');
});

t.test('degenerate shapes: M, N or K = 0 give the empty or all-zero product everywhere', async (t) => {
  const bad: string[] = [];
  for (const [m, n, k] of [[0, 3, 5], [3, 0, 5], [3, 4, 0], [0, 0, 0], [1, 1, 0]]) {
    const a = new Int8Array(m * k).fill(3);
    const w = new Int8Array(n * k).fill(-1);
    const codes = new Uint8Array(n * k).fill(1);
    const want = String(gemmIntReference(m, n, k, a, w));
    const got: Record<string, Int32Array> = {
      int4Mirror: gemmInt4SdotMirror(m, n, k, a, packInt4SdotPanels(w, n, k)),
      int4Fast: gemmInt4Fast(m, n, k, a, prepackInt4Fast(w, n, k)),
      codebookMirror: gemmCodebookTblMirror(m, n, k, a, packCodebookPanels(codes, n, k, 1, [0, -1])),
      codebookFast: gemmCodebookFast(m, n, k, a, prepackCodebookFast(codes, n, k, 1, [0, -1])),
      lutMirror: gemmLutMirror(m, n, k, a, packLutPanels(codes, n, k, 1, 2)),
      lutFast: gemmLutFast(m, n, k, a, prepackLutFast(codes, n, k, 1, 2)),
    };
    for (const [name, r] of Object.entries(got)) if (String(r) !== want) bad.push(`${name} ${m}x${n}x${k}`);
  }
  t.same(bad, []);
});
