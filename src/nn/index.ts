export { Module } from './module';
export type { StateDict } from './module';
export { Linear } from './linear';
export type { LinearOptions } from './linear';
export { ReLU, ReLU6, Flatten, Identity } from './activations';
export { Dropout } from './dropout';
export { Sequential } from './sequential';
export * as init from './init';
