// `npm run bench [-- suite ...]`: runs every bench/<suite>.bench.ts (or the named ones), one
// after another in this process. Each suite exports `run(): Promise<void> | void`.
import * as fs from 'fs';
import * as path from 'path';

async function main(): Promise<void> {
  const all = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.ts'))
    .map((f) => f.slice(0, -'.bench.ts'.length))
    .sort();
  const wanted = process.argv.slice(2);
  for (const w of wanted) {
    if (!all.includes(w)) throw new Error(`bench: unknown suite '${w}'; available: ${all.join(', ')}`);
  }
  for (const name of wanted.length ? wanted : all) {
    console.log(`\n=== bench suite: ${name} ===`);
    const suite = require(path.join(__dirname, `${name}.bench.ts`)) as { run: () => unknown };
    await suite.run();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
