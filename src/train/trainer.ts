// The training loop for classifiers: epochs over a DataLoader, cross-entropy (plus an optional
// extra loss from a hook), backward, one step of every optimizer group with its scheduled
// learning rate, evaluation on the test split, a progress display, a JSON-lines metrics log and
// a checkpoint after every epoch.
//
// Exact resume. A checkpoint taken at the end of an epoch holds everything the rest of the run
// depends on: parameters and buffers, optimizer slots and step counts, the global step (which
// drives the schedules), the loader's position and generators, every Rng inside the model
// (dropout masks), the hooks' own state and the metrics history. Restoring it and calling fit()
// therefore replays exactly the computation an uninterrupted run would have done: the final
// weights are bit-identical. Nothing else may carry state between epochs; in particular
// onEpochStart must depend only on the epoch number (or on state saved through state()).
//
// Files in outDir: checkpoint.ddq (the latest epoch; resume and `ddq eval` read it) and
// metrics.jsonl. There is deliberately no "best" checkpoint: choosing epochs by test accuracy
// would be selecting on the test set.
import * as path from 'path';
import type { Module } from '../nn/module';
import type { Optimizer } from '../optim/optimizer';
import type { Schedule } from '../optim/schedules';
import { Tensor } from '../tensor/tensor';
import { add } from '../ops/binary';
import { crossEntropy } from '../ops/cross-entropy';
import type { DataLoader, LoaderState } from '../../datasets/loader';
import { reestimateBatchNorm } from './reestimate-batch-norm';
import { fixBatchNormStatistics } from './fixed-batch-norm';
import { Checkpoint, loadCheckpoint, saveCheckpoint, StoredTensor } from '../io/checkpoint';
import { evaluate } from './evaluate';
import { checkLogits, countCorrect } from './logits';
import { Output, Progress } from './progress';
import { moduleRngs, RngJson, rngStateFromJson, rngStateToJson } from './module-rngs';
import { appendMetricsLog, writeMetricsLog } from './metrics-log';
import { mul } from '../ops/binary';
import type { GradientWorker } from '../parallel/gradient-worker-host';

/** Parameters trained by one optimizer with one learning-rate schedule (e.g. weights, gates). */
export interface OptimizerGroup {
  name: string;
  optimizer: Optimizer;
  /** Learning rate as a function of the global step (0-based), set before every step. */
  schedule: Schedule;
}

/** What extraLoss sees: the current batch and the model's output for it. */
export interface StepContext {
  /** 1-based epoch and 0-based global step (the step about to be taken). */
  epoch: number;
  step: number;
  model: Module;
  x: Tensor;
  y: Int32Array;
  logits: Tensor;
}

/** Extension points, e.g. for quantization-aware training. All optional. */
export interface TrainerHooks {
  /** A scalar added to the cross-entropy (e.g. a bit-budget penalty); its mean is logged. */
  extraLoss?(ctx: StepContext): Tensor | null;
  /** Called after every optimizer step (e.g. to keep parameters in their valid range). */
  afterStep?(): void;
  /** Called before each epoch (1-based), after the model is put in training mode. Must be a function of the epoch (and saved state) only, so resume replays it. */
  onEpochStart?(epoch: number): void;
  /** Extra fields for the epoch line and the metrics log (e.g. average bits). */
  epochSummary?(): Record<string, number | string>;
  /** Extra JSON state saved in checkpoints, and its restore. */
  state?(): unknown;
  loadState?(state: unknown): void;
}

export interface TrainerOptions {
  model: Module;
  train: DataLoader;
  /** Evaluated after every epoch when given (unshuffled, unaugmented). */
  test?: DataLoader;
  /** Evaluate only after every this-many epochs, and always after the last (default 1). */
  evalEvery?: number;
  groups: OptimizerGroup[];
  epochs: number;
  /** Where checkpoint.ddq and metrics.jsonl go; without it nothing is written. */
  outDir?: string;
  /** The run's configuration (JSON), saved in checkpoints so a run can be rebuilt from one. */
  config?: unknown;
  hooks?: TrainerHooks;
  /** Human-readable progress and epoch lines (default process.stdout). */
  out?: Output;
  /**
   * A worker thread with a replica of the model (src/parallel): each step after the first, the
   * second half of the batch is computed there, on the other core. Batch norm then normalises
   * each half with its own statistics. The first step runs whole on this thread, so quantizers
   * that initialise from their first batch see all of it.
   */
  worker?: GradientWorker;
  /**
   * After the training of every epoch that is evaluated (see evalEvery; whether or not there is
   * a test loader), before evaluation and the checkpoint: replace batch-norm running statistics
   * by the mean batch statistics of `batches` batches of `loader(epoch)`, the weights fixed
   * (reestimate-batch-norm.ts). The loader must depend on the epoch only, so resume replays it.
   */
  batchNormReestimate?: { batches: number; loader(epoch: number): DataLoader };
  /**
   * From this epoch (1-based) on, batch norm trains with fixed statistics (fixed-batch-norm.ts).
   * At the start of each such epoch, after onEpochStart (which may change the network, e.g. its
   * bitwidths), they are re-estimated with `batchNormReestimate.loader(epoch - 1)` if that is
   * given (else the running averages stay), then held for the epoch and not re-estimated at its
   * end: the network evaluated is the one that trained. Default: never.
   */
  fixBatchNormFrom?: number;
}

