// A tiny scratch-buffer pool. Convolution needs large temporary buffers (im2col columns, padded
// planes) on every call; allocating them fresh would make a training step churn megabytes of
// garbage per layer. A Workspace keeps one growing array per (kind, slot) and hands it out again.
//
// Rules: a buffer is valid until the next `get` of the same kind and slot (so a kernel that
// needs two buffers at once uses two slots); it may be longer than asked for; its contents are
// whatever the last user left (never assume zeros). Kernels are synchronous, so one shared
// instance is safe within a thread.
import { FloatArray } from './float-array';

export type ScratchKind = 'f32' | 'f64';

export class Workspace {
  private readonly f32: Float32Array[] = [];
  private readonly f64: Float64Array[] = [];

  /** A cached array of at least `length` elements for `slot`, grown (not shrunk) as needed. */
  get(kind: 'f32', length: number, slot?: number): Float32Array;
  get(kind: 'f64', length: number, slot?: number): Float64Array;
  get(kind: ScratchKind, length: number, slot?: number): FloatArray;
  get(kind: ScratchKind, length: number, slot = 0): FloatArray {
    if (!Number.isInteger(length) || length < 0) {
      throw new Error(`Workspace.get: length must be a non-negative integer, got ${length}`);
    }
    if (!Number.isInteger(slot) || slot < 0 || slot > 15) {
      throw new Error(`Workspace.get: slot must be an integer in 0..15, got ${slot}`);
    }
    const pool: FloatArray[] = kind === 'f32' ? this.f32 : this.f64;
    const have = pool[slot];
    if (have !== undefined && have.length >= length) return have;
    // Grow by at least half again so a slowly growing request does not reallocate every time.
    const size = Math.max(length, Math.ceil((have?.length ?? 0) * 1.5));
    const fresh = kind === 'f32' ? new Float32Array(size) : new Float64Array(size);
    pool[slot] = fresh;
    return fresh;
  }

  /** Same kind as `like` (float32 kernels get float32 scratch, float64 ones float64). */
  getLike(like: FloatArray, length: number, slot = 0): FloatArray {
    return this.get(like instanceof Float64Array ? 'f64' : 'f32', length, slot);
  }

  /** Total bytes currently held. */
  bytes(): number {
    let total = 0;
    for (const a of this.f32) total += a ? a.byteLength : 0;
    for (const a of this.f64) total += a ? a.byteLength : 0;
    return total;
  }

  /** Drops every buffer (for example after a large one-off call). */
  release(): void {
    this.f32.length = 0;
    this.f64.length = 0;
  }
}

/** The instance kernels use unless given another one. */
export const defaultWorkspace = new Workspace();
