// Reusable buffers for a quantizer's per-element codes (which level each element took). The
// codes live from a forward pass to the end of its backward pass and are never handed to the
// caller, so a quantizer can lend the same buffer to each step's forward instead of allocating
// one byte per element every step (6.8 MB per step over the activations of the ddq-step bench's
// MobileNetV2): a fresh buffer costs its page faults again each time (measured on that bench's
// activations, quantizeEven into fresh code buffers vs reused ones, interleaved: 1-7 ms per step).
//
// The rule that makes reuse safe: a buffer is lent to one forward pass and comes back only when
// that pass's backward has finished reading it (ddq.ts). A forward that is never differentiated
// keeps its buffer, which is collected with its closure; a second backward over the same graph
// finds its buffer gone and recomputes the codes into a fresh one.
export type CodeArray = Uint8Array | Uint16Array;

/** Free buffers kept per pool: a quantizer is applied once per step in the nets here. */
const MAX_FREE = 2;

export class CodePool {
  private readonly free: CodeArray[] = [];

  /** A buffer of `size` codes (bytes, or 16 bits when `wide`); its contents are stale, not zero. */
  take(size: number, wide: boolean): CodeArray {
    for (let i = this.free.length - 1; i >= 0; i--) {
      const b = this.free[i];
      if (b.length === size && b instanceof Uint16Array === wide) {
        this.free.splice(i, 1);
        return b;
      }
    }
    return wide ? new Uint16Array(size) : new Uint8Array(size);
  }

  /** Give back a buffer taken from this pool; the giver must not read or write it afterwards. */
  give(buffer: CodeArray): void {
    if (this.free.includes(buffer)) throw new Error('CodePool.give: this buffer was already given back');
    if (this.free.length < MAX_FREE) this.free.push(buffer);
  }

  /** Buffers waiting to be lent (for tests). */
  get freeCount(): number {
    return this.free.length;
  }
}
