// Our integer runtime (src/deploy: convertToInteger + IntegerRuntime) as a bench contender,
// behind a check: the peer benchmark runs with or without it and picks it up once src/deploy
// exists. It is loaded with require() and typed by the few members used here, so this file
// compiles whether or not src/deploy is present.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { Module } from '../../src/nn/module';

export interface OurIntRuntime {
  /** What was built, for the report. */
  description: string;
  /** Logits [n, classes] for n NCHW float images. */
  infer(x: Float32Array, n: number): Float32Array;
}

export type OurIntRuntimeResult = { runtime: OurIntRuntime } | { missing: string };

/** The parts of src/deploy this bench uses. */
interface DeployApi {
  convertToInteger(model: Module, opts: { inputShape: readonly [number, number, number] }): unknown;
  IntegerRuntime: new (model: unknown) => { run(x: Float32Array, batch: number): Float32Array };
}

const DEPLOY = path.join(__dirname, '..', '..', 'src', 'deploy');
const FILES = { convertToInteger: 'convert.ts', IntegerRuntime: 'integer-runtime.ts' } as const;

/** Load src/deploy's converter and runtime, or say what is missing. */
function loadDeploy(): DeployApi | string {
  const api: Partial<Record<keyof DeployApi, unknown>> = {};
  for (const [name, file] of Object.entries(FILES) as [keyof DeployApi, string][]) {
    const full = path.join(DEPLOY, file);
    if (!fs.existsSync(full)) return `src/deploy/${file} does not exist (integer runtime not landed)`;
    const mod = require(full) as Record<string, unknown>;
    if (typeof mod[name] !== 'function') return `src/deploy/${file} does not export ${name} (exports: ${Object.keys(mod).join(', ')})`;
    api[name] = mod[name];
  }
  return api as DeployApi;
}

/**
 * The integer model of `quantized` (a quantize()d model, calibrated or trained, eval mode) on
 * src/deploy's runtime; or why it is not available.
 */
export function ourIntRuntime(quantized: Module, inputShape: [number, number, number], description: string): OurIntRuntimeResult {
  try {
    const deploy = loadDeploy();
    if (typeof deploy === 'string') return { missing: deploy };
    const intModel = deploy.convertToInteger(quantized, { inputShape });
    const runtime = new deploy.IntegerRuntime(intModel);
    return { runtime: { description, infer: (x, n) => runtime.run(x, n) } };
  } catch (err) {
    // Reported in the results rather than thrown: the peer figures stay useful meanwhile.
    return { missing: `src/deploy failed on this model: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** Which src/deploy was measured: its last commit, and whether the working copy differs. */
export function deployVersion(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: DEPLOY, encoding: 'utf8' }).trim();
    const commit = git('log', '-1', '--format=%h %cs', '--', '.');
    const dirty = git('status', '--porcelain', '--', '.');
    return `${commit ? `commit ${commit}` : 'never committed'}${dirty ? ', with uncommitted changes' : ''}`;
  } catch {
    return 'version unknown (no git)';
  }
}
