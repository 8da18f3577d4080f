// Shared by the convolution tests: random geometries covering the awkward cases, and a checker
// that runs a fast forward/backward set against the references.
import { Rng } from '../../src/tensor/rng';
import { Conv2dParams, conv2dOutputSize, conv2dShapes } from '../../kernels/conv2d-params';
import {
  conv2dBackwardBiasReference, conv2dBackwardInputReference, conv2dBackwardWeightReference, conv2dReference,
} from '../../kernels/conv2d-reference';
import { FloatArray } from '../../kernels/float-array';
import { absArray, assertClose, Asserter, randomArray, TOL32, TOL64 } from './float-compare';

export type Kind = 'f32' | 'f64';

export function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function describe(p: Conv2dParams): string {
  return `n${p.n} c${p.cIn}->${p.cOut} ${p.h}x${p.w} k${p.kh}x${p.kw} s${p.strideH},${p.strideW} ` +
    `p${p.padH},${p.padW} d${p.dilationH},${p.dilationW} g${p.groups}`;
}

/** A random valid geometry; `groupsMode` picks dense, 2 groups, depthwise or channel multiplier. */
export function randomConv(rng: Rng, groupsMode: 'dense' | 'two' | 'depthwise' | 'multiplier'): Conv2dParams {
  for (;;) {
    const pick = <T>(xs: T[]): T => xs[rng.int(0, xs.length)];
    const kh = pick([1, 1, 2, 3, 3, 5]);
    const kw = rng.uniform() < 0.7 ? kh : pick([1, 2, 3, 4]);
    let cIn: number, cOut: number, groups: number;
    if (groupsMode === 'dense') { cIn = rng.int(1, 6); cOut = rng.int(1, 6); groups = 1; }
    else if (groupsMode === 'two') { cIn = 2 * rng.int(1, 4); cOut = 2 * rng.int(1, 4); groups = 2; }
    else if (groupsMode === 'depthwise') { cIn = rng.int(1, 7); cOut = cIn; groups = cIn; }
    else { cIn = rng.int(1, 4); cOut = cIn * rng.int(2, 4); groups = cIn; }
    const p: Conv2dParams = {
      n: pick([1, 1, 2, 3]), cIn, cOut, groups,
      h: rng.int(1, 18), w: rng.int(1, 18), kh, kw,
      strideH: pick([1, 1, 2, 3]), strideW: pick([1, 1, 2]),
      padH: pick([0, 1, 2]), padW: pick([0, 1, 2]),
      dilationH: pick([1, 1, 2]), dilationW: pick([1, 1, 2]),
    };
    const { outH, outW } = conv2dOutputSize(p);
    if (outH >= 1 && outW >= 1) return p;
  }
}

export interface ConvKernels {
  forward(p: Conv2dParams, x: FloatArray, w: FloatArray, bias: FloatArray | null, y: FloatArray): void;
  backwardInput(p: Conv2dParams, dy: FloatArray, w: FloatArray, dx: FloatArray): void;
  backwardWeight(p: Conv2dParams, x: FloatArray, dy: FloatArray, dw: FloatArray): void;
  backwardBias?(p: Conv2dParams, dy: FloatArray, dbias: FloatArray): void;
}

function nanFilled(kind: Kind, length: number): FloatArray {
  return (kind === 'f32' ? new Float32Array(length) : new Float64Array(length)).fill(NaN);
}

/**
 * Runs forward, backward-input, backward-weight (and bias) of `k` against the references on
 * random data; outputs start as NaN so anything not overwritten shows. Returns the number of
 * failed comparisons (each failure is also asserted, with details).
 */
export function checkAgainstReference(t: Asserter, rng: Rng, k: ConvKernels, p: Conv2dParams, kind: Kind): number {
  const s = conv2dShapes(p);
  const tol = kind === 'f32' ? TOL32 : TOL64;
  const x = randomArray(rng, kind, size(s.x));
  const w = randomArray(rng, kind, size(s.w));
  const bias = rng.uniform() < 0.5 ? randomArray(rng, kind, size(s.bias)) : null;
  const dy = randomArray(rng, kind, size(s.y));
  const label = `${kind} ${describe(p)}`;
  let failures = 0;
  const check = (actual: FloatArray, expected: Float64Array, scale: Float64Array, what: string) => {
    if (!assertClose(t, actual, expected, tol, `${what} ${label}`, scale)) failures++;
  };

  const y = nanFilled(kind, size(s.y));
  const yRef = new Float64Array(size(s.y));
  const yScale = new Float64Array(size(s.y));
  k.forward(p, x, w, bias, y);
  conv2dReference(p, x, w, bias, yRef);
  conv2dReference(p, absArray(x), absArray(w), bias ? absArray(bias) : null, yScale);
  check(y, yRef, yScale, 'forward');

  const dx = nanFilled(kind, size(s.x));
  const dxRef = new Float64Array(size(s.x));
  const dxScale = new Float64Array(size(s.x));
  k.backwardInput(p, dy, w, dx);
  conv2dBackwardInputReference(p, dy, w, dxRef);
  conv2dBackwardInputReference(p, absArray(dy), absArray(w), dxScale);
  check(dx, dxRef, dxScale, 'backwardInput');

  const dw = nanFilled(kind, size(s.w));
  const dwRef = new Float64Array(size(s.w));
  const dwScale = new Float64Array(size(s.w));
  k.backwardWeight(p, x, dy, dw);
  conv2dBackwardWeightReference(p, x, dy, dwRef);
  conv2dBackwardWeightReference(p, absArray(x), absArray(dy), dwScale);
  check(dw, dwRef, dwScale, 'backwardWeight');

  if (k.backwardBias) {
    const db = nanFilled(kind, p.cOut);
    const dbRef = new Float64Array(p.cOut);
    const dbScale = new Float64Array(p.cOut);
    k.backwardBias(p, dy, db);
    conv2dBackwardBiasReference(p, dy, dbRef);
    conv2dBackwardBiasReference(p, absArray(dy), dbScale);
    check(db, dbRef, dbScale, 'backwardBias');
  }
  return failures;
}

/** Checks many geometries with at most a few detailed failure reports plus one summary. */
export function checkMany(t: Asserter, rng: Rng, k: ConvKernels, cases: Array<[Conv2dParams, Kind]>, what: string): void {
  let failures = 0;
  const quiet: Asserter = { ok: (v, msg) => { if (!v && failures < 5) t.ok(v, msg); } };
  for (const [p, kind] of cases) failures += checkAgainstReference(quiet, rng, k, p, kind) > 0 ? 1 : 0;
  t.ok(failures === 0, `${what}: ${cases.length} geometries, ${failures} failing`);
}

/** Sum of a[i]*b[i] in double. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
