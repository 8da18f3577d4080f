// Minimal SVG charts for run reports (no dependencies): grouped bar charts and a histogram with
// marker lines. Output is a self-contained SVG string.

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v: number) => (Math.abs(v) >= 100 || Number.isInteger(v) ? String(Math.round(v * 100) / 100) : v.toPrecision(3));

export interface BarSeries {
  name: string;
  color: string;
  values: number[];
}

/** Grouped vertical bars, one group per label. */
export function barChartSvg(title: string, labels: string[], series: BarSeries[], yLabel: string): string {
  const width = Math.max(480, 60 + labels.length * (12 * series.length + 10));
  const height = 320;
  const left = 50;
  const bottom = 90;
  const top = 36;
  const plotH = height - top - bottom;
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const groupW = (width - left - 20) / Math.max(1, labels.length);
  const barW = Math.max(2, (groupW - 6) / series.length);
  const parts: string[] = [];
  parts.push(`<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`);
  for (let t = 0; t <= 4; t++) {
    const v = (max * t) / 4;
    const y = top + plotH - (plotH * t) / 4;
    parts.push(`<line x1="${left}" x2="${width - 20}" y1="${y}" y2="${y}" stroke="#ddd"/>`);
    parts.push(`<text x="${left - 6}" y="${y + 4}" text-anchor="end" font-size="10">${fmt(v)}</text>`);
  }
  parts.push(`<text x="14" y="${top + plotH / 2}" font-size="11" transform="rotate(-90 14 ${top + plotH / 2})" text-anchor="middle">${esc(yLabel)}</text>`);
  labels.forEach((label, i) => {
    const gx = left + i * groupW + 3;
    series.forEach((s, k) => {
      const v = s.values[i] ?? 0;
      const h = (plotH * v) / max;
      parts.push(`<rect x="${(gx + k * barW).toFixed(1)}" y="${(top + plotH - h).toFixed(1)}" width="${(barW - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${s.color}"><title>${esc(`${label} ${s.name}: ${fmt(v)}`)}</title></rect>`);
    });
    const lx = gx + groupW / 2;
    parts.push(`<text x="${lx.toFixed(1)}" y="${top + plotH + 10}" font-size="9" text-anchor="end" transform="rotate(-60 ${lx.toFixed(1)} ${top + plotH + 10})">${esc(label)}</text>`);
  });
  series.forEach((s, k) => {
    parts.push(`<rect x="${left + k * 110}" y="${height - 16}" width="10" height="10" fill="${s.color}"/>`);
    parts.push(`<text x="${left + k * 110 + 14}" y="${height - 7}" font-size="11">${esc(s.name)}</text>`);
  });
  return svgDocument(width, height, parts);
}

/** A histogram of `values` with vertical marker lines (e.g. quantization levels). */
export function histogramSvg(title: string, values: ArrayLike<number>, markers: ArrayLike<number>, bins = 80): string {
  const width = 640;
  const height = 300;
  const left = 50;
  const top = 36;
  const plotW = width - left - 20;
  const plotH = height - top - 40;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    lo = Math.min(lo, values[i]);
    hi = Math.max(hi, values[i]);
  }
  for (let i = 0; i < markers.length; i++) {
    lo = Math.min(lo, markers[i]);
    hi = Math.max(hi, markers[i]);
  }
  if (!(hi > lo)) hi = lo + 1;
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) counts[Math.min(bins - 1, Math.floor(((values[i] - lo) / (hi - lo)) * bins))]++;
  const max = Math.max(1, ...counts);
  const x = (v: number) => left + ((v - lo) / (hi - lo)) * plotW;
  const parts: string[] = [`<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`];
  counts.forEach((c, b) => {
    const h = (plotH * c) / max;
    parts.push(`<rect x="${(left + (b * plotW) / bins).toFixed(1)}" y="${(top + plotH - h).toFixed(1)}" width="${(plotW / bins - 0.5).toFixed(1)}" height="${h.toFixed(1)}" fill="#9ecae1"/>`);
  });
  for (let i = 0; i < markers.length; i++) {
    const mx = x(markers[i]).toFixed(1);
    parts.push(`<line x1="${mx}" x2="${mx}" y1="${top}" y2="${top + plotH}" stroke="#d62728" stroke-width="1"><title>${fmt(markers[i])}</title></line>`);
  }
  parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${top + plotH}" y2="${top + plotH}" stroke="#333"/>`);
  parts.push(`<text x="${left}" y="${top + plotH + 16}" font-size="10">${fmt(lo)}</text>`);
  parts.push(`<text x="${left + plotW}" y="${top + plotH + 16}" font-size="10" text-anchor="end">${fmt(hi)}</text>`);
  parts.push(`<text x="${left + plotW / 2}" y="${top + plotH + 30}" font-size="11" text-anchor="middle">weights (bars) and learned levels (red lines)</text>`);
  return svgDocument(width, height, parts);
}

function svgDocument(width: number, height: number, parts: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
