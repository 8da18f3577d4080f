// Timing for contenders of which some are async (ORT's session.run returns a promise) and some
// are not (ours): every contender is timed the same way, by hand, with process.hrtime around
// `reps` back-to-back awaited calls, in interleaved rounds (A B C, A B C, ...) so load drifting on
// the shared machine hits all of them alike. Ratios are taken within each round (paired).
import type { Timing } from '../harness';

export interface Contender {
  name: string;
  /** One inference of the whole batch; may return a promise, which is awaited. */
  run: () => unknown;
}

export interface InterleavedOptions {
  /** Untimed calls per contender before the first round. */
  warmup?: number;
  rounds?: number;
  /** Calls per contender per round; a round's figure is their mean. */
  reps?: number;
}

export interface InterleavedResult {
  /** Seconds per call, one entry per round, for each contender (by name). */
  rounds: Map<string, number[]>;
}

export async function timeInterleaved(contenders: Contender[], opts: InterleavedOptions = {}): Promise<InterleavedResult> {
  const warmup = opts.warmup ?? 2;
  const rounds = opts.rounds ?? 5;
  const reps = opts.reps ?? 3;
  const names = new Set(contenders.map((c) => c.name));
  if (names.size !== contenders.length) throw new Error('timeInterleaved: contender names must be distinct');
  for (const c of contenders) for (let i = 0; i < warmup; i++) await c.run();
  const out = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const c of contenders) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < reps; i++) await c.run();
      out.get(c.name)!.push(Number(process.hrtime.bigint() - t0) / 1e9 / reps);
    }
  }
  return { rounds: out };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** A contender's rounds as a harness Timing: the median round, with its spread as rme. */
export function summarize(name: string, secondsPerRound: number[]): Timing & { best: number } {
  const med = median(secondsPerRound);
  const mean = secondsPerRound.reduce((a, b) => a + b, 0) / secondsPerRound.length;
  const sd = Math.sqrt(secondsPerRound.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, secondsPerRound.length - 1));
  return { name, seconds: med, rme: (100 * sd) / mean / Math.sqrt(secondsPerRound.length), samples: secondsPerRound.length, best: Math.min(...secondsPerRound) };
}

/** Per-round ratios base/other (how many times faster `other` is): median, min and max. */
export function pairedRatio(base: number[], other: number[]): { median: number; min: number; max: number } {
  const r = base.map((b, i) => b / other[i]);
  return { median: median(r), min: Math.min(...r), max: Math.max(...r) };
}
