// Gradients handed over whole. An op's backward that has just allocated a gradient tensor, and
// keeps no reference to it, may mark it owned; the engine marks its own sums. When such a
// gradient reaches the op that consumes it, nothing else can see its data: the engine tells
// that op (`gradOwned`), which may then write into it instead of allocating a copy — as the DDQ
// quantizer does to zero the few out-of-range elements of its straight-through gradient.
// The engine withdraws ownership wherever it shares the data itself (a retained or leaf
// gradient aliases it) and whenever one op returns the same tensor for two inputs.
import type { Tensor } from '../tensor/tensor';

const owned = new WeakSet<Tensor>();

/** Mark a gradient the caller has just allocated and will neither keep nor return twice. */
export function ownedGradient(t: Tensor): Tensor {
  owned.add(t);
  return t;
}

export function isOwnedGradient(t: Tensor): boolean {
  return owned.has(t);
}

export function disownGradient(t: Tensor): void {
  owned.delete(t);
}
