// Where a DDQ training step spends its time beyond a full-precision one: CPU milliseconds per
// step for each op (forward and backward) and each quantizer, for the ddq-step bench's three
// configurations interleaved step by step in one process (the machine is shared; CPU time of
// whole steps and per op, summed over many steps, is steadier than wall time). The timers wrap
// module exports, so they see every call the models make; they add a little to every op alike.
//   npx ts-node --transpile-only bench/ddq-step-breakdown.ts [steps]
import * as nodeModule from '../src/autograd/node';
import * as conv from '../src/ops/conv2d';
import * as bnRelu from '../src/ops/batch-norm-relu';
import * as bn from '../src/ops/batch-norm';
import * as binary from '../src/ops/binary';
import * as budget from '../src/quant/budget';
import { DdqQuantizer } from '../src/quant/ddq';
import { LsqQuantizer } from '../src/quant/lsq';
import { Tensor } from '../src/tensor/tensor';
import { setup } from './ddq-step.bench';

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e3;
};
const totals = new Map<string, number>();
let current = '';
const tally = (what: string, ms: number) => totals.set(`${current}|${what}`, (totals.get(`${current}|${what}`) ?? 0) + ms);

// Backward: every recorded op's closure. Forward: the ops the net calls and the quantizers.
const record = nodeModule.record;
Object.assign(nodeModule, {
  record: (op: string, inputs: Tensor[], out: Tensor, bw: nodeModule.BackwardFn) => {
    const name = op === 'conv2d' && inputs[0].shape[1] === 1 ? 'conv2d (first layer)' : op;
    return record(op, inputs, out, (g, needs, gradOwned) => {
      const t0 = cpuMs();
      const grads = bw(g, needs, gradOwned);
      tally(`backward ${name}`, cpuMs() - t0);
      return grads;
    });
  },
});
for (const [mod, name] of [[conv, 'conv2d'], [bnRelu, 'batchNorm2dRelu'], [bn, 'batchNorm2d'], [binary, 'add'], [budget, 'budgetPenalty']] as const) {
  const f = (mod as Record<string, unknown>)[name] as (...a: unknown[]) => unknown;
  Object.assign(mod, {
    [name]: (...a: unknown[]) => {
      const t0 = cpuMs();
      const r = f(...a);
      tally(`forward ${name}`, cpuMs() - t0);
      return r;
    },
  });
}
for (const [C, label] of [[DdqQuantizer, 'DDQ'], [LsqQuantizer, 'LSQ']] as const) {
  const f = C.prototype.forward;
  C.prototype.forward = function (this: DdqQuantizer | LsqQuantizer, x: Tensor) {
    const t0 = cpuMs();
    const r = f.call(this, x);
    tally(`forward ${label} ${this.kind} quantizer`, cpuMs() - t0);
    return r;
  };
}

// The whole backward pass, to put the per-op backward times in proportion.
const backward = Tensor.prototype.backward;
Tensor.prototype.backward = function (this: Tensor, gradient?: Tensor) {
  const t0 = cpuMs();
  backward.call(this, gradient);
  tally('backward (all)', cpuMs() - t0);
};

const steps = Number(process.argv[2] ?? 10);
const configs: [string, () => void][] = [['fp', setup('none')], ['ddq', setup('ddq')], ['lsq', setup('lsq')]];
for (let warm = 0; warm < 3; warm++) {
  for (const [name, step] of configs) {
    current = name;
    step();
  }
}
totals.clear();
for (let i = 0; i < steps; i++) {
  for (const [name, step] of configs) {
    current = name;
    const t0 = cpuMs();
    step();
    tally('STEP', cpuMs() - t0);
  }
}
const rows = [...new Set([...totals.keys()].map((k) => k.split('|')[1]))].sort();
const per = (config: string, row: string) => (totals.get(`${config}|${row}`) ?? 0) / steps;
console.log(`CPU ms per step, mean of ${steps} interleaved steps`);
console.log(`${'op'.padEnd(36)}${configs.map(([c]) => c.padStart(9)).join('')}   ddq-fp`);
for (const row of rows) {
  const v = configs.map(([c]) => per(c, row));
  if (Math.max(...v) < 0.5) continue;
  console.log(`${row.padEnd(36)}${v.map((t) => t.toFixed(1).padStart(9)).join('')}${(v[1] - v[0]).toFixed(1).padStart(9)}`);
}
console.log(`ratio to fp: ddq ${(per('ddq', 'STEP') / per('fp', 'STEP')).toFixed(2)}x, lsq ${(per('lsq', 'STEP') / per('fp', 'STEP')).toFixed(2)}x`);
