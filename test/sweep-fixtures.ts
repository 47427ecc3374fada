// A fake `babyssa sweep-unit` for the sweep's bookkeeping tests (sweep.test.ts, sweep-task.test.ts): it trains
// by writing empty checkpoint files, so the sweep's reading of run folders is tested without training anything.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { CHECKPOINT_FILES } from '../src/io/checkpoint.js';
import { readManifest } from '../src/sweep/manifest.js';
import type { RunLauncher } from '../src/sweep/run.js';
import { writeStopRecord } from '../src/train/stop-record.js';

/** --steps of every run the fake unit trains. */
export const STEPS = 4;

export function writeCheckpoint(out: string, step: number): void {
  const stepDir = join(out, `step-${step}`);
  mkdirSync(stepDir, { recursive: true });
  for (const file of CHECKPOINT_FILES) writeFileSync(join(stepDir, file), '{}');
}

export type Behaviour = 'ok' | 'crash' | 'kill-parent' | 'interrupt' | 'nan' | 'error';

/**
 * A fake `babyssa sweep-unit`: reads its runs from sweep.json and trains each by writing checkpoints, 2 steps per
 * attempt up to --steps (so a run needs two attempts unless it resumes from step 2); a run can crash the unit,
 * "kill" the sweep, be interrupted, or stop alone (NaN or an error, in its stopped.json).
 */
export function fakeUnit(calls: string[][], behaviour: (out: string) => Behaviour = () => 'ok'): RunLauncher {
  return async (argv) => {
    const [command, sweepDir, index] = argv;
    expect(command).toBe('sweep-unit');
    const manifest = (await readManifest(sweepDir))!;
    const runs = manifest.units[Number(index)].runs.map((id) => manifest.runs.find((r) => r.id === id)!);
    calls.push(runs.map((r) => r.id));
    let code = 0;
    for (const run of runs) {
      const what = behaviour(run.out);
      if (what === 'kill-parent') throw new Error('sweep killed');
      if (what === 'crash') code = 1;
      if (what === 'crash' || what === 'nan' || what === 'error') {
        if (what !== 'crash') await writeStopRecord(run.out, { reason: what === 'nan' ? 'non-finite' : 'error', step: 1, message: `${what} at step 1`, last_good_checkpoint: null });
        if (what !== 'crash') code = 2;
        continue;
      }
      // What `pretrain` writes first: the steps a run is done at, for a completion check that reads them.
      mkdirSync(run.out, { recursive: true });
      writeFileSync(join(run.out, 'config.resolved.json'), JSON.stringify({ steps: STEPS }));
      const resumed = existsSync(join(run.out, `step-${STEPS / 2}`));
      writeCheckpoint(run.out, resumed ? STEPS : STEPS / 2);
      if (what !== 'interrupt' && !resumed) writeCheckpoint(run.out, STEPS);
    }
    return code;
  };
}

