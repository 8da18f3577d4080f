// int2 weights x int8 activations, decoded through TBL as KleidiAI's 2-bit kernels do: a weight
// w in [-2, 1] is the code w + 2, four codes per byte, extracted with AND #3 / USHR #2, #4, #6 and
// looked up in the table {-2, -1, 0, 1}, then SDOT. That is exactly the codebook kernel with
// b = 2 and those levels, so both the mirror and the fast path are thin wrappers over it.
import { gemmCodebookTblMirror, packCodebookPanels, type CodebookPanels } from './gemm-codebook-tbl-mirror';
import { gemmCodebookFast, prepackCodebookFast, type CodebookFastPanels } from './gemm-codebook-fast';
import { INT2_LEVELS } from './pack-int2';
import { checkDims, checkIntRange, checkLength } from './validate';

function int2Codes(fn: string, w: Int8Array, n: number, k: number): Uint8Array {
  checkDims(fn, { n, k });
  checkLength(fn, 'w', w, n * k, `${n}x${k}`);
  checkIntRange(fn, 'w', w, n * k, -2, 1);
  return Uint8Array.from(w.subarray(0, n * k), (v) => v + 2);
}

/** Pack W (N×K values in [-2, 1], e.g. from unpackInt2) into TBL-decoded SDOT panels. */
export function packInt2TblPanels(w: Int8Array, n: number, k: number): CodebookPanels {
  return packCodebookPanels(int2Codes('packInt2TblPanels', w, n, k), n, k, 2, INT2_LEVELS);
}

/** The mirror: AND/USHR field extraction, TBL through {-2, -1, 0, 1}, SDOT by element. */
export function gemmInt2TblMirror(m: number, n: number, k: number, a: Int8Array, w: CodebookPanels, out?: Int32Array): Int32Array {
  if (w.bits !== 2) throw new Error(`gemmInt2TblMirror: panels hold ${w.bits}-bit codes, need 2-bit ones from packInt2TblPanels`);
  return gemmCodebookTblMirror(m, n, k, a, w, out);
}

/** Prepack W (N×K values in [-2, 1]) for gemmInt2Fast. */
export function prepackInt2Fast(w: Int8Array, n: number, k: number): CodebookFastPanels {
  return prepackCodebookFast(int2Codes('prepackInt2Fast', w, n, k), n, k, 2, INT2_LEVELS);
}

/** The fast path: equals gemmInt2TblMirror bit for bit. */
export function gemmInt2Fast(m: number, n: number, k: number, a: Int8Array, w: CodebookFastPanels, out?: Int32Array): Int32Array {
  return gemmCodebookFast(m, n, k, a, w, out);
}
