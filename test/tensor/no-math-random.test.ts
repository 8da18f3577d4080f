// Determinism rests on one seeded generator: no source file may call the global one.
import t from 'tap';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');
const FORBIDDEN = ['Math', 'random'].join('.'); // spelled so this file does not match itself

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'results' ? [] : sources(p);
    return /\.(ts|js)$/.test(e.name) ? [p] : [];
  });
}

t.test(`no ${FORBIDDEN} in the sources`, async (t) => {
  const files = ['src', 'kernels', 'nets', 'datasets', 'scripts', 'bench', 'bin', 'test'].flatMap((d) => sources(path.join(ROOT, d)));
  t.ok(files.length > 100, `${files.length} source files scanned`);
  const offenders = files.filter((f) => fs.readFileSync(f, 'utf8').includes(FORBIDDEN)).map((f) => path.relative(ROOT, f));
  t.same(offenders, [], 'files using the unseeded generator');
});
