// Every folder with test files belongs to exactly one suite, so no test is silently skipped.
import t from 'tap';
import * as fs from 'fs';
import * as path from 'path';
import { testFolders } from './run-suite';

t.test('each test folder is in exactly one suite', async (t) => {
  const suites = fs.readdirSync(__dirname).filter((f) => f.endsWith('.suite.ts') && f !== 'suites.suite.ts');
  const claimed = new Map<string, string[]>();
  for (const s of suites) {
    const text = fs.readFileSync(path.join(__dirname, s), 'utf8');
    const call = /runSuite\(([^)]*)\)/.exec(text);
    for (const m of (call?.[1] ?? '').matchAll(/'([^']+)'/g)) claimed.set(m[1], [...(claimed.get(m[1]) ?? []), s]);
  }
  for (const folder of testFolders()) t.same(claimed.get(folder)?.length, 1, `test/${folder} is run by exactly one suite (${claimed.get(folder)?.join(', ') ?? 'none'})`);
});
