// The JSON-lines metrics log (<outDir>/metrics.jsonl): one JSON object per finished epoch, so
// any tool (jq, pandas.read_json(lines=True), a spreadsheet import) can plot a run. The log is
// rewritten from the checkpoint's history whenever training (re)starts, so after a crash and a
// resume it holds exactly one line per epoch, as an uninterrupted run's would.
import * as fs from 'fs';
import { writeFileAtomic } from '../../datasets/atomic-write';

export function writeMetricsLog(file: string, records: readonly object[]): void {
  writeFileAtomic(file, records.map((r) => JSON.stringify(r) + '\n').join(''));
}

export function appendMetricsLog(file: string, record: object): void {
  fs.appendFileSync(file, JSON.stringify(record) + '\n');
}

export function readMetricsLog(file: string): Record<string, unknown>[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`readMetricsLog: ${file}: line ${i + 1} is not JSON`);
      }
    });
}