/** One line of metrics.jsonl. All fields but `time` are the same in every run with the same seed. */
export interface EpochMetrics {
  epoch: number;
  /** Global steps completed at the end of the epoch. */
  step: number;
  /** Learning rate of each group at the epoch's last step. */
  lr: Record<string, number>;
  trainLoss: number;
  trainAccuracy: number;
  /** Mean of the extraLoss hook's value, when there is one. */
  extraLoss?: number;
  testLoss?: number;
  testAccuracy?: number;
  /** Training time of the epoch (and its speed), then the time of batch-norm re-estimation and evaluation; filled in last. */
  time?: { seconds: number; imagesPerSecond: number; evalSeconds: number };
  /** Fields from epochSummary. */
  [field: string]: unknown;
}

/** The JSON part (meta) of a training checkpoint. Tensors: "model.<name>", "optim.<group>.<i>.<slot>". */
export interface TrainState {
  kind: 'ddq-train';
  config: unknown;
  /** Completed epochs, of `epochs` planned. */
  epoch: number;
  epochs: number;
  step: number;
  history: EpochMetrics[];
  optimizers: { name: string; type: string; lr: number; step: number; params: number }[];
  rngs: Record<string, RngJson>;
  loader: LoaderState;
  hooks: unknown;
}

export const CHECKPOINT_FILE = 'checkpoint.ddq';
export const METRICS_FILE = 'metrics.jsonl';

const MODEL_PREFIX = 'model.';
const BUILT_IN_FIELDS = new Set(['epoch', 'step', 'lr', 'trainLoss', 'trainAccuracy', 'extraLoss', 'testLoss', 'testAccuracy', 'time']);

export class Trainer {
  readonly model: Module;
  readonly groups: OptimizerGroup[];
  readonly epochs: number;
  readonly hooks: TrainerHooks;
  private readonly opts: TrainerOptions;
  private readonly out: Output;
  /** Completed epochs and optimizer steps. */
  private epochsDone = 0;
  private steps = 0;
  private records: EpochMetrics[] = [];

  constructor(opts: TrainerOptions) {
    if (!Number.isInteger(opts.epochs) || opts.epochs < 1) throw new Error(`Trainer: epochs must be a positive integer, got ${opts.epochs}`);
    if (opts.fixBatchNormFrom !== undefined && !(Number.isInteger(opts.fixBatchNormFrom) && opts.fixBatchNormFrom >= 1)) {
      throw new Error(`Trainer: fixBatchNormFrom must be a positive integer epoch, got ${opts.fixBatchNormFrom}`);
    }
    if (opts.groups.length === 0) throw new Error('Trainer: need at least one optimizer group');
    const owner = new Map<Tensor, string>();
    for (const g of opts.groups) {
      if (opts.groups.filter((h) => h.name === g.name).length > 1) throw new Error(`Trainer: two optimizer groups are named '${g.name}'`);
      if (!/^[A-Za-z0-9_-]+$/.test(g.name)) throw new Error(`Trainer: group name '${g.name}' must be letters, digits, '_' or '-'`);
      for (const p of g.optimizer.params) {
        const other = owner.get(p);
        if (other !== undefined) throw new Error(`Trainer: a parameter of shape [${p.shape}] is in both groups '${other}' and '${g.name}'; it would be updated twice`);
        owner.set(p, g.name);
      }
    }
    if (opts.worker && moduleRngs(opts.model).size > 0) {
      throw new Error(`Trainer: a model with its own generators (${[...moduleRngs(opts.model).keys()].join(', ')}, e.g. dropout) cannot use a worker thread: the worker's draws would not be saved in checkpoints`);
    }
    this.model = opts.model;
    this.groups = opts.groups;
    this.epochs = opts.epochs;
    this.hooks = opts.hooks ?? {};
    this.opts = opts;
    this.out = opts.out ?? process.stdout;
  }

