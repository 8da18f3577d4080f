// The `ddq` command: dispatch to a subcommand, print help, and turn errors into messages and
// exit codes (0 success, 1 failure, 2 bad command line). main() takes argv and the output
// streams as arguments so tests can run the whole command in-process.
//   npx ts-node src/cli/main.ts train --help      or, installed:  ddq train --help
import { formatHelp, parseArgs, UsageError } from './args';
import type { CliIo, Command } from './command';
import { trainCommand } from './train-command';
import { evalCommand } from './eval-command';

/** The subcommands, in the order `ddq --help` lists them. */
export const COMMANDS: Command[] = [trainCommand, evalCommand];

export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.spec.name.length)) + 3;
  return [
    'Usage: ddq <command> [options]',
    '',
    'Train and evaluate neural networks in pure TypeScript (ddq-ts).',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.spec.name.padEnd(width)}${c.spec.summary}`),
    '',
    "Run 'ddq <command> --help' for a command's options. Set DDQ_DEBUG=1 for stack traces.",
    '',
  ].join('\n');
}

export async function main(argv: readonly string[], io: CliIo = { out: process.stdout, err: process.stderr }): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? COMMANDS.find((c) => c.spec.name === rest[0]) : undefined;
    (name === undefined ? io.err : io.out).write(topic ? formatHelp(topic.spec) : usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.spec.name === name);
  if (!command) {
    io.err.write(`ddq: unknown command '${name}'; commands: ${COMMANDS.map((c) => c.spec.name).join(', ')} (see ddq --help)\n`);
    return 2;
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
