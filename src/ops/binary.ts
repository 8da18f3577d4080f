// Elementwise binary ops with NumPy broadcasting. Broadcasting is done (and differentiated)
// by `expand`; each op below then only handles two equal shapes: its forward loop and, right
// beside it, the gradients with respect to each operand.
import type { FloatArray } from '../../kernels/float-array';
import { record } from '../autograd/node';
import { Tensor } from '../tensor/tensor';
import { broadcastPair } from './expand';
import { allocFor, asTensor } from './operand';
import { neg } from './unary';

type Loop = (a: FloatArray, b: FloatArray, out: FloatArray) => void;
type Grads = (g: Tensor, a: Tensor, b: Tensor, out: Tensor, needs: readonly boolean[]) => (Tensor | null)[];

function binary(op: string, left: Tensor | number, right: Tensor | number, loop: Loop, grads: Grads): Tensor {
  const [a, b] = broadcastPair(op, asTensor(left, right), asTensor(right, left));
  const out = new Tensor(allocFor(a.size, a, b), a.shape);
  loop(a.data, b.data, out.data);
  return record(op, [a, b], out, (g, needs) => grads(g, a, b, out, needs));
}

/** A tensor of `g`'s shape whose element i is `f(i)`; used by gradients that need a loop. */
function map(g: Tensor, f: (i: number) => number): Tensor {
  const out = new Tensor(allocFor(g.size, g), g.shape);
  for (let i = 0; i < out.size; i++) out.data[i] = f(i);
  return out;
}

export function add(a: Tensor | number, b: Tensor | number): Tensor {
  return binary('add', a, b,
    (x, y, out) => { for (let i = 0; i < out.length; i++) out[i] = x[i] + y[i]; },
    (g) => [g, g]);
}

export function sub(a: Tensor | number, b: Tensor | number): Tensor {
  return binary('sub', a, b,
    (x, y, out) => { for (let i = 0; i < out.length; i++) out[i] = x[i] - y[i]; },
    (g, _a, _b, _o, needs) => [g, needs[1] ? neg(g) : null]);
}

export function mul(a: Tensor | number, b: Tensor | number): Tensor {
  return binary('mul', a, b,
    (x, y, out) => { for (let i = 0; i < out.length; i++) out[i] = x[i] * y[i]; },
    (g, x, y, _o, needs) => [needs[0] ? mul(g, y) : null, needs[1] ? mul(g, x) : null]);
}

export function div(a: Tensor | number, b: Tensor | number): Tensor {
  return binary('div', a, b,
    (x, y, out) => { for (let i = 0; i < out.length; i++) out[i] = x[i] / y[i]; },
    // d(x/y)/dx = 1/y, d(x/y)/dy = -x/y^2 = -out/y
    (g, _x, y, out, needs) => [
      needs[0] ? div(g, y) : null,
      needs[1] ? map(g, (i) => (-g.data[i] * out.data[i]) / y.data[i]) : null,
    ]);
}

export function pow(a: Tensor | number, b: Tensor | number): Tensor {
  return binary('pow', a, b,
    (x, y, out) => { for (let i = 0; i < out.length; i++) out[i] = Math.pow(x[i], y[i]); },
    // d(x^y)/dx = y x^(y-1); d(x^y)/dy = x^y ln x (taken as 0 where x^y is 0, e.g. x = 0)
    (g, x, y, out, needs) => [
      needs[0] ? map(g, (i) => g.data[i] * y.data[i] * Math.pow(x.data[i], y.data[i] - 1)) : null,
      needs[1] ? map(g, (i) => (out.data[i] === 0 ? 0 : g.data[i] * out.data[i] * Math.log(x.data[i]))) : null,
    ]);
}

/** Elementwise maximum; at ties the gradient is split evenly between the operands. */
export function maximum(a: Tensor | number, b: Tensor | number): Tensor {
  return binary('maximum', a, b,
    (x, y, out) => { for (let i = 0; i < out.length; i++) out[i] = x[i] >= y[i] ? x[i] : y[i]; },
    (g, x, y) => pick(g, x, y, 1));
}

/** Elementwise minimum; at ties the gradient is split evenly between the operands. */
export function minimum(a: Tensor | number, b: Tensor | number): Tensor {
  return binary('minimum', a, b,
    (x, y, out) => { for (let i = 0; i < out.length; i++) out[i] = x[i] <= y[i] ? x[i] : y[i]; },
    (g, x, y) => pick(g, x, y, -1));
}

/** Route g to whichever operand won (sign 1: larger, -1: smaller), halves at ties. */
function pick(g: Tensor, x: Tensor, y: Tensor, sign: number): Tensor[] {
  const share = (i: number) => {
    const d = sign * (x.data[i] - y.data[i]);
    return d > 0 ? 1 : d < 0 ? 0 : 0.5;
  };
  return [map(g, (i) => g.data[i] * share(i)), map(g, (i) => g.data[i] * (1 - share(i)))];
}
