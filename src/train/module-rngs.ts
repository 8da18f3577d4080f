// The random generators a model owns (Dropout's, or any module's Rng-valued property), found by
// walking the module tree, so checkpoints capture them without each layer opting in. Their
// states go into JSON, where NaN (Rng's "no spare normal" marker) would become null: map it.
import type { Module } from '../nn/module';
import { Rng } from '../tensor/rng';

/** Every Rng held directly by a module of the tree, named "<module path>.<property>". */
export function moduleRngs(model: Module): Map<string, Rng> {
  const out = new Map<string, Rng>();
  for (const [path, m] of model.namedModules()) {
    for (const [key, value] of Object.entries(m)) {
      if (value instanceof Rng) out.set(path ? `${path}.${key}` : key, value);
    }
  }
  return out;
}

export type RngJson = (number | null)[];

export function rngStateToJson(state: number[]): RngJson {
  return state.map((v) => (Number.isNaN(v) ? null : v));
}

export function rngStateFromJson(state: RngJson): number[] {
  return state.map((v) => (v === null ? NaN : v));
}
