// --layer-bits: per-layer precision from the command line, e.g. "11=2,3.body.0=4/8" (weight bits,
// optionally /activation bits, by the layer names of the quantization report). A layer named
// here keeps these bits: it does not learn them and stays outside a DDQ budget.
import { UsageError } from './args';

export type LayerBits = Record<string, { weightBits?: number; activationBits?: number }>;

export function parseLayerBits(spec: string): LayerBits {
  const out: LayerBits = {};
  if (spec.trim() === '') return out;
  const bits = (text: string, what: string, entry: string, min: number): number => {
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < min || n > 8) throw new UsageError(`--layer-bits: '${entry}': ${what} bits must be an integer in ${min}..8, got '${text}'`);
    return n;
  };
  for (const entry of spec.split(',').map((e) => e.trim())) {
    const m = /^([^=\s]+)=([^/]*)(?:\/(.*))?$/.exec(entry);
    if (!m) throw new UsageError(`--layer-bits: '${entry}' is not name=W or name=W/A (for example 11=2 or 3.body.0=4/8)`);
    const [, name, w, a] = m;
    if (name in out) throw new UsageError(`--layer-bits: layer '${name}' is given twice`);
    out[name] = { weightBits: bits(w, 'weight', entry, 1), ...(a === undefined ? {} : { activationBits: bits(a, 'activation', entry, 2) }) };
  }
  return out;
}
