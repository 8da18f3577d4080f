// Integer-only deployment: convert a trained quantized model, store it as a packed model file,
// run it with integer kernels (docs/deployment.md).
export * from './int-graph';
export * from './activation-grid';
export * from './weight-quantization';
export * from './fold-batch-norm';
export * from './convert';
export * from './validate-model';
export * from './model-file';
export * from './model-size';
export * from './integer-runtime';
