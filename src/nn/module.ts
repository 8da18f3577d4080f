// Module: the unit of a network. It owns named parameters (trained), buffers (state that is
// saved but not trained, e.g. batch-norm running statistics) and child modules, all registered
// explicitly and kept in registration order, so names and state dicts are stable.
import { Tensor } from '../tensor/tensor';
import { sameShape, shapeString } from '../tensor/shape';

export type StateDict = Map<string, Tensor>;

export abstract class Module {
  training = true;
  private readonly params = new Map<string, Tensor>();
  private readonly buffers = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  abstract forward(x: Tensor): Tensor;

  /** Register a trainable tensor (it is marked requiresGrad) and return it. */
  protected param(name: string, value: Tensor): Tensor {
    this.checkName(name);
    value.requireGrad(true);
    this.params.set(name, value);
    return value;
  }

  /** Register saved, untrained state and return it. */
  protected buffer(name: string, value: Tensor): Tensor {
    this.checkName(name);
    this.buffers.set(name, value);
    return value;
  }

  /** Register a child module and return it. */
  protected child<M extends Module>(name: string, module: M): M {
    this.checkName(name);
    this.children.set(name, module);
    return module;
  }

  /** Replace a registered child (used by `quantize` to wrap layers in place). */
  replaceChild(name: string, module: Module): void {
    if (!this.children.has(name)) throw new Error(`${this.constructor.name}.replaceChild: no child named '${name}'`);
    this.children.set(name, module);
    (this as unknown as Record<string, unknown>)[name] = module;
  }

  private checkName(name: string): void {
    if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`${this.constructor.name}: invalid member name '${name}'`);
    if (this.params.has(name) || this.buffers.has(name) || this.children.has(name)) {
      throw new Error(`${this.constructor.name}: '${name}' is registered twice`);
    }
  }

  namedChildren(): [string, Module][] {
    return [...this.children];
  }

  /** This module and every descendant, depth first, with dotted names ('' for this one). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, m] of this.children) out.push(...m.namedModules(prefix ? `${prefix}.${name}` : name));
    return out;
  }

  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [name, p] of this.params) out.push([prefix ? `${prefix}.${name}` : name, p]);
    for (const [name, m] of this.children) out.push(...m.namedParameters(prefix ? `${prefix}.${name}` : name));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [name, b] of this.buffers) out.push([prefix ? `${prefix}.${name}` : name, b]);
    for (const [name, m] of this.children) out.push(...m.namedBuffers(prefix ? `${prefix}.${name}` : name));
    return out;
  }

  /** Number of trainable scalars. */
  parameterCount(): number {
    return this.parameters().reduce((n, p) => n + p.size, 0);
  }

  /** Training mode for this module and all descendants (dropout active, batch statistics). */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /**
   * Runs f, then puts every module back in the training mode it had before (a caller may keep
   * some layers in another mode than the rest on purpose), also when f throws.
   */
  keepingModes<T>(f: () => T): T {
    const modes = this.namedModules().map(([, m]) => [m, m.training] as const);
    try {
      return f();
    } finally {
      for (const [m, mode] of modes) m.training = mode;
    }
  }

  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }

  /** Parameters and buffers by dotted name. The tensors are copies, safe to keep. */
  stateDict(): StateDict {
    const out: StateDict = new Map();
    for (const [name, t] of [...this.namedParameters(), ...this.namedBuffers()]) {
      out.set(name, new Tensor(t.data.slice(), t.shape));
    }
    return out;
  }

  /**
   * Copy values into this module's parameters and buffers. Strict: every entry must exist and
   * match in shape, and nothing may be missing; on any error nothing is changed.
   */
  loadStateDict(state: StateDict): void {
    const own = new Map([...this.namedParameters(), ...this.namedBuffers()]);
    const missing = [...own.keys()].filter((k) => !state.has(k));
    const unexpected = [...state.keys()].filter((k) => !own.has(k));
    const problems: string[] = [];
    if (missing.length) problems.push(`missing: ${missing.join(', ')}`);
    if (unexpected.length) problems.push(`unexpected: ${unexpected.join(', ')}`);
    for (const [name, t] of own) {
      const s = state.get(name);
      if (s && !sameShape(s.shape, t.shape)) {
        problems.push(`${name}: shape ${shapeString(s.shape)} in the state dict, ${shapeString(t.shape)} in the model`);
      }
    }
    if (problems.length) throw new Error(`loadStateDict: ${this.constructor.name}: ${problems.join('; ')}`);
    for (const [name, t] of own) t.data.set(state.get(name)!.data);
  }
}
