// Shift mirrors (SSHL, SRSHL, SQRSHL, SRSHR, SSHR, SHL, USHR, SQSHRN, SQRSHRN) against the Arm
// pseudocode in BigInt: shift = SInt(Vm<7:0>), round_const = 2^(-shift-1) when rounding a right
// shift, result = (x + round_const) << shift, then truncated (or saturated) to the lane width.
import t from 'tap';
import { Rng } from '../../../src/tensor/rng';
import { sshl } from '../../../kernels/neon/sshl';
import { srshl } from '../../../kernels/neon/srshl';
import { sqrshl } from '../../../kernels/neon/sqrshl';
import { srshr } from '../../../kernels/neon/srshr';
import { sshr } from '../../../kernels/neon/sshr';
import { shl } from '../../../kernels/neon/shl';
import { ushr } from '../../../kernels/neon/ushr';
import { sqshrn, sqshrn2 } from '../../../kernels/neon/sqshrn';
import { sqrshrn, sqrshrn2 } from '../../../kernels/neon/sqrshrn';
import { Mismatches, edgeValues, randomLanes, satSigned, wrapSigned, B } from './lanes-helper';

type Signed = Int8Array | Int16Array | Int32Array;
const CTORS = [Int8Array, Int16Array, Int32Array] as const;

function shiftRef(x: number, mLane: number, bits: number, rounding: boolean, saturating: boolean): number {
  const shift = ((mLane & 0xff) ^ 0x80) - 0x80; // SInt of the low byte
  const roundConst = rounding && shift < 0 ? 1n << B(-shift - 1) : 0n;
  const v = shift >= 0 ? (B(x) + roundConst) << B(shift) : (B(x) + roundConst) >> B(-shift);
  return saturating ? satSigned(v, bits) : wrapSigned(v, bits);
}

t.test('SRSHL(-5, -1) = -2 (ties toward +inf); SSHL(-5, -1) = -3 (floor)', async (t) => {
  const n = new Int32Array([-5, 5, -6, 7]);
  const m = new Int32Array([-1, -1, -2, -1]);
  t.same([...srshl(new Int32Array(4), n, m)], [-2, 3, -1, 4]);
  t.same([...sshl(new Int32Array(4), n, m)], [-3, 2, -2, 3]);
});

t.test('shift amounts -31, 0, +31 and beyond the element size', async (t) => {
  const x = new Int32Array([-2147483648, -1, 1, 2147483647]);
  const by = (s: number) => new Int32Array(4).fill(s);
  t.same([...sshl(new Int32Array(4), x, by(0))], [...x], 'shift 0 is identity');
  t.same([...srshl(new Int32Array(4), x, by(0))], [...x]);
  t.same([...srshl(new Int32Array(4), x, by(-31))], [-1, 0, 0, 1], 'rounding right by 31');
  t.same([...sshl(new Int32Array(4), x, by(-31))], [-1, -1, 0, 0], 'arithmetic right by 31');
  t.same([...srshl(new Int32Array(4), x, by(-32))], [0, 0, 0, 0], 'rounding by -esize gives 0');
  t.same([...sshl(new Int32Array(4), x, by(-40))], [-1, -1, 0, 0], 'beyond -esize gives the sign fill');
  t.same([...sshl(new Int32Array(4), x, by(31))], [0, -2147483648, -2147483648, -2147483648], 'left by 31 wraps');
  t.same([...sshl(new Int32Array(4), x, by(32))], [0, 0, 0, 0], 'left by >= esize gives 0');
  t.same([...sqrshl(new Int32Array(4), x, by(31))], [-2147483648, -2147483648, 2147483647, 2147483647], 'saturating left');
  t.same([...sqrshl(new Int32Array(4), new Int32Array([0, 0, 1, -1]), by(100))], [0, 0, 2147483647, -2147483648]);
  // Only the signed low byte counts: 0x1FF is -1, 0x80 is -128.
  t.same([...srshl(new Int32Array(4), new Int32Array([-5, 5, 3, 3]), new Int32Array([0x1ff, 0x7fffff01, 0x80, 0x7f]))], [-2, 10, 0, 0]);
  t.same([...srshr(new Int32Array(4), x, 32)], [0, 0, 0, 0], 'SRSHR #32 gives 0');
  t.same([...sshr(new Int32Array(4), x, 32)], [-1, -1, 0, 0], 'SSHR #32 gives the sign fill');
  t.throws(() => srshr(new Int32Array(4), x, 0), /imm must be an integer in \[1, 32\]/);
  t.throws(() => shl(new Int8Array(16), new Int8Array(16), 8), /imm must be an integer in \[0, 7\]/);
});

t.test('nibble and crumb extraction on bytes', async (t) => {
  const b = Uint8Array.from({ length: 16 }, (_, i) => (i * 37 + 11) & 0xff);
  t.same([...shl(new Int8Array(16), new Int8Array(b.buffer.slice(0)), 4)], [...b].map((v) => (((v & 15) << 4) << 24) >> 24));
  t.same([...ushr(new Uint8Array(16), b, 4)], [...b].map((v) => v >> 4));
  t.same([...ushr(new Uint8Array(16), b, 6)], [...b].map((v) => v >> 6));
  t.same([...ushr(new Int8Array(16), new Int8Array(b.buffer.slice(0)), 7)], [...b].map((v) => v >> 7), 'USHR reads lanes as unsigned');
  t.same([...ushr(new Uint32Array(4), new Uint32Array([0xffffffff, 1, 0x80000000, 7]), 32)], [0, 0, 0, 0]);
});

