// Runs the *.test.ts files of some folders in this one process. tap starts a process (with its
// loaders and the TypeScript compiler) for every file it runs, about 2 s of CPU each; grouping
// the ~60 files into a few suites keeps the whole suite well under 5 minutes on 2 cores. Any
// test file still runs on its own: npx tap test/<folder>/<file>.test.ts
import * as fs from 'fs';
import * as path from 'path';

export function runSuite(...folders: string[]): void {
  for (const folder of folders) {
    const dir = path.join(__dirname, folder);
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.test.ts')).sort()) {
      require(path.join(dir, file));
    }
  }
}

/** Every folder holding test files, relative to test/ (for the check that each is in a suite). */
export function testFolders(dir = __dirname, prefix = ''): string[] {
  const out: string[] = [];
  const entries = fs.readdirSync(dir, { withFileTypes: true });
  if (entries.some((e) => e.isFile() && e.name.endsWith('.test.ts'))) out.push(prefix || '.');
  for (const e of entries) if (e.isDirectory()) out.push(...testFolders(path.join(dir, e.name), prefix ? `${prefix}/${e.name}` : e.name));
  return out;
}
