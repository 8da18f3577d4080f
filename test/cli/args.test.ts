// The declarative argument parser: every accepted form, defaults, and a clear UsageError for
// every kind of bad input; the help text lists exactly the declared options.
import t from 'tap';
import { CommandSpec, formatHelp, parseArgs, UsageError } from '../../src/cli/args';

const spec: CommandSpec = {
  name: 'demo',
  summary: 'A command for tests.',
  positionals: [{ name: 'input', help: 'a file' }, { name: 'extra', help: 'optional', optional: true }],
  options: [
    { section: 'Main', name: 'epochs', type: 'int', min: 1, default: 10, help: 'epochs' },
    { name: 'lr', type: 'float', above: 0, help: 'learning rate' },
    { name: 'shift', type: 'float', min: -5, max: 5, default: 0, help: 'a signed number' },
    { name: 'net', type: 'enum', values: ['mlp', 'lenet5'], default: 'mlp', help: 'network' },
    { section: 'Other', name: 'name', type: 'string', default: 'run', help: 'a name', validate: (v) => (v.includes('/') ? 'no slashes please' : undefined) },
    { name: 'fast', type: 'flag', help: 'go fast' },
    { name: 'resume', type: 'string', optionalValue: true, help: 'resume' },
  ],
};

const parse = (...argv: string[]) => parseArgs(spec, argv);

t.test('values, defaults and the forms they may take', async (t) => {
  const a = parse('in.bin', '--epochs', '3', '--lr=1e-3', '--shift', '-2.5', '--net', 'lenet5', '--fast');
  t.same(a.positionals, ['in.bin']);
  t.equal(a.int('epochs'), 3);
  t.equal(a.float('lr'), 0.001);
  t.equal(a.float('shift'), -2.5, 'a negative number is a value, not an option');
  t.equal(a.string('net'), 'lenet5');
  t.equal(a.flag('fast'), true);
  t.equal(a.string('name'), 'run', 'default');
  t.ok(a.has('epochs') && !a.has('name'), 'given vs defaulted');
  t.equal(a.all().resume, undefined);
  t.equal(a.help, false);

  t.equal(parse('x', '--resume').string('resume'), '', 'bare optional value');
  t.equal(parse('x', '--resume', '--fast').string('resume'), '', 'an option after it is not its value');
  t.equal(parse('x', '--resume', 'ckpt.ddq').string('resume'), 'ckpt.ddq');
  t.equal(parse('x', '--resume=ckpt.ddq').string('resume'), 'ckpt.ddq');
  t.same(parse('--', '--weird-name', 'b').positionals, ['--weird-name', 'b'], '-- ends the options');
  t.equal(parse('x', '--epochs', '+4').int('epochs'), 4);
  t.ok(parse('--help').help && parse('x', '--bogus', '-h').help, '--help and -h win over anything else');
  t.throws(() => parse('x').int('lr'), { message: /--lr is a float option/ }, 'reading with the wrong type is a programming error');
  t.throws(() => parse('x').float('lr'), { message: /--lr has no value/ });
  t.throws(() => parse('x').has('nope'), { message: /declares no option --nope/ });
});

t.test('bad input is rejected with a message naming the option', async (t) => {
  const cases: [string[], RegExp][] = [
    [['x', '--epoch', '3'], /^unknown option --epoch \(did you mean --epochs\?\); valid options: --epochs, --lr, --shift, --net, --name, --fast, --resume$/],
    [['x', '--zzzzzz'], /^unknown option --zzzzzz; valid options: /],
    [['x', '-e', '3'], /^unknown option -e \(options are spelled --name/],
    [['x', '--epochs', '2.5'], /^--epochs: '2.5' is not an integer$/],
    [['x', '--epochs', 'ten'], /^--epochs: 'ten' is not an integer$/],
    [['x', '--epochs', '0'], /^--epochs: must be at least 1, got 0$/],
    [['x', '--epochs', '99999999999999999999'], /^--epochs: '99999999999999999999' is not an integer$/],
    [['x', '--lr', 'fast'], /^--lr: 'fast' is not a number$/],
    [['x', '--lr', ''], /^--lr: '' is not a number$/],
    [['x', '--lr', '0'], /^--lr: must be greater than 0, got 0$/],
    [['x', '--lr', 'Infinity'], /^--lr: 'Infinity' is not a number$/],
    [['x', '--shift', '7'], /^--shift: must be at most 5, got 7$/],
    [['x', '--net', 'vgg'], /^--net: 'vgg' is not valid; choose one of: mlp, lenet5$/],
    [['x', '--name', 'a/b'], /^--name: no slashes please$/],
    [['x', '--fast=yes'], /^--fast: is a flag and takes no value$/],
    [['x', '--epochs'], /^--epochs: needs a value \(integer\)$/],
    [['x', '--epochs', '--fast'], /^--epochs: needs a value/],
    [['x', '--epochs', '2', '--epochs', '3'], /^--epochs is given twice$/],
    [[], /^missing <input>; see ddq demo --help$/],
    [['a', 'b', 'c'], /^unexpected argument 'c'$/],
  ];
  for (const [argv, message] of cases) {
    let error: unknown = null;
    try {
      parse(...argv);
    } catch (e) {
      error = e;
    }
    t.ok(error instanceof UsageError, `${argv.join(' ') || '(nothing)'}: a UsageError`);
    t.match((error as Error | null)?.message, message, argv.join(' ') || '(nothing)');
  }
});

t.test('help lists every option with its value, default and section', async (t) => {
  const help = formatHelp(spec);
  t.match(help, /^Usage: ddq demo <input> \[<extra>\] \[options\]\n\nA command for tests\.\n/);
  for (const o of spec.options) t.match(help, `--${o.name}`, o.name);
  t.match(help, /--epochs <integer> +epochs \(default: 10\)/);
  t.match(help, /--net <mlp\|lenet5> +network \(default: mlp\)/);
  t.match(help, /--resume \[<text>\] +resume\n/);
  t.match(help, /--fast +go fast\n/);
  t.match(help, /Main options:\n/);
  t.match(help, /\n\nOther options:\n/);
  t.match(help, /<input> +a file/);
  t.match(help, /-h, --help +show this help/);
});
