// matmul: matrix product with NumPy semantics. [..., m, k] x [..., k, n] -> [..., m, n], batch
// axes broadcast; a 1-D operand is a row (left) or column (right) vector. The work is done by
// the GEMM kernel; the gradients are two more GEMMs: dA = dC·Bᵀ and dB = Aᵀ·dC.
import { gemm } from '../../kernels/gemm';
import { record } from '../autograd/node';
import { Tensor } from '../tensor/tensor';
import { broadcastShapes, shapeString } from '../tensor/shape';
import { expand } from './expand';
import { allocFor } from './operand';
import { reshape } from './reshape';

export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.rank === 0 || b.rank === 0) {
    throw new Error(`matmul: ${shapeString(a.shape)} x ${shapeString(b.shape)}: operands must have at least one axis`);
  }
  const k = a.shape[a.rank - 1];
  const kb = b.rank === 1 ? b.shape[0] : b.shape[b.rank - 2];
  if (k !== kb) {
    throw new Error(`matmul: ${shapeString(a.shape)} x ${shapeString(b.shape)}: inner dimensions ${k} and ${kb} differ`);
  }
  // Vectors become matrices, and the added axis is removed from the result.
  if (a.rank === 1) return reshape(matmul(reshape(a, [1, k]), b), b.rank === 1 ? [] : [...b.shape.slice(0, -2), b.shape[b.rank - 1]]);
  if (b.rank === 1) return reshape(matmul(a, reshape(b, [k, 1])), a.shape.slice(0, -1));

  const m = a.shape[a.rank - 2];
  const n = b.shape[b.rank - 1];
  // A stack of matrices times one matrix is a single tall GEMM: [batch*m, k] x [k, n].
  if (b.rank === 2) {
    const out = matmul2d(reshape(a, [a.size / k || 0, k]), b);
    return reshape(out, [...a.shape.slice(0, -1), n]);
  }
  const batch = broadcastShapes('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2));
  const A = expand(a, [...batch, m, k]);
  const B = expand(b, [...batch, k, n]);
  return batchedMatmul(A, B, batch.reduce((p, d) => p * d, 1), m, k, n, [...batch, m, n]);
}

function matmul2d(a: Tensor, b: Tensor): Tensor {
  const [m, k] = a.shape;
  const n = b.shape[1];
  return batchedMatmul(a, b, 1, m, k, n, [m, n]);
}

/** C[i] = A[i]·B[i] for each of `count` equal-shaped matrix pairs stored back to back. */
function batchedMatmul(A: Tensor, B: Tensor, count: number, m: number, k: number, n: number, shape: number[]): Tensor {
  const out = new Tensor(allocFor(count * m * n, A, B), shape);
  for (let i = 0; i < count; i++) {
    gemm(m, n, k, A.data, B.data, out.data, { aOffset: i * m * k, bOffset: i * k * n, cOffset: i * m * n });
  }
  return record('matmul', [A, B], out, (g, needs) => {
    let dA: Tensor | null = null;
    let dB: Tensor | null = null;
    if (needs[0]) {
      dA = new Tensor(allocFor(A.size, g, A), A.shape);
      for (let i = 0; i < count; i++) {
        // dA[m,k] = g[m,n] · B[k,n]ᵀ
        gemm(m, k, n, g.data, B.data, dA.data, { transB: true, aOffset: i * m * n, bOffset: i * k * n, cOffset: i * m * k });
      }
    }
    if (needs[1]) {
      dB = new Tensor(allocFor(B.size, g, B), B.shape);
      for (let i = 0; i < count; i++) {
        // dB[k,n] = A[m,k]ᵀ · g[m,n]
        gemm(k, n, m, A.data, g.data, dB.data, { transA: true, aOffset: i * m * k, bOffset: i * m * n, cOffset: i * k * n });
      }
    }
    return [dA, dB];
  });
}
