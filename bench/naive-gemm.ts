// The baseline a JavaScript programmer writes first: C = A·B with the i-k-j loop order (the
// inner loop walks rows of B and C contiguously, which is already the best plain loop order).
export function naiveGemm(m: number, n: number, k: number, a: Float32Array, b: Float32Array, c: Float32Array): void {
  c.fill(0, 0, m * n);
  for (let i = 0; i < m; i++) {
    const ci = i * n;
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p];
      const bp = p * n;
      for (let j = 0; j < n; j++) c[ci + j] += aip * b[bp + j];
    }
  }
}
