// MUL / MLA / MLS (vector and by element): lane-wise multiply, multiply-add and multiply-subtract,
// keeping the low esize bits (wrapping). KleidiAI corrects zero points with `mla acc, sums, -zp`;
// the LUT kernel builds its tables with 16-bit MLA by element.
import { elementBits, expectImmediate, expectRegister, type IntLanes } from './registers';

/** Low 32 bits of a·b, exact for any int32 operands (a double product is not). */
function mulLow(a: number, b: number, bits: number): number {
  return bits === 32 ? Math.imul(a, b) : a * b; // 8/16-bit products are exact; the store wraps
}

/** MUL Vd, Vn, Vm: d[i] = n[i]·m[i], wrapping. */
export function mul<T extends IntLanes>(d: T, n: T, m: T): T {
  expectRegister('mul', 'd', d);
  expectRegister('mul', 'n', n);
  expectRegister('mul', 'm', m);
  const bits = elementBits(d);
  for (let i = 0; i < d.length; i++) d[i] = mulLow(n[i], m[i], bits);
  return d;
}

/** MLA Vd, Vn, Vm: d[i] = d[i] + n[i]·m[i], wrapping. */
export function mla<T extends IntLanes>(d: T, n: T, m: T): T {
  expectRegister('mla', 'd', d);
  expectRegister('mla', 'n', n);
  expectRegister('mla', 'm', m);
  const bits = elementBits(d);
  for (let i = 0; i < d.length; i++) d[i] = (d[i] + mulLow(n[i], m[i], bits)) | 0;
  return d;
}

/** MLS Vd, Vn, Vm: d[i] = d[i] - n[i]·m[i], wrapping. */
export function mls<T extends IntLanes>(d: T, n: T, m: T): T {
  expectRegister('mls', 'd', d);
  expectRegister('mls', 'n', n);
  expectRegister('mls', 'm', m);
  const bits = elementBits(d);
  for (let i = 0; i < d.length; i++) d[i] = (d[i] - mulLow(n[i], m[i], bits)) | 0;
  return d;
}

/** MUL Vd, Vn, Vm.T[lane] (.8H/.4S): d[i] = n[i]·m[lane], wrapping. */
export function mulLane<T extends Int16Array | Int32Array | Uint16Array | Uint32Array>(d: T, n: T, m: T, lane: number): T {
  expectRegister('mulLane', 'd', d);
  expectRegister('mulLane', 'n', n);
  expectRegister('mulLane', 'm', m);
  expectImmediate('mulLane', 'lane', lane, 0, m.length - 1);
  const bits = elementBits(d);
  const s = m[lane];
  for (let i = 0; i < d.length; i++) d[i] = mulLow(n[i], s, bits);
  return d;
}

/** MLA Vd, Vn, Vm.T[lane] (.8H/.4S): d[i] = d[i] + n[i]·m[lane], wrapping. */
export function mlaLane<T extends Int16Array | Int32Array | Uint16Array | Uint32Array>(d: T, n: T, m: T, lane: number): T {
  expectRegister('mlaLane', 'd', d);
  expectRegister('mlaLane', 'n', n);
  expectRegister('mlaLane', 'm', m);
  expectImmediate('mlaLane', 'lane', lane, 0, m.length - 1);
  const bits = elementBits(d);
  const s = m[lane];
  for (let i = 0; i < d.length; i++) d[i] = (d[i] + mulLow(n[i], s, bits)) | 0;
  return d;
}
