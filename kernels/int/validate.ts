// Boundary checks shared by the int kernels: shapes, buffer lengths and value ranges, each failing
// with a message that names the function and the offending values.

/** Throw unless m, n, k are non-negative integers (k may be required positive). */
export function checkDims(fn: string, dims: Record<string, number>): void {
  for (const [name, v] of Object.entries(dims)) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`${fn}: ${name} must be a non-negative integer, got ${v}`);
  }
}

/** Throw unless `arr` holds at least `need` elements (for a matrix of the given description). */
export function checkLength(fn: string, name: string, arr: ArrayLike<number>, need: number, what: string): void {
  if (arr.length < need) {
    throw new Error(`${fn}: ${name} has ${arr.length} elements, need at least ${need} for ${what}`);
  }
}

/** Throw unless every one of the first `count` values is an integer in [lo, hi]. */
export function checkIntRange(fn: string, name: string, values: ArrayLike<number>, count: number, lo: number, hi: number): void {
  for (let i = 0; i < count; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < lo || v > hi) {
      throw new Error(`${fn}: ${name}[${i}] = ${v} is not an integer in [${lo}, ${hi}]`);
    }
  }
}

/** The output array: `out` if given (checked to hold m·n values), else a new zeroed one. */
export function outputFor(fn: string, out: Int32Array | undefined, m: number, n: number): Int32Array {
  if (out === undefined) return new Int32Array(m * n);
  checkLength(fn, 'out', out, m * n, `${m}x${n}`);
  return out;
}

/** Round `x` up to a multiple of `step`. */
export function roundUp(x: number, step: number): number {
  return Math.ceil(x / step) * step;
}
