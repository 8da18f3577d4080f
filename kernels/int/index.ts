// Integer inference kernels: storage formats, GEMMs written as NEON instruction sequences
// ("mirrors", built from kernels/neon) next to fast JavaScript paths that return the same bits,
// requantization and zero-point algebra.
//
// Layout convention, shared by every GEMM here (it is how the integer runtime calls them on
// im2col'd activations and conv/linear weights):
// - activations A: M×K int8, row-major (one output pixel per row). uint8 activations with a zero
//   point go through `activationsToInt8` (q ^ 0x80, zp - 128); the fast int8 path also accepts
//   uint8 directly.
// - weights W: N×K, one output channel per row ([cOut, cIn·kh·kw]), symmetric (zero point 0)
//   except the LUT kernel's codes, which carry a weight zero point.
// - output: M×N int32, row-major, out[i][j] = Σ_t A[i][t]·W[j][t] reduced mod 2^32 exactly as
//   int32 accumulators wrap (the int4 kernel: see gemm-int4-sdot-mirror.ts). Any M, N, K work:
//   kernels pad partial tiles internally with zeros, which never changes a result.
// - weights are packed once per layer (pack*/prepack*), then reused for every call.
export * from './validate';
export * from './pack-int8';
export * from './pack-int4';
export * from './pack-int2';
export * from './pack-indices';
export * from './gemm-int-reference';
export * from './gemm-int8-sdot-mirror';
export * from './gemm-int8-smmla-mirror';
export * from './gemm-int8-fast';
export * from './gemm-int4-sdot-mirror';
export * from './gemm-int4-fast';
export * from './gemm-codebook-tbl-mirror';
export * from './gemm-codebook-fast';
export * from './gemm-int2-tbl';
export * from './gemm-lut-mirror';
export * from './gemm-lut-fast';
export * from './quantize-multiplier';
export * from './fixed-point';
export * from './multiply-by-quantized-multiplier';
export * from './requantize-fp32';
export * from './output-stage';
export * from './output-stage-mirror';
export * from './zero-point';
export * from './requantize-channels-reference';
export * from './requantize-channels';
export * from './depthwise-conv2d-int-reference';
export * from './depthwise-conv2d-int';
export * from './im2col-int';
export * from './max-pool2d-int';
export * from './global-sum-pool2d-int';
export * from './add-int-reference';
export * from './add-int';
export * from './gemm-int8-requantize';
export * from './depthwise-conv2d-int-requantize';
