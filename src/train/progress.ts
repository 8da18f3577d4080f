// Progress of one training epoch. On a terminal: a bar redrawn in place (at most 10 times a
// second) with samples/s, running loss and accuracy, and the time left. Elsewhere (a log file,
// CI): a plain line every 30 seconds, so long epochs still show signs of life without
// flooding the log with carriage returns.

/** Where human-readable output goes: process.stdout, or a string collector in tests. */
export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const two = (v: number) => String(v).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s % 60)}` : `${m}:${two(s % 60)}`;
}

export class Progress {
  private readonly start = performance.now();
  /** When the last line was drawn: a terminal gets its bar at once, a log its first line after a while. */
  private lastDraw: number;
  private drawn = false;

  constructor(
    private readonly out: Output,
    private readonly label: string,
    private readonly total: number,
    private readonly plainEverySeconds = 30,
  ) {
    this.lastDraw = out.isTTY ? -Infinity : this.start;
  }

  /** `done` samples of `total` so far, with the running mean loss and accuracy. */
  update(done: number, loss: number, accuracy: number): void {
    const now = performance.now();
    const tty = this.out.isTTY === true;
    if (now - this.lastDraw < (tty ? 100 : this.plainEverySeconds * 1000) && done < this.total) return;
    if (!tty && done >= this.total) return; // the epoch summary line follows anyway
    this.lastDraw = now;
    const seconds = (now - this.start) / 1000;
    const rate = done / Math.max(seconds, 1e-9);
    const pct = Math.floor((100 * done) / this.total);
    const stats = `${done}/${this.total} loss ${loss.toFixed(4)} acc ${(100 * accuracy).toFixed(2)}% ${rate.toFixed(0)} img/s ETA ${formatDuration((this.total - done) / rate)}`;
    if (tty) {
      const width = 24;
      const filled = Math.round((width * done) / this.total);
      const bar = '='.repeat(filled) + (filled < width ? '>' + ' '.repeat(width - filled - 1) : '');
      let line = `${this.label} [${bar}] ${String(pct).padStart(3)}% ${stats}`;
      if (this.out.columns && line.length >= this.out.columns) line = line.slice(0, this.out.columns - 1);
      this.out.write(`\r${line}\x1b[K`);
      this.drawn = true;
    } else {
      this.out.write(`${this.label} ${pct}% ${stats}\n`);
    }
  }

  /** Erase the bar so the next line starts clean. */
  finish(): void {
    if (this.drawn) this.out.write('\r\x1b[K');
    this.drawn = false;
  }
}
