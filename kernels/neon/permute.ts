// UZP1 / UZP2 / ZIP1 / ZIP2: lane permutations of two registers, with the element size as the
// arrangement (.16B = 1 byte ... .2D = 8 bytes) independent of the typed-array view.
// - UZP1 keeps the even-numbered elements of the concatenation n:m, UZP2 the odd ones. With .2D
//   on SMMLA accumulators, UZP1 gathers the first rows of two 2x2 tiles and UZP2 the second rows.
// - ZIP1 interleaves the low halves of n and m, ZIP2 the high halves. With .16B on a low-byte and
//   a high-byte TBL result, ZIP1/ZIP2 rebuild int16 lanes (the exact int16 LUT kernel).
import { bytesOf, expectRegister, type IntLanes } from './registers';

function checkArrangement(op: string, d: IntLanes, n: IntLanes, m: IntLanes, elementBytes: number): void {
  expectRegister(op, 'd', d);
  expectRegister(op, 'n', n);
  expectRegister(op, 'm', m);
  if (![1, 2, 4, 8].includes(elementBytes)) {
    throw new Error(`${op}: elementBytes must be 1, 2, 4 or 8, got ${elementBytes}`);
  }
}

/** Build d from the elements of n (source 0) and m (source 1) chosen by pick(i) = [source, element]. */
function permute(d: IntLanes, n: IntLanes, m: IntLanes, e: number, pick: (i: number) => [number, number]): void {
  const src = [bytesOf(n).slice(), bytesOf(m).slice()]; // copies: d may alias n or m
  const dst = bytesOf(d);
  for (let i = 0; i < 16 / e; i++) {
    const [s, j] = pick(i);
    for (let b = 0; b < e; b++) dst[i * e + b] = src[s][j * e + b];
  }
}

/** UZP1 Vd, Vn, Vm (element size in bytes, default the lane size): even elements of n:m. */
export function uzp1<T extends IntLanes>(d: T, n: IntLanes, m: IntLanes, elementBytes = d.BYTES_PER_ELEMENT): T {
  checkArrangement('uzp1', d, n, m, elementBytes);
  const half = 8 / elementBytes;
  permute(d, n, m, elementBytes, (i) => (i < half ? [0, 2 * i] : [1, 2 * (i - half)]));
  return d;
}

/** UZP2 Vd, Vn, Vm: odd elements of n:m. */
export function uzp2<T extends IntLanes>(d: T, n: IntLanes, m: IntLanes, elementBytes = d.BYTES_PER_ELEMENT): T {
  checkArrangement('uzp2', d, n, m, elementBytes);
  const half = 8 / elementBytes;
  permute(d, n, m, elementBytes, (i) => (i < half ? [0, 2 * i + 1] : [1, 2 * (i - half) + 1]));
  return d;
}

/** ZIP1 Vd, Vn, Vm: n[0], m[0], n[1], m[1], ... from the low halves. */
export function zip1<T extends IntLanes>(d: T, n: IntLanes, m: IntLanes, elementBytes = d.BYTES_PER_ELEMENT): T {
  checkArrangement('zip1', d, n, m, elementBytes);
  permute(d, n, m, elementBytes, (i) => [i & 1, i >> 1]);
  return d;
}

/** ZIP2 Vd, Vn, Vm: the same interleave from the high halves. */
export function zip2<T extends IntLanes>(d: T, n: IntLanes, m: IntLanes, elementBytes = d.BYTES_PER_ELEMENT): T {
  checkArrangement('zip2', d, n, m, elementBytes);
  const half = 8 / elementBytes;
  permute(d, n, m, elementBytes, (i) => [i & 1, half + (i >> 1)]);
  return d;
}
