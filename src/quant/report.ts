// The per-layer quantization report: what each layer ended with (bits, levels in use, learned
// range), what it costs (parameters, MACs, packed size) and the model totals, as a text table,
// as JSON and as SVG figures (bits per layer; learned levels over a layer's weight histogram).
import type { Module } from '../nn/module';
import { noGrad } from '../autograd/grad-mode';
import { barChartSvg, histogramSvg } from '../report/svg';
import { DdqQuantizer } from './ddq';
import { LsqQuantizer } from './lsq';
import type { Quantizer } from './quantizer';
import { quantizedLayers } from './quantize';
import { modelResources, ModelResources } from './resources';

export interface LayerReport {
  name: string;
  kind: string;
  weightBits: number;
  activationBits: number;
  /** Distinct weight values actually used (at most 2^bits). */
  levelsInUse: number;
  /** Smallest and largest quantization level of the weight quantizer. */
  range: [number, number];
  params: number;
  macs: number;
  sizeBytes: number;
}

export interface QuantReport {
  layers: LayerReport[];
  totals: ModelResources;
}

function quantizerRange(q: Quantizer): [number, number] {
  if (q instanceof DdqQuantizer) {
    const lv = q.mergedLevels(0);
    let lo = lv[0];
    let hi = lv[lv.length - 1];
    for (let g = 1; g < q.groups; g++) {
      const l = q.mergedLevels(g);
      lo = Math.min(lo, l[0]);
      hi = Math.max(hi, l[l.length - 1]);
    }
    return [lo, hi];
  }
  if (q instanceof LsqQuantizer) {
    const [qn, qp] = q.range();
    const s = Math.max(...Array.from(q.step.data));
    return [-qn * s, qp * s];
  }
  return [NaN, NaN];
}

export function quantReport(model: Module): QuantReport {
  const totals = modelResources(model);
  const layers = quantizedLayers(model).map(({ name, layer }, i) => {
    const r = totals.layers[i];
    const wq = noGrad(() => layer.quantizedWeight());
    return {
      name,
      kind: r.kind,
      weightBits: r.weightBits,
      activationBits: r.activationBits,
      levelsInUse: new Set(wq.data).size,
      range: quantizerRange(layer.weightQuantizer),
      params: r.weightCount,
      macs: r.macs,
      sizeBytes: r.weightStorageBits / 8,
    };
  });
  return { layers, totals };
}

const pad = (s: string | number, n: number) => String(s).padStart(n);

export function formatQuantReport(report: QuantReport): string {
  const head = `${'layer'.padEnd(28)} ${pad('kind', 9)} ${pad('w bits', 6)} ${pad('a bits', 6)} ${pad('levels', 6)} ${pad('range', 19)} ${pad('params', 8)} ${pad('MACs', 10)} ${pad('bytes', 8)}`;
  const lines = [head, '-'.repeat(head.length)];
  for (const l of report.layers) {
    const range = Number.isNaN(l.range[0]) ? '-' : `[${l.range[0].toFixed(3)}, ${l.range[1].toFixed(3)}]`;
    lines.push(
      `${l.name.padEnd(28)} ${pad(l.kind, 9)} ${pad(l.weightBits, 6)} ${pad(l.activationBits, 6)} ${pad(l.levelsInUse, 6)} ${pad(range, 19)} ${pad(l.params, 8)} ${pad(l.macs, 10)} ${pad(l.sizeBytes.toFixed(0), 8)}`,
    );
  }
  const t = report.totals;
  lines.push('-'.repeat(head.length));
  lines.push(`average weight bits ${t.averageWeightBits.toFixed(2)} (learned layers ${t.averageLearnedWeightBits.toFixed(2)}), ` +
    `size ${(t.sizeBytes / 1024).toFixed(1)} KiB vs fp32 ${(t.fp32Bytes / 1024).toFixed(1)} KiB (${(t.fp32Bytes / t.sizeBytes).toFixed(1)}x smaller), ` +
    `${(t.macs / 1e6).toFixed(2)} M MACs, ${(t.bitOps / 1e9).toFixed(3)} G BitOPs`);
  return lines.join('\n');
}

export function bitsPerLayerSvg(report: QuantReport, title = 'Bits per layer'): string {
  return barChartSvg(title, report.layers.map((l) => `${l.name} (${l.kind})`), [
    { name: 'weight bits', color: '#1f77b4', values: report.layers.map((l) => l.weightBits) },
    { name: 'activation bits', color: '#ff7f0e', values: report.layers.map((l) => l.activationBits) },
  ], 'bits');
}

/** The learned levels of one layer's weight quantizer over the histogram of its float weights. */
export function levelsSvg(model: Module, layerName: string): string {
  const found = quantizedLayers(model).find((l) => l.name === layerName);
  if (!found) throw new Error(`levelsSvg: no quantized layer named '${layerName}'`);
  const q = found.layer.weightQuantizer;
  const levels = q instanceof DdqQuantizer ? q.mergedLevels(0) : Float64Array.from(new Set(noGrad(() => found.layer.quantizedWeight()).data));
  return histogramSvg(`${layerName}: ${q.bits()}-bit levels over the weight histogram`, found.layer.weight.data, levels);
}
