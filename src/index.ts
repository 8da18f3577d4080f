// ddq-ts public API.
export { Tensor } from './tensor/tensor';
export type { TensorOptions, NestedArray } from './tensor/tensor';
export { Rng } from './tensor/rng';
export type { DType } from './tensor/dtype';
export * from './ops/index';
export { noGrad, withGrad, isGradEnabled } from './autograd/grad-mode';
export { backward } from './autograd/backward';
export { gradcheck, assertGradcheck } from './autograd/gradcheck';
export type { GradcheckOptions, GradcheckResult } from './autograd/gradcheck';