  get epoch(): number {
    return this.epochsDone;
  }

  get step(): number {
    return this.steps;
  }

  get history(): readonly EpochMetrics[] {
    return this.records;
  }

  get checkpointFile(): string | null {
    return this.opts.outDir ? path.join(this.opts.outDir, CHECKPOINT_FILE) : null;
  }

  get metricsFile(): string | null {
    return this.opts.outDir ? path.join(this.opts.outDir, METRICS_FILE) : null;
  }

  /**
   * Train the remaining epochs (all of them, or those after a restored checkpoint), or only
   * `stopAfter` of them (an interruption on purpose). Returns the whole metrics history.
   */
  fit(opts: { stopAfter?: number } = {}): readonly EpochMetrics[] {
    const loader = this.opts.train;
    if (loader.epoch !== this.epochsDone || loader.batch !== 0) {
      throw new Error(`Trainer.fit: the training loader is at epoch ${loader.epoch} batch ${loader.batch}, expected the start of epoch ${this.epochsDone} (share no loader between trainers)`);
    }
    // The log restarts from the history being continued (empty for a new run).
    if (this.metricsFile) writeMetricsLog(this.metricsFile, this.records);
    const last = opts.stopAfter ? Math.min(this.epochs, this.epochsDone + opts.stopAfter) : this.epochs;
    while (this.epochsDone < last) {
      const record = this.trainEpoch(this.epochsDone + 1);
      this.epochsDone++;
      this.records.push(record);
      if (this.checkpointFile) saveCheckpoint(this.checkpointFile, this.checkpoint());
      if (this.metricsFile) appendMetricsLog(this.metricsFile, record);
      this.out.write(formatEpochLine(record, this.epochs) + '\n');
    }
    return this.records;
  }

  private trainEpoch(epoch: number): EpochMetrics {
    const { model, hooks } = this;
    const loader = this.opts.train;
    model.train();
    hooks.onEpochStart?.(epoch);
    const reestimate = this.opts.batchNormReestimate;
    const fixedStatistics = epoch >= (this.opts.fixBatchNormFrom ?? Infinity);
    if (fixedStatistics) {
      // The statistics of the network as it enters the epoch: the hook may just have changed it (new bitwidths).
      if (reestimate) reestimateBatchNorm(model, reestimate.loader(epoch - 1), reestimate.batches);
      fixBatchNormStatistics(model);
    }
    const total = loader.dropLast ? loader.batchesPerEpoch * loader.batchSize : loader.dataset.count;
    const progress = new Progress(this.out, `epoch ${epoch}/${this.epochs}`, total);
    const start = performance.now();
    let lossSum = 0;
    let extraSum = 0;
    let extraSteps = 0;
    let correct = 0;
    let seen = 0;
    let batch = 0;
    for (const { x, y } of loader.epochBatches()) {
      for (const g of this.groups) g.optimizer.lr = g.schedule(this.steps);
      model.zeroGrad();
      for (const g of this.groups) g.optimizer.zeroGrad();
      // With a worker, the second half of the batch goes to the other core (from the second step on).
      const worker = this.opts.worker && this.steps > 0 && y.length >= 2 ? this.opts.worker : null;
      const share = worker ? Math.ceil(y.length / 2) : y.length;
      const xMain = worker ? rows(x, 0, share) : x;
      const yMain = worker ? y.subarray(0, share) : y;
      if (worker) worker.start(model, rows(x, share, y.length, true), y.slice(share), (y.length - share) / y.length);
      const logits = model.forward(xMain);
      checkLogits('Trainer', logits, yMain.length);
      let loss = crossEntropy(logits, yMain);
      let taskLoss = loss.item();
      if (worker) loss = mul(loss, share / y.length);
      const extra = hooks.extraLoss?.({ epoch, step: this.steps, model, x, y, logits }) ?? null;
      if (extra) {
        if (extra.size !== 1) throw new Error(`Trainer: extraLoss must return a scalar, got shape [${extra.shape}]`);
        const value = extra.item();
        this.checkFinite('extra loss', value, epoch, batch);
        extraSum += value;
        extraSteps++;
        loss = add(loss, extra);
      }
      loss.backward();
      let hits = countCorrect(logits, yMain);
      if (worker) {
        const r = worker.finish(model);
        taskLoss = (taskLoss * share + r.lossSum) / y.length;
        hits += r.correct;
      }
      this.checkFinite('loss', taskLoss, epoch, batch);
      for (const g of this.groups) g.optimizer.step();
      hooks.afterStep?.();
      this.steps++;
      batch++;
      lossSum += taskLoss * y.length;
      correct += hits;
      seen += y.length;
      progress.update(seen, lossSum / seen, correct / seen);
    }
    progress.finish();
    const seconds = (performance.now() - start) / 1000;
    const record: EpochMetrics = {
      epoch,
      step: this.steps,
      lr: Object.fromEntries(this.groups.map((g) => [g.name, g.optimizer.lr])),
      trainLoss: lossSum / seen,
      trainAccuracy: correct / seen,
    };
    if (extraSteps > 0) record.extraLoss = extraSum / extraSteps;
    const evalStart = performance.now();
    const every = this.opts.evalEvery ?? 1;
    const evaluated = epoch % every === 0 || epoch === this.epochs;
    if (reestimate && evaluated && !fixedStatistics) reestimateBatchNorm(model, reestimate.loader(epoch), reestimate.batches);
    if (this.opts.test && evaluated) {
      const r = evaluate(model, this.opts.test);
      record.testLoss = r.loss;
      record.testAccuracy = r.accuracy;
    }
    const evalSeconds = (performance.now() - evalStart) / 1000;
    for (const [key, value] of Object.entries(hooks.epochSummary?.() ?? {})) {
      if (BUILT_IN_FIELDS.has(key)) throw new Error(`Trainer: epochSummary field '${key}' clashes with a built-in metric`);
      record[key] = value;
    }
    record.time = { seconds, imagesPerSecond: seen / seconds, evalSeconds };
    return record;
  }

