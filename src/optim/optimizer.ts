// Optimizer base: a list of parameters, a learning rate that schedules may change, and
// per-parameter state (momentum buffers, moments) that can be saved and restored exactly.
import { Tensor } from '../tensor/tensor';

export interface OptimizerState {
  lr: number;
  step: number;
  /** Per parameter (same order as the parameter list): named state arrays. */
  slots: Record<string, number[]>[];
}

export abstract class Optimizer {
  readonly params: Tensor[];
  lr: number;
  /** Number of completed steps. */
  stepCount = 0;
  protected slots: Map<string, Float32Array | Float64Array>[];

  constructor(params: Tensor[], lr: number) {
    if (params.length === 0) throw new Error(`${this.constructor.name}: no parameters to optimize`);
    if (!(lr >= 0) || !Number.isFinite(lr)) throw new Error(`${this.constructor.name}: learning rate must be a finite number >= 0, got ${lr}`);
    for (const p of params) {
      if (!p.requiresGrad) throw new Error(`${this.constructor.name}: a parameter of shape [${p.shape}] does not require a gradient`);
    }
    this.params = params;
    this.lr = lr;
    this.slots = params.map(() => new Map());
  }

  /** A state array of the parameter's size, created zeroed on first use. */
  protected slot(i: number, name: string): Float32Array | Float64Array {
    let s = this.slots[i].get(name);
    if (!s) {
      s = this.params[i].dtype === 'float64' ? new Float64Array(this.params[i].size) : new Float32Array(this.params[i].size);
      this.slots[i].set(name, s);
    }
    return s;
  }

  /** Apply one update to every parameter that has a gradient. */
  step(): void {
    this.stepCount++;
    this.params.forEach((p, i) => {
      if (p.grad !== null) this.update(p.data, p.grad.data, i);
    });
  }

  protected abstract update(w: Float32Array | Float64Array, g: Float32Array | Float64Array, index: number): void;

  zeroGrad(): void {
    for (const p of this.params) p.zeroGrad();
  }

  stateDict(): OptimizerState {
    return {
      lr: this.lr,
      step: this.stepCount,
      slots: this.slots.map((m) => Object.fromEntries([...m].map(([k, v]) => [k, Array.from(v)]))),
    };
  }

  loadStateDict(state: OptimizerState): void {
    if (state.slots.length !== this.params.length) {
      throw new Error(`${this.constructor.name}.loadStateDict: state has ${state.slots.length} parameters, optimizer has ${this.params.length}`);
    }
    const restored = state.slots.map((slots, i) => {
      const m = new Map<string, Float32Array | Float64Array>();
      for (const [k, v] of Object.entries(slots)) {
        if (v.length !== this.params[i].size) {
          throw new Error(`${this.constructor.name}.loadStateDict: slot '${k}' of parameter ${i} has ${v.length} values, need ${this.params[i].size}`);
        }
        m.set(k, this.params[i].dtype === 'float64' ? Float64Array.from(v) : Float32Array.from(v));
      }
      return m;
    });
    this.slots = restored;
    this.lr = state.lr;
    this.stepCount = state.step;
  }
}
