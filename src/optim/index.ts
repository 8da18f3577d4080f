export { Optimizer } from './optimizer';
export type { OptimizerState } from './optimizer';
export { SGD } from './sgd';
export type { SgdOptions } from './sgd';
export { AdamW } from './adamw';
export type { AdamWOptions } from './adamw';
export * as schedules from './schedules';
export type { Schedule } from './schedules';
