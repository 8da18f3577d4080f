// What a `ddq` subcommand is: a declarative spec (options, help) and a run function. Adding a
// subcommand = writing one of these in its own file and adding a line to COMMANDS in
// src/cli/main.ts (name, one-line summary, and how to load it).
import type { CommandSpec, ParsedArgs } from './args';
import type { Output } from '../train/progress';

/** Where a command writes: normal output and diagnostics (process.stdout/stderr, or test buffers). */
export interface CliIo {
  out: Output;
  err: Output;
}

export interface Command {
  spec: CommandSpec;
  /** Returns the exit code. Throw UsageError for bad input, Error for failures. */
  run(args: ParsedArgs, io: CliIo): number | Promise<number>;
}
