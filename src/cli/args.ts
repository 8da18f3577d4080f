// A small declarative command-line parser. A command lists its options (name, type, default,
// help) and positionals; parseArgs checks argv against that list and fails with a UsageError
// naming the offending option: unknown options, missing or malformed values, values out of
// range or not among the allowed ones are never silently ignored. formatHelp renders the same
// list as the --help text, so the two cannot drift apart.
//
// Accepted forms: --name value, --name=value, --flag, and `--` to end the options. -h and
// --help anywhere ask for help.

export type OptionValue = number | string | boolean;

export interface OptionSpec {
  /** Long name without dashes, kebab-case: 'batch-size' is given as --batch-size. */
  name: string;
  /** int and float are numbers, enum one of `values`, flag a boolean (no value), string anything. */
  type: 'int' | 'float' | 'string' | 'enum' | 'flag';
  help: string;
  /** Used when the option is not given (flags default to false; none: the value is undefined). */
  default?: OptionValue;
  /** Allowed values of an enum. */
  values?: readonly string[];
  /** Inclusive bounds of int and float values; `above` is an exclusive lower bound. */
  min?: number;
  max?: number;
  above?: number;
  /** Placeholder in the help text (default: the type, or the enum values). */
  valueName?: string;
  /** A string option that may also be given bare (--resume, or --resume <file>); bare gives ''. */
  optionalValue?: boolean;
  /** Extra check on a string value; returns an error message or undefined. */
  validate?(value: string): string | undefined;
  /** Heading this option is listed under in --help. */
  section?: string;
}

export interface PositionalSpec {
  name: string;
  help: string;
  optional?: boolean;
}

export interface CommandSpec {
  /** The words after the program name, e.g. 'train'. */
  name: string;
  summary: string;
  positionals?: PositionalSpec[];
  options: OptionSpec[];
  /** Paragraphs printed after the options. */
  notes?: string;
}

/** Bad command-line input: the message is for the user, no stack trace needed. */
export class UsageError extends Error {}

export class ParsedArgs {
  constructor(
    readonly spec: CommandSpec,
    private readonly values: Map<string, OptionValue | undefined>,
    /** Options given on the command line (as opposed to defaults). */
    readonly given: ReadonlySet<string>,
    readonly positionals: readonly string[],
    readonly help: boolean,
  ) {}

  /** Whether the option was given explicitly. */
  has(name: string): boolean {
    this.option(name);
    return this.given.has(name);
  }

  int(name: string): number {
    return this.typed(name, ['int'], 'number') as number;
  }

  float(name: string): number {
    return this.typed(name, ['float', 'int'], 'number') as number;
  }

  string(name: string): string {
    return this.typed(name, ['string', 'enum'], 'string') as string;
  }

  flag(name: string): boolean {
    return this.typed(name, ['flag'], 'boolean') as boolean;
  }

  /** Every option's value (defaults included), e.g. to save a run's configuration. */
  all(): Record<string, OptionValue | undefined> {
    return Object.fromEntries(this.values);
  }

  private option(name: string): OptionSpec {
    const o = this.spec.options.find((s) => s.name === name);
    if (!o) throw new Error(`ParsedArgs: command '${this.spec.name}' declares no option --${name}`);
    return o;
  }

  private typed(name: string, types: OptionSpec['type'][], js: string): OptionValue {
    const o = this.option(name);
    if (!types.includes(o.type)) throw new Error(`ParsedArgs: --${name} is a ${o.type} option, not ${types[0]}`);
    const v = this.values.get(name);
    if (typeof v !== js) throw new Error(`ParsedArgs: --${name} has no value (not given and no default)`);
    return v!;
  }
}

/** Parse one option's text value, or throw a UsageError naming the option. */
export function parseValue(o: OptionSpec, text: string): OptionValue {
  const bad = (why: string): never => {
    throw new UsageError(`--${o.name}: ${why}`);
  };
  switch (o.type) {
    case 'int':
    case 'float': {
      const v = o.type === 'int' ? (/^[+-]?\d+$/.test(text.trim()) ? Number(text) : NaN) : text.trim() === '' ? NaN : Number(text);
      if (!Number.isFinite(v) || (o.type === 'int' && !Number.isSafeInteger(v))) bad(`'${text}' is not ${o.type === 'int' ? 'an integer' : 'a number'}`);
      if (o.min !== undefined && v < o.min) bad(`must be at least ${o.min}, got ${text}`);
      if (o.max !== undefined && v > o.max) bad(`must be at most ${o.max}, got ${text}`);
      if (o.above !== undefined && !(v > o.above)) bad(`must be greater than ${o.above}, got ${text}`);
      return v;
    }
    case 'enum':
      if (!o.values!.includes(text)) bad(`'${text}' is not valid; choose one of: ${o.values!.join(', ')}`);
      return text;
    case 'string': {
      const why = o.validate?.(text);
      if (why) bad(why);
      return text;
    }
    case 'flag':
      return bad('is a flag and takes no value');
  }
}

