// LD1 / ST1 (one register): the memory side of a mirror kernel. A load copies 16 bytes of lanes
// from a typed array into a register; a store copies lanes back, optionally only the first
// `count` (the lane stores a kernel uses for the partial tile at an edge). Reading or writing
// outside the array is an error: a correct kernel pads its buffers instead.
import { expectRegister, type IntLanes } from './registers';

/** LD1 {Vd.T}, [mem + offset]: d[i] = mem[offset + i] for every lane. */
export function ld1<T extends IntLanes>(d: T, mem: ArrayLike<number>, offset: number): T {
  expectRegister('ld1', 'd', d);
  if (!Number.isInteger(offset) || offset < 0 || offset + d.length > mem.length) {
    throw new Error(`ld1: reading ${d.length} lanes at offset ${offset} overruns memory of ${mem.length} elements`);
  }
  for (let i = 0; i < d.length; i++) d[i] = mem[offset + i];
  return d;
}

/** ST1 {Vn.T}, [mem + offset]: mem[offset + i] = n[i] for the first `count` lanes. */
export function st1(mem: { [i: number]: number; length: number }, offset: number, n: IntLanes, count = n.length): void {
  expectRegister('st1', 'n', n);
  if (!Number.isInteger(count) || count < 0 || count > n.length) {
    throw new Error(`st1: count must be an integer in [0, ${n.length}], got ${count}`);
  }
  if (!Number.isInteger(offset) || offset < 0 || offset + count > mem.length) {
    throw new Error(`st1: writing ${count} lanes at offset ${offset} overruns memory of ${mem.length} elements`);
  }
  for (let i = 0; i < count; i++) mem[offset + i] = n[i];
}
