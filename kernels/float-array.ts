// Float kernels accept both widths: float32 is what training runs on, float64 is what
// gradient checks run on (finite differences need the extra precision).
export type FloatArray = Float32Array | Float64Array;

/** A new zeroed array of the same kind as `like`. */
export function allocLike(like: FloatArray, length: number): FloatArray {
  return like instanceof Float64Array ? new Float64Array(length) : new Float32Array(length);
}
