// `babyssa sweep-unit <sweep-dir> <index>` (hidden): one unit of a sweep in this process — the child command a
// sweep launches, and the one line a GPU slot or a Slurm array task runs as is (src/sweep/unit.ts).
import type { CommandModule } from 'yargs';
import yargs from 'yargs';
import type { TrainConfig } from '../config/schema.js';
import { UserError } from '../core/errors.js';
import { runUnit } from '../sweep/unit.js';
import { UNIT_COMMAND } from '../sweep/units.js';
import { PRETRAIN_OPTIONS, trainConfigFromArgs } from './pretrain.js';

/** A run's recorded `pretrain …` argv parsed exactly as `babyssa pretrain` parses its own. */
export function configOf(argv: string[]): TrainConfig {
  const [command, ...flags] = argv;
  if (command !== 'pretrain') throw new UserError(`sweep.json: a run's argv must start with pretrain, not ${command}`);
  const parsed = yargs(flags).options(PRETRAIN_OPTIONS).strict().fail((message, error) => {
    throw error ?? new UserError(`sweep.json: ${message}`);
  }).parseSync();
  return trainConfigFromArgs(parsed);
}

export const sweepUnitCommand: CommandModule = {
  command: `${UNIT_COMMAND} <dir> <index>`,
  describe: false,
  builder: (y) =>
    y
      .positional('dir', { type: 'string', demandOption: true, describe: 'the sweep folder (holds sweep.json)' })
      .positional('index', { type: 'number', demandOption: true, describe: 'which unit of sweep.json' }),
  handler: async (argv) => {
    const outcome = await runUnit(argv.dir as string, argv.index as number, configOf, (line) => process.stderr.write(`babyssa: ${line}\n`));
    for (const { id, stop } of outcome.stopped) process.stderr.write(`babyssa: ${id} stopped at step ${stop.step}: ${stop.message}\n`);
    if (outcome.stopped.length > 0) process.exitCode = 2;
  },
};
