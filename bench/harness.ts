// Shared timing and reporting for every bench suite. Machines here are shared and noisy, so
// suites report ratios between implementations measured in the same process, never bare times.
import Benchmark from 'benchmark';
import * as fs from 'fs';
import * as path from 'path';

export interface Timing {
  name: string;
  /** Mean seconds per call. */
  seconds: number;
  /** Relative margin of error of the mean, in percent. */
  rme: number;
  samples: number;
}

export interface MeasureOptions {
  /** Minimum seconds spent sampling (benchmark.js `maxTime`). */
  maxTime?: number;
  minSamples?: number;
}

/** Time `fn` with benchmark.js (warm-up, adaptive iteration count, statistics). */
export function measure(name: string, fn: () => void, opts: MeasureOptions = {}): Timing {
  const bench = new Benchmark(name, fn, {
    maxTime: opts.maxTime ?? 2,
    minSamples: opts.minSamples ?? 5,
    initCount: 1,
  });
  bench.run({ async: false });
  if (bench.error) throw bench.error;
  return { name, seconds: bench.stats.mean, rme: bench.stats.rme, samples: bench.stats.sample.length };
}

/** Time a slow function a fixed number of times (for peers that take seconds per call). */
export function measureSlow(name: string, fn: () => void, repeats = 3): Timing {
  fn(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  const sd = Math.sqrt(times.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, times.length - 1));
  return { name, seconds: mean, rme: (100 * sd) / mean / Math.sqrt(times.length), samples: times.length };
}

/** A markdown table; `rows` are arrays of cells already formatted as strings. */
export function markdownTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export function fmtSeconds(s: number): string {
  if (s >= 1) return `${s.toFixed(2)} s`;
  if (s >= 1e-3) return `${(s * 1e3).toFixed(2)} ms`;
  return `${(s * 1e6).toFixed(1)} us`;
}

export function fmtRatio(r: number): string {
  return r >= 10 ? `${r.toFixed(0)}x` : `${r.toFixed(2)}x`;
}

/** Machine facts recorded with every result file so numbers can be compared later. */
export function machineLine(): string {
  const os = require('os') as typeof import('os');
  return `node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown cpu'}, ${os.cpus().length} cores, ${new Date().toISOString()}`;
}

/** Print a report and write it to bench/results/<name>.md. */
export function writeReport(name: string, title: string, body: string): string {
  const text = `# ${title}\n\n${machineLine()}\n\n${body}\n`;
  const dir = path.join(__dirname, 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.md`);
  fs.writeFileSync(file + '.tmp', text);
  fs.renameSync(file + '.tmp', file);
  console.log(text);
  console.log(`written to ${path.relative(process.cwd(), file)}`);
  return file;
}
