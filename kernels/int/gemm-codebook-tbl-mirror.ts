// b-bit codebook weights x int8 activations -> int32 as a dotprod kernel would run it: weights are
// stored as b-bit indices (b = 1..8) into a table of 2^b int8 levels (non-uniform, e.g. a DDQ
// codebook); registers of indices are decoded with shifts and masks, mapped through the levels
// with TBL, and fed to the same 4x16 SDOT tile as gemm-int8-sdot-mirror.ts.
//
// Index slices. b is split into its binary parts, widest first (7 = 4+2+1, 6 = 4+2, 5 = 4+1,
// 3 = 2+1; 1, 2, 4 and 8 are one slice), and each part is stored as its own "slice" of the panel,
// packed 8/width fields per byte. Every field then sits at a fixed shift within its byte, so
// decoding is USHR (to bring the field down), AND (to drop the fields above), SHL (to the slice's
// bit position in the index) and ORR (to join the slices): no field straddles a byte, unlike the
// dense storage format (pack-indices.ts), which the panel packer reads from plain codes instead.
// Per panel of 16 channels and chunk of 32 depth values (8 depth groups of 4): a slice of width w
// has w registers; field t of register u holds, for each channel and depth offset, the slice's
// bits of the index at depth group t·w + u. So width 4 pairs groups u and u + 4 (k and k + 16,
// KleidiAI's nibble layout), width 2 holds groups u, u+2, u+4, u+6, width 1 all eight as bits.
//
// Table lookup. Levels are padded to whole 16-byte registers: one for b <= 4, 2^b / 16 above.
// TBL reads at most 4 registers (64 entries); for b = 7 and 8 the kernel runs TBL on registers
// 0-3, then subtracts 64 from the indices and runs TBX on registers 4-7, and so on: an index
// already served has wrapped to >= 0xC0 and is out of range, so TBX leaves its byte alone.
//
// Padding: depth is padded to a multiple of 32 and activations are zero-padded, so whatever level
// a padded index selects is multiplied by 0; padded channels are never stored.
import { dup, ld1, orr, sdotLane, shl, st1, sub, tbl, tbx, ushr, and } from '../neon';
import { padActivations } from './gemm-int8-sdot-mirror';
import { checkDims, checkIntRange, checkLength, outputFor, roundUp } from './validate';

export interface IndexSlice {
  /** Bits of this slice: 8, 4, 2 or 1. */
  width: number;
  /** Position of the slice's lowest bit in the index. */
  position: number;
}

export interface CodebookPanels {
  kind: 'codebook-4x16';
  n: number;
  k: number;
  bits: number;
  /** The 2^bits int8 levels, zero-padded to whole 16-byte registers. */
  levels: Int8Array;
  slices: IndexSlice[];
  /** Depth padded to a multiple of 32 (one chunk). */
  kPadded: number;
  /** Per panel, per chunk: for each slice, width x 4 registers of 16 bytes (4·bits registers). */
  data: Uint8Array;
}

const NR = 16;
const MR = 4;
const CHUNK = 32;

/** The binary parts of `bits`, widest first, with their bit positions in the index. */
export function indexSlices(bits: number): IndexSlice[] {
  const slices: IndexSlice[] = [];
  let position = 0;
  for (const width of [8, 4, 2, 1]) {
    if (bits & width) {
      slices.push({ width, position });
      position += width;
    }
  }
  return slices;
}

/** Pack N×K codes (row-major, each in [0, 2^bits)) and their levels into codebook panels. */
export function packCodebookPanels(codes: Uint8Array, n: number, k: number, bits: number, levels: ArrayLike<number>): CodebookPanels {
  checkDims('packCodebookPanels', { n, k });
  if (!Number.isInteger(bits) || bits < 1 || bits > 8) {
    throw new Error(`packCodebookPanels: bits must be an integer in [1, 8], got ${bits}`);
  }
  const entries = 2 ** bits;
  if (levels.length !== entries) {
    throw new Error(`packCodebookPanels: levels has ${levels.length} entries, need 2^${bits} = ${entries}`);
  }
  checkIntRange('packCodebookPanels', 'levels', levels, entries, -128, 127);
  checkLength('packCodebookPanels', 'codes', codes, n * k, `${n}x${k}`);
  checkIntRange('packCodebookPanels', 'codes', codes, n * k, 0, entries - 1);
  const table = new Int8Array(roundUp(entries, 16));
  for (let i = 0; i < entries; i++) table[i] = levels[i];
  const slices = indexSlices(bits);
  const kPadded = roundUp(Math.max(k, 1), CHUNK);
  const panels = Math.ceil(n / NR);
  const data = new Uint8Array(panels * (kPadded / CHUNK) * 4 * bits * 16);
  const code = (col: number, t: number) => (col < n && t < k ? codes[col * k + t] : 0);
  let at = 0;
  for (let p = 0; p < panels; p++) {
    for (let c0 = 0; c0 < kPadded; c0 += CHUNK) {
      for (const { width, position } of slices) {
        const mask = (1 << width) - 1;
        for (let u = 0; u < width; u++) {
          for (let cb = 0; cb < 4; cb++) {
            for (let c = 0; c < 4; c++) {
              const col = p * NR + 4 * cb + c;
              for (let j = 0; j < 4; j++) {
                let byte = 0;
                for (let f = 0; f < 8 / width; f++) {
                  const t = c0 + 4 * (f * width + u) + j;
                  byte |= ((code(col, t) >> position) & mask) << (f * width);
                }
                data[at++] = byte;
              }
            }
          }
        }
      }
    }
  }
  return { kind: 'codebook-4x16', n, k, bits, levels: table, slices, kPadded, data };
}

