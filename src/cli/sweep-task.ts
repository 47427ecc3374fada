// `babyssa sweep-task <sweep-dir> <index> [--gpu]` (hidden): what each array task of `sweep --emit slurm` runs —
// one attempt at unit <index> through the unit's own command line, as a child process (src/sweep/slurm-task.ts).
import type { ChildProcess } from 'node:child_process';
import type { CommandModule } from 'yargs';
import { pinEnv } from '../sweep/gpus.js';
import { childLauncher } from '../sweep/launch.js';
import { TASK_COMMAND } from '../sweep/slurm.js';
import { REQUEUE_WAIT_S, runTask, slurmTaskGpu, type TaskOutcome, waitForRequeue } from '../sweep/slurm-task.js';

export const sweepTaskCommand: CommandModule = {
  command: `${TASK_COMMAND} <dir> <index>`,
  describe: false,
  builder: (y) =>
    y
      .positional('dir', { type: 'string', demandOption: true, describe: 'the sweep folder (holds sweep.json)' })
      .positional('index', { type: 'number', demandOption: true, describe: 'which unit of sweep.json' })
      .option('gpu', { type: 'boolean', default: false, describe: 'pin the unit to the one GPU Slurm gave this task' }),
  handler: async (argv) => {
    const log = (line: string) => process.stderr.write(`babyssa: ${line}\n`);
    const gpu = argv.gpu ? await slurmTaskGpu() : null;
    const children = new Set<ChildProcess>();
    let terminated = false;
    // Slurm signals this process (the batch shell): SIGINT before the time limit, SIGTERM when it ends the task.
    // The unit saves every run on either.
    const onSignal = (signal: NodeJS.Signals) => {
      if (signal === 'SIGTERM') terminated = true;
      for (const child of children) child.kill(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    let outcome: TaskOutcome;
    try {
      const env = gpu ? pinEnv(gpu) : {};
      outcome = await runTask(argv.dir as string, argv.index as number, {
        launch: childLauncher(children, () => env), log, gpu, terminated: () => terminated,
      });
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    process.exitCode = outcome.exitCode;
    if (!outcome.requeued) return;
    // Slurm's SIGTERM now ends this process (no handler is left to hold it).
    await waitForRequeue();
    log(`Slurm did not end this task within ${REQUEUE_WAIT_S} s of its requeue; ending it (the requeued task resumes the unit)`);
    process.exitCode = 1;
  },
};
