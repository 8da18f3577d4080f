// Shared vocabulary of the NEON mirrors: a 128-bit register is a typed array of its lanes
// (Int8Array(16) is .16B, Int16Array(8) is .8H, Int32Array(4) is .4S), and every mirror checks its
// registers' lane counts so a kernel bug surfaces as a clear error instead of silent garbage.
//
// Convention of every mirror in kernels/neon: the first argument `d` is the destination
// register Vd. The mirror writes the result into `d` and returns `d`. Instructions that
// accumulate (SDOT, SMMLA, SMLAL, SADALP, TBX, MLA...) read `d` first, exactly as the hardware
// reads Vd. Callers who want a fresh value pass a fresh array. `d` may be the same array as a
// source of the same type (as in `sqadd v0, v0, v1`): every mirror reads its sources before
// writing anything that could alias them. Two kinds of instruction have no vector destination:
// ADDV reduces to a scalar, which it returns as a number, and ST1 writes memory.

export type SignedLanes = Int8Array | Int16Array | Int32Array;
export type UnsignedLanes = Uint8Array | Uint16Array | Uint32Array;
export type IntLanes = SignedLanes | UnsignedLanes;
export type ByteLanes = Int8Array | Uint8Array;

/** Throw unless `reg` has exactly `lanes` elements. */
export function expectLanes(op: string, name: string, reg: ArrayLike<number>, lanes: number): void {
  if (reg.length !== lanes) {
    throw new Error(`${op}: ${name} has ${reg.length} lanes, need ${lanes}`);
  }
}

/** Throw unless `reg` is a full 128-bit register (16 bytes). */
export function expectRegister(op: string, name: string, reg: IntLanes): void {
  if (reg.byteLength !== 16) {
    throw new Error(`${op}: ${name} is ${reg.byteLength} bytes (${reg.length} lanes), need a 16-byte register`);
  }
}

/** Throw unless `value` is an integer in [lo, hi] (lane indices, immediate shift amounts). */
export function expectImmediate(op: string, name: string, value: number, lo: number, hi: number): void {
  if (!Number.isInteger(value) || value < lo || value > hi) {
    throw new Error(`${op}: ${name} must be an integer in [${lo}, ${hi}], got ${value}`);
  }
}

/** Element size in bits of a register view (8, 16 or 32). */
export function elementBits(reg: IntLanes): number {
  return reg.BYTES_PER_ELEMENT * 8;
}

/** Clamp an exact integer to the signed range of `bits`-bit lanes (the Q in SQADD, SQXTN...). */
export function saturateSigned(x: number, bits: number): number {
  const max = 2 ** (bits - 1) - 1;
  const min = -(2 ** (bits - 1));
  return x > max ? max : x < min ? min : x;
}

/** Clamp an exact integer to the unsigned range of `bits`-bit lanes (SQXTUN). */
export function saturateUnsigned(x: number, bits: number): number {
  const max = 2 ** bits - 1;
  return x > max ? max : x < 0 ? 0 : x;
}

/** Reinterpret a register's bytes with another lane type (a NEON register has no type). */
export function bytesOf(reg: IntLanes): Uint8Array {
  return new Uint8Array(reg.buffer, reg.byteOffset, reg.byteLength);
}