/** out[M×N] = A[M×K] · Wᵀ where W[j][t] = levels[code]; int32, wrapping like the hardware. */
export function gemmCodebookTblMirror(m: number, n: number, k: number, a: Int8Array, w: CodebookPanels, out?: Int32Array): Int32Array {
  checkDims('gemmCodebookTblMirror', { m, n, k });
  if (w.n !== n || w.k !== k) throw new Error(`gemmCodebookTblMirror: panels are for ${w.n}x${w.k} weights, called with n=${n}, k=${k}`);
  checkLength('gemmCodebookTblMirror', 'a', a, m * k, `${m}x${k}`);
  const c = outputFor('gemmCodebookTblMirror', out, m, n);
  const { kPadded, bits, slices, data } = w;
  const lhs = padActivations(a, m, k, MR, kPadded);
  // The levels as table registers, loaded once.
  const table = Array.from({ length: w.levels.length / 16 }, (_, r) => ld1(new Int8Array(16), w.levels, 16 * r));
  // TBL/TBX take up to four consecutive table registers: group them once.
  const tableGroups: Int8Array[][] = [];
  for (let r0 = 0; r0 < table.length; r0 += 4) tableGroups.push(table.slice(r0, r0 + 4));
  const acc = Array.from({ length: MR * 4 }, () => new Int32Array(4));
  const va = new Int8Array(16);
  const packed = new Uint8Array(16);
  const field = new Uint8Array(16);
  const idx = new Uint8Array(16);
  const wts = Array.from({ length: 4 }, () => new Int8Array(16));
  const sixtyFour = dup(new Uint8Array(16), 64);
  const masks = new Map(slices.map((s) => [s.width, dup(new Uint8Array(16), (1 << s.width) - 1)]));
  // Within a chunk a slice of width w holds w·4 registers; sliceStart[s] is slice s's first one.
  const sliceStart: number[] = [];
  let registers = 0;
  for (const slice of slices) {
    sliceStart.push(registers);
    registers += slice.width * 4;
  }
  const chunkBytes = 4 * bits * 16;
  const chunks = kPadded / CHUNK;
  for (let p = 0; p * NR < n; p++) {
    for (let i0 = 0; i0 < m; i0 += MR) {
      for (const r of acc) dup(r, 0);
      for (let ch = 0; ch < chunks; ch++) {
        const chunkAt = (p * chunks + ch) * chunkBytes;
        for (let g = 0; g < 8; g++) {
          // Decode the 4 weight registers (one per channel block) of depth group g.
          for (let cb = 0; cb < 4; cb++) {
            dup(idx, 0);
            for (let s = 0; s < slices.length; s++) {
              const { width, position } = slices[s];
              const u = g % width;
              const shift = Math.floor(g / width) * width;
              ld1(packed, data, chunkAt + (sliceStart[s] + u * 4 + cb) * 16);
              if (shift > 0) ushr(field, packed, shift);
              else field.set(packed); // MOV
              if (shift + width < 8) and(field, field, masks.get(width)!);
              if (position > 0) shl(field, field, position);
              orr(idx, idx, field);
            }
            tbl(wts[cb], tableGroups[0], idx);
            for (let q = 1; q < tableGroups.length; q++) {
              sub(idx, idx, sixtyFour); // indices of earlier groups wrap out of range
              tbx(wts[cb], tableGroups[q], idx);
            }
          }
          const t = ch * CHUNK + 4 * g;
          for (let r = 0; r < MR; r++) {
            ld1(va, lhs, (i0 + r) * kPadded + 16 * Math.floor(t / 16));
            for (let cb = 0; cb < 4; cb++) sdotLane(acc[4 * r + cb], wts[cb], va, (t % 16) / 4);
          }
        }
      }
      for (let r = 0; r < MR && i0 + r < m; r++) {
        for (let cb = 0; cb < 4; cb++) {
          const col = p * NR + 4 * cb;
          if (col < n) st1(c, (i0 + r) * n + col, acc[4 * r + cb], Math.min(4, n - col));
        }
      }
    }
  }
  return c;
}
