// A sweep's run folder before its first checkpoint: the one state that would make a second start fail.
import { rm } from 'node:fs/promises';
import { listCheckpointSteps } from '../io/checkpoint.js';

/**
 * A run folder without a complete checkpoint holds nothing worth keeping (its config and metrics restart from
 * step 0), but `pretrain` refuses to start over a folder that holds a run; clearing it lets the second start of a
 * run killed before its first checkpoint succeed. Returns whether there was something to clear.
 */
export async function clearUnsavedRun(out: string): Promise<boolean> {
  if ((await listCheckpointSteps(out)).length > 0) return false;
  return rm(out, { recursive: true }).then(() => true, () => false);
}