  private checkFinite(what: string, value: number, epoch: number, batch: number): void {
    if (Number.isFinite(value)) return;
    const saved = this.checkpointFile && this.epochsDone > 0 ? `; the last good checkpoint (epoch ${this.epochsDone}) is ${this.checkpointFile}` : '';
    throw new Error(`Trainer: ${what} is ${value} at epoch ${epoch}, step ${this.steps} (batch ${batch + 1} of ${this.opts.train.batchesPerEpoch})${saved}. Try a lower learning rate.`);
  }

  /** The complete training state, as saved after every epoch (its tensors alias the live model: encode it before training on). */
  checkpoint(): Checkpoint {
    const tensors = new Map<string, StoredTensor>();
    for (const [name, t] of [...this.model.namedParameters(), ...this.model.namedBuffers()]) tensors.set(MODEL_PREFIX + name, t);
    for (const g of this.groups) {
      const state = g.optimizer.stateDict();
      state.slots.forEach((slots, i) => {
        const p = g.optimizer.params[i];
        for (const [slot, values] of Object.entries(slots)) {
          tensors.set(`optim.${g.name}.${i}.${slot}`, { shape: p.shape, data: p.dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values) });
        }
      });
    }
    const meta: TrainState = {
      kind: 'ddq-train',
      config: this.opts.config ?? null,
      epoch: this.epochsDone,
      epochs: this.epochs,
      step: this.steps,
      history: this.records,
      optimizers: this.groups.map((g) => ({
        name: g.name,
        type: g.optimizer.constructor.name,
        lr: g.optimizer.lr,
        step: g.optimizer.stepCount,
        params: g.optimizer.params.length,
      })),
      rngs: Object.fromEntries([...moduleRngs(this.model)].map(([name, rng]) => [name, rngStateToJson(rng.getState())])),
      loader: this.opts.train.getState(),
      hooks: this.hooks.state ? this.hooks.state() : null,
    };
    return { meta, tensors };
  }

  /** Continue from a checkpoint of the same run (same model, groups and loader settings). */
  restore(ckpt: Checkpoint): void {
    const meta = trainState(ckpt);
    const fail = (why: string): never => {
      throw new Error(`Trainer.restore: ${why}`);
    };
    // Check everything that can be checked before changing anything.
    const names = this.groups.map((g) => `${g.name} (${g.optimizer.constructor.name})`).join(', ');
    const saved = meta.optimizers.map((o) => `${o.name} (${o.type})`).join(', ');
    if (names !== saved) fail(`the checkpoint's optimizer groups are ${saved}, this trainer's are ${names}`);
    meta.optimizers.forEach((o, k) => {
      const n = this.groups[k].optimizer.params.length;
      if (o.params !== n) fail(`group '${o.name}' has ${o.params} parameters in the checkpoint, ${n} here`);
    });
    const rngs = moduleRngs(this.model);
    const savedRngs = Object.keys(meta.rngs).sort().join(', ');
    if ([...rngs.keys()].sort().join(', ') !== savedRngs) fail(`the checkpoint's model generators are [${savedRngs}], this model's are [${[...rngs.keys()].sort().join(', ')}]`);
    if ((meta.hooks !== null) !== (this.hooks.loadState !== undefined)) {
      fail(meta.hooks !== null ? 'the checkpoint holds hook state (e.g. quantization) but this trainer has no loadState hook' : 'this trainer has a loadState hook but the checkpoint holds no hook state');
    }
    if (meta.epoch > this.epochs) fail(`the checkpoint is at epoch ${meta.epoch}, beyond this run's ${this.epochs} epochs`);

    const modelState = new Map<string, Tensor>();
    for (const [name, t] of modelTensors(ckpt)) modelState.set(name, t);
    this.model.loadStateDict(modelState);
    meta.optimizers.forEach((o, k) => {
      const opt = this.groups[k].optimizer;
      const slots: Record<string, number[]>[] = opt.params.map(() => ({}));
      const prefix = `optim.${o.name}.`;
      for (const [name, t] of ckpt.tensors) {
        if (!name.startsWith(prefix)) continue;
        const [index, slot] = name.slice(prefix.length).split('.');
        const i = Number(index);
        if (!(i >= 0 && i < slots.length) || !slot) fail(`unexpected tensor '${name}'`);
        slots[i][slot] = Array.from(t.data);
      }
      opt.loadStateDict({ lr: o.lr, step: o.step, slots });
    });
    for (const [name, rng] of rngs) rng.setState(rngStateFromJson(meta.rngs[name]));
    this.opts.train.setState(meta.loader);
    if (this.hooks.loadState) this.hooks.loadState(meta.hooks);
    this.epochsDone = meta.epoch;
    this.steps = meta.step;
    this.records = meta.history.slice();
  }
}

