// Which checkpoints a run keeps: the newest `keepLast` (HF's save_total_limit; 0 keeps all) plus the steps the
// user pinned with --keep-steps. Probed steps are not pinned: their results (summary.json, items.jsonl) are
// already written, and a BabyBERTa checkpoint with its optimizer state is ~100 MB; pin them if you need them.
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { listCheckpointSteps, stepDirName } from '../io/checkpoint.js';

/** Steps to delete from `steps` (ascending) under the policy. */
export function stepsToPrune(steps: readonly number[], keepLast: number, pinned: readonly number[]): number[] {
  if (keepLast === 0) return [];
  const kept = new Set([...steps.slice(-keepLast), ...pinned]);
  return steps.filter((step) => !kept.has(step));
}

/** Deletes the checkpoints the policy does not keep; each goes out of sight (renamed) before it is removed. */
export async function pruneCheckpoints(runDir: string, keepLast: number, pinned: readonly number[]): Promise<number[]> {
  const doomed = stepsToPrune(await listCheckpointSteps(runDir), keepLast, pinned);
  for (const step of doomed) {
    const trash = join(runDir, `.${stepDirName(step)}.${process.pid}.pruned`);
    await rename(join(runDir, stepDirName(step)), trash);
    await rm(trash, { recursive: true, force: true });
  }
  return doomed;
}