export function parseArgs(spec: CommandSpec, argv: readonly string[]): ParsedArgs {
  const byName = new Map(spec.options.map((o) => [o.name, o]));
  const values = new Map<string, OptionValue | undefined>(spec.options.map((o) => [o.name, o.type === 'flag' ? (o.default ?? false) : o.default]));
  const given = new Set<string>();
  const positionals: string[] = [];
  const help = argv.some((a, i) => (a === '--help' || a === '-h') && !argv.slice(0, i).includes('--'));
  if (help) return new ParsedArgs(spec, values, given, positionals, true);
  const command = `ddq ${spec.name}`;

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-' || /^-\d/.test(arg)) {
      positionals.push(arg);
      continue;
    }
    if (!arg.startsWith('--')) throw new UsageError(`unknown option ${arg} (options are spelled --name; see ${command} --help)`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const o = byName.get(name);
    if (!o) throw new UsageError(`unknown option --${name}${suggest(name, [...byName.keys()])}; valid options: ${[...byName.keys()].map((n) => '--' + n).join(', ')}`);
    if (given.has(name)) throw new UsageError(`--${name} is given twice`);
    given.add(name);
    let text: string | undefined = eq < 0 ? undefined : arg.slice(eq + 1);
    if (o.type === 'flag') {
      if (text !== undefined) parseValue(o, text); // throws: flags take no value
      values.set(name, true);
      continue;
    }
    if (text === undefined) {
      // The value is the next argument, unless that looks like an option (negative numbers don't).
      const next = argv[i + 1];
      const looksLikeOption = next === undefined || (next.startsWith('-') && next !== '-' && !/^-\d/.test(next));
      if (!looksLikeOption) {
        text = next;
        i++;
      } else if (o.optionalValue) {
        text = '';
      } else {
        throw new UsageError(`--${name}: needs a value (${valueName(o)})`);
      }
    }
    values.set(name, o.optionalValue && text === '' ? '' : parseValue(o, text));
  }

  const specs = spec.positionals ?? [];
  const required = specs.filter((p) => !p.optional).length;
  if (positionals.length > specs.length) {
    throw new UsageError(`unexpected argument '${positionals[specs.length]}'${specs.length ? '' : ` (${command} takes no positional arguments; options are spelled --name)`}`);
  }
  if (positionals.length < required) throw new UsageError(`missing <${specs[positionals.length].name}>; see ${command} --help`);
  return new ParsedArgs(spec, values, given, positionals, false);
}

/** ", did you mean --x?" for a near miss (edit distance <= 2), else ''. */
function suggest(name: string, names: string[]): string {
  let best = '';
  let bestDist = 3;
  for (const n of names) {
    const d = editDistance(name, n);
    if (d < bestDist) [best, bestDist] = [n, d];
  }
  return best ? ` (did you mean --${best}?)` : '';
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

function valueName(o: OptionSpec): string {
  if (o.valueName) return o.valueName;
  if (o.type === 'enum') return o.values!.join('|');
  return o.type === 'int' ? 'integer' : o.type === 'float' ? 'number' : 'text';
}

/** The --help text of a command. */
export function formatHelp(spec: CommandSpec, program = 'ddq'): string {
  const pos = (spec.positionals ?? []).map((p) => (p.optional ? `[<${p.name}>]` : `<${p.name}>`));
  const lines = [`Usage: ${program} ${spec.name} ${[...pos, '[options]'].join(' ')}`, '', spec.summary, ''];
  const rows: [string, string][] = [];
  for (const p of spec.positionals ?? []) rows.push([`<${p.name}>`, p.help]);
  let section: string | undefined;
  const entries: (string | [string, string])[] = [];
  for (const o of spec.options) {
    if (o.section && o.section !== section) entries.push((section = o.section));
    const value = o.type === 'flag' ? '' : o.optionalValue ? ` [<${valueName(o)}>]` : ` <${valueName(o)}>`;
    const def = o.default === undefined || o.type === 'flag' ? '' : ` (default: ${o.default === '' ? '""' : o.default})`;
    const [first, ...more] = o.help.split('\n');
    const line = first.endsWith(':') ? first.slice(0, -1) + def + ':' : first + def; // "(default: x)" before a list
    entries.push([`--${o.name}${value}`, [line, ...more].join('\n')]);
  }
  entries.push(['-h, --help', 'show this help']);
  const width = Math.min(34, Math.max(...[...rows, ...entries.filter((e): e is [string, string] => Array.isArray(e))].map(([l]) => l.length)) + 2);
  const render = ([left, text]: [string, string]) => {
    const [first, ...rest] = text.split('\n');
    const pad = left.length + 2 > width ? `\n  ${' '.repeat(width)}` : ' '.repeat(width - left.length);
    return [`  ${left}${pad}${first}`, ...rest.map((r) => `  ${' '.repeat(width)}${r}`)].join('\n');
  };
  if (rows.length) lines.push('Arguments:', ...rows.map(render), '');
  if (typeof entries[0] !== 'string') lines.push('Options:');
  entries.forEach((e, i) => lines.push(typeof e === 'string' ? `${i ? '\n' : ''}${e} options:` : render(e)));
  if (spec.notes) lines.push('', spec.notes);
  return lines.join('\n') + '\n';
}