t.test('register shifts: edge grid and seeded random lanes match the BigInt pseudocode', async (t) => {
  const rng = new Rng(505);
  const mm = new Mismatches();
  for (const ctor of CTORS) {
    const bits = ctor.BYTES_PER_ELEMENT * 8;
    const lanes = 16 / ctor.BYTES_PER_ELEMENT;
    const edges = edgeValues(bits, true);
    const amounts = [-128, -100, -bits - 1, -bits, -bits + 1, -31, -17, -16, -9, -8, -7, -2, -1, 0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 100, 127];
    const trials: [number[], number[]][] = [];
    for (const s of amounts) {
      for (let p = 0; p < edges.length; p += lanes) {
        const xs = Array.from({ length: lanes }, (_, l) => edges[(p + l) % edges.length]);
        trials.push([xs, new Array(lanes).fill(s)]);
      }
    }
    for (let i = 0; i < 300; i++) {
      trials.push([[...randomLanes<Signed>(rng, ctor)], Array.from({ length: lanes }, () => rng.int(-40, 41) | (rng.int(0, 2) << 8))]);
    }
    for (const [xs, ss] of trials) {
      const n = ctor.from(xs) as Signed;
      const m = ctor.from(ss) as Signed;
      const ref = (r: boolean, s: boolean) => xs.map((x, l) => shiftRef(x, m[l], bits, r, s));
      mm.check(`sshl.${bits}`, sshl(new ctor(lanes) as Signed, n, m), ref(false, false));
      mm.check(`srshl.${bits}`, srshl(new ctor(lanes) as Signed, n, m), ref(true, false));
      mm.check(`sqrshl.${bits}`, sqrshl(new ctor(lanes) as Signed, n, m), ref(true, true));
      const imm = 1 + (((ss[0] % bits) + bits) % bits); // 1..bits
      mm.check(`srshr.${bits} #${imm}`, srshr(new ctor(lanes) as Signed, n, imm), xs.map((x) => shiftRef(x, -imm, bits, true, false)));
      mm.check(`sshr.${bits} #${imm}`, sshr(new ctor(lanes) as Signed, n, imm), xs.map((x) => shiftRef(x, -imm, bits, false, false)));
      mm.check(`shl.${bits} #${imm - 1}`, shl(new ctor(lanes) as Signed, n, imm - 1), xs.map((x) => shiftRef(x, imm - 1, bits, false, false)));
      const mask = (1n << B(bits)) - 1n;
      mm.check(`ushr.${bits} #${imm}`, ushr(new ctor(lanes) as Signed, n, imm), xs.map((x) => wrapSigned((B(x) & mask) >> B(imm), bits)));
    }
  }
  t.same(mm.failures, [], `${mm.count} registers agree`);
});

t.test('narrowing shifts SQSHRN/SQRSHRN (and the "2" forms) saturate at infinite precision', async (t) => {
  const rng = new Rng(506);
  const mm = new Mismatches();
  // INT32_MAX + 2^(n-1) must not wrap before the shift.
  t.same([...sqrshrn(new Int16Array(8), new Int32Array([2147483647, -2147483648, 65535, -65537]), 16)], [32767, -32768, 1, -1, 0, 0, 0, 0]);
  t.same([...sqrshrn(new Int16Array(8), new Int32Array([2147483647, 1 << 30, -(1 << 30), 3]), 1)], [32767, 32767, -32768, 2, 0, 0, 0, 0]);
  for (const [wide, narrow] of [[Int32Array, Int16Array], [Int16Array, Int8Array]] as const) {
    const wb = wide.BYTES_PER_ELEMENT * 8;
    const nb = wb / 2;
    const wl = 128 / wb;
    for (let i = 0; i < 500; i++) {
      const n = randomLanes<Int32Array>(rng, wide as Int32ArrayConstructor);
      const keep = randomLanes<Int16Array>(rng, narrow as Int16ArrayConstructor);
      const imm = 1 + (i % nb);
      const ref = (r: boolean) => [...n].map((x) => satSigned((B(x) + (r ? 1n << B(imm - 1) : 0n)) >> B(imm), nb));
      const lo = (xs: number[]) => [...xs, ...new Array(wl).fill(0)];
      const hi = (xs: number[]) => [...keep.slice(0, wl), ...xs];
      mm.check('sqshrn', sqshrn(keep.slice() as any, n as any, imm), lo(ref(false)));
      mm.check('sqrshrn', sqrshrn(keep.slice() as any, n as any, imm), lo(ref(true)));
      mm.check('sqshrn2', sqshrn2(keep.slice() as any, n as any, imm), hi(ref(false)));
      mm.check('sqrshrn2', sqrshrn2(keep.slice() as any, n as any, imm), hi(ref(true)));
    }
  }
  t.same(mm.failures, [], `${mm.count} registers agree`);
});
