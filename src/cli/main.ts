// The `ddq` command: dispatch to a subcommand, print help, and turn errors into messages and
// exit codes (0 success, 1 failure, 2 bad command line). main() takes argv and the output
// streams as arguments so tests can run the whole command in-process.
//   npx ts-node src/cli/main.ts train --help      or, installed:  ddq train --help
import { formatHelp, parseArgs, UsageError } from './args';
import type { CliIo, Command } from './command';

/**
 * The subcommands, in the order `ddq --help` lists them. Each is loaded only when used, so
 * `ddq --help` does not compile the whole library first (ts-node compiles on the fly).
 */
export const COMMANDS: { name: string; summary: string; load(): Promise<Command> }[] = [
  { name: 'train', summary: 'Train a classifier, with a checkpoint after every epoch.', load: async () => (await import('./train-command')).trainCommand },
  { name: 'eval', summary: 'Report the test accuracy and loss of a trained checkpoint.', load: async () => (await import('./eval-command')).evalCommand },
  { name: 'export', summary: 'Write the integer model file of a quantized checkpoint.', load: async () => (await import('./export-command')).exportCommand },
  { name: 'infer', summary: 'Run an integer model file: accuracy, agreement, speed, size.', load: async () => (await import('./infer-command')).inferCommand },
];

export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 3;
  return [
    'Usage: ddq <command> [options]',
    '',
    'Train and evaluate neural networks in pure TypeScript (ddq-ts).',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    "Run 'ddq <command> --help' for a command's options. Set DDQ_DEBUG=1 for stack traces.",
    '',
  ].join('\n');
}

export async function main(argv: readonly string[], io: CliIo = { out: process.stdout, err: process.stderr }): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    (name === undefined ? io.err : io.out).write(usage());
    return name === undefined ? 2 : 0;
  }
  const help = name === 'help'; // ddq help <command>
  const entry = COMMANDS.find((c) => c.name === (help ? rest[0] : name));
  if (!entry) {
    if (help && rest[0] === undefined) {
      io.out.write(usage());
      return 0;
    }
    io.err.write(`ddq: unknown command '${help ? rest[0] : name}'; commands: ${COMMANDS.map((c) => c.name).join(', ')} (see ddq --help)\n`);
    return 2;
  }
  const command = await entry.load();
  if (help) {
    io.out.write(formatHelp(command.spec));
    return 0;
  }
  try {
    const args = parseArgs(command.spec, rest);
    if (args.help) {
      io.out.write(formatHelp(command.spec));
      return 0;
    }
    return await command.run(args, io);
  } catch (err) {
    const e = err as Error;
    io.err.write(`ddq ${name}: ${process.env.DDQ_DEBUG ? e.stack : e.message}\n`);
    return err instanceof UsageError ? 2 : 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
