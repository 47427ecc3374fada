#!/usr/bin/env node
// The `babyssa` command: one yargs module per command in this folder.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { UserError } from '../core/errors.js';
import { commands } from './commands.js';

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