/** Rows [from, to) of a batch tensor, as a view (or a copy, to send to another thread). */
function rows(x: Tensor, from: number, to: number, copy = false): Tensor {
  const per = x.size / x.shape[0];
  const data = copy ? x.data.slice(from * per, to * per) : x.data.subarray(from * per, to * per);
  return new Tensor(data, [to - from, ...x.shape.slice(1)]);
}

/** The training state of a checkpoint, or a clear error if it is some other kind of checkpoint. */
export function trainState(ckpt: Checkpoint): TrainState {
  const meta = ckpt.meta as Partial<TrainState> | null;
  if (!meta || meta.kind !== 'ddq-train') throw new Error(`trainState: not a training checkpoint (kind ${JSON.stringify(meta?.kind)})`);
  return meta as TrainState;
}

/** The model's parameters and buffers stored in a training checkpoint, by their module names. */
export function modelTensors(ckpt: Checkpoint): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [name, t] of ckpt.tensors) {
    if (!name.startsWith(MODEL_PREFIX)) continue;
    if (!(t.data instanceof Float32Array || t.data instanceof Float64Array)) throw new Error(`modelTensors: '${name}' is not a float tensor`);
    out.set(name.slice(MODEL_PREFIX.length), new Tensor(t.data, t.shape));
  }
  return out;
}

/** Restore a trainer from a checkpoint file (see Trainer.restore). */
export function resumeTrainer(trainer: Trainer, file: string): void {
  trainer.restore(loadCheckpoint(file));
}

/** "epoch 3/10  loss 0.1234 acc 96.12%  test loss 0.0456 acc 98.70%  lr 1.00e-3  (12.3 s, 4871 img/s)" */
export function formatEpochLine(r: EpochMetrics, epochs: number): string {
  const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
  const parts = [`epoch ${r.epoch}/${epochs}`, `loss ${r.trainLoss.toFixed(4)} acc ${pct(r.trainAccuracy)}`];
  if (r.extraLoss !== undefined) parts.push(`extra ${r.extraLoss.toFixed(4)}`);
  if (r.testAccuracy !== undefined) parts.push(`test loss ${r.testLoss!.toFixed(4)} acc ${pct(r.testAccuracy)}`);
  const lrs = Object.entries(r.lr);
  parts.push('lr ' + (lrs.length === 1 ? lrs[0][1].toExponential(2) : lrs.map(([n, v]) => `${n} ${v.toExponential(2)}`).join(' ')));
  for (const [key, value] of Object.entries(r)) {
    if (!BUILT_IN_FIELDS.has(key)) parts.push(`${key} ${typeof value === 'number' ? +value.toPrecision(4) : value}`);
  }
  if (r.time) parts.push(`(${r.time.seconds.toFixed(1)} s, ${r.time.imagesPerSecond.toFixed(0)} img/s)`);
  return parts.join('  ');
}
