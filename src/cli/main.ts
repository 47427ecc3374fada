#!/usr/bin/env node
// The `babyssa` command: one yargs module per command in this folder.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { UserError } from '../core/errors.js';
import { commands } from './commands.js';

/** yargs collects a repeated flag into an array; for a flag that takes one value that is a mistake, said so. */
function refuseRepeatedFlags(argv: Record<string, unknown>, options: { array: string[] }): true {
  const many = new Set(options.array.flatMap((name) => [name, name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())]));
  const repeated = Object.keys(argv).find((key) => key !== '_' && Array.isArray(argv[key]) && !many.has(key));
  if (repeated) throw new UserError(`--${repeated.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} given twice; give it once`);
  return true;
}

async function main(): Promise<void> {
  let parser = yargs(hideBin(process.argv))
    .scriptName('babyssa')
    .usage('$0 <command> [options]\n\nTrain BabyBERTa-style encoders with Softmax or SSA attention and probe them with minimal pairs.')
    .strict()
    .demandCommand(1, 'name a command (see --help)')
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version()
    .wrap(Math.min(110, process.stderr.columns ?? 100))
    // yargs hands a check its parser options (its typings call them aliases): `array` lists the many-valued flags.
    .check((argv, options) => refuseRepeatedFlags(argv, options as unknown as { array: string[] }), true)
    .fail((message, error) => {
      throw error ?? new UserError(message ?? 'invalid arguments');
    });
  for (const command of commands) parser = parser.command(command);
  await parser.parseAsync();
}

main().catch((error: unknown) => {
  if (error instanceof UserError) {
    process.stderr.write(`babyssa: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`babyssa: internal error (a bug; please report it):\n${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
