// Learning-rate schedules as plain functions of the step number: lr(step) for step = 0, 1, ...
// They compose (warm-up wraps another schedule) and need no state, so resuming is trivial.

export type Schedule = (step: number) => number;

export function constant(lr: number): Schedule {
  return () => lr;
}

/** Multiply by `gamma` every `every` steps. */
export function stepDecay(lr: number, every: number, gamma = 0.1): Schedule {
  if (!(every > 0)) throw new Error(`stepDecay: 'every' must be > 0, got ${every}`);
  return (step) => lr * Math.pow(gamma, Math.floor(step / every));
}

/** Cosine from lr down to minLr over `total` steps, then held at minLr. */
export function cosine(lr: number, total: number, minLr = 0): Schedule {
  if (!(total > 0)) throw new Error(`cosine: total steps must be > 0, got ${total}`);
  return (step) => minLr + 0.5 * (lr - minLr) * (1 + Math.cos(Math.PI * Math.min(step, total) / total));
}

/** Ramp linearly from 0 to the wrapped schedule over `warmup` steps, then follow it. */
export function linearWarmup(warmup: number, after: Schedule): Schedule {
  if (!(warmup >= 0)) throw new Error(`linearWarmup: warm-up steps must be >= 0, got ${warmup}`);
  return (step) => (step < warmup ? (after(step) * (step + 1)) / warmup : after(step));
}
