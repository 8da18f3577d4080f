// Tensors hold float32 (training, inference) or float64 (gradient checks) data.
import type { FloatArray } from '../../kernels/float-array';

export type DType = 'float32' | 'float64';

export function dtypeOf(data: FloatArray): DType {
  return data instanceof Float64Array ? 'float64' : 'float32';
}

export function allocate(dtype: DType, size: number): FloatArray {
  return dtype === 'float64' ? new Float64Array(size) : new Float32Array(size);
}

/** float64 wins: mixing a float32 constant into a float64 gradient check keeps float64. */
export function promote(...dtypes: DType[]): DType {
  return dtypes.includes('float64') ? 'float64' : 'float32';
}

export function convert(data: FloatArray, dtype: DType): FloatArray {
  if (dtypeOf(data) === dtype) return data;
  return dtype === 'float64' ? Float64Array.from(data) : Float32Array.from(data);
}
