// One unit of a sweep, run on its own: what each Slurm array task does (`babyssa sweep … --unit K`). A unit is
// one run today (one group of runs once lockstep groups exist); it is numbered by its place in the sweep's plan,
// so every task computes the same numbering from the same flags. The unit's command resumes from the last
// checkpoint, so a task that is requeued, preempted or submitted again continues where it stopped, and a unit
// already done exits at once. Other tasks update the same sweep.json at the same time: every change goes
// through the manifest lock and touches this unit's runs only.
import { UserError } from '../core/errors.js';
import { mergeManifest, plannedRuns, type SweepPlan, type SweepRun } from './manifest.js';
import type { CompletionCheck, RunLauncher } from './run.js';
import { updateManifest } from './manifest-lock.js';
import { clearUnsavedRun } from './run-folder.js';

/** Run ids of each unit, in plan order: one run per unit. */
export function planUnits(plan: SweepPlan): string[][] {
  return plannedRuns(plan).map((run) => [run.id]);
}

export interface UnitOptions {
  launch: RunLauncher;
  completion: CompletionCheck;
  /** Where this unit runs, recorded in sweep.json (e.g. "slurm job 41 (array 37_2) on node07"). */
  placement: string | null;
  log?: (line: string) => void;
}

export interface UnitOutcome {
  runs: string[];
  /** done: every run complete; pending: stopped early and resumable (interrupt, time limit); failed: exit ≠ 0. */
  state: 'done' | 'pending' | 'failed';
  exitCode: number;
}

function patchRuns(plan: SweepPlan, ids: string[], patch: (run: SweepRun) => void) {
  return updateManifest(plan.dir, (existing) => {
    const manifest = mergeManifest(existing, plan);
    for (const run of manifest.runs) if (ids.includes(run.id)) patch(run);
    return manifest;
  });
}

export async function runSweepUnit(plan: SweepPlan, index: number, options: UnitOptions): Promise<UnitOutcome> {
  const log = options.log ?? (() => {});
  const units = planUnits(plan);
  if (!Number.isInteger(index) || index < 0 || index >= units.length) {
    throw new UserError(`--unit ${index}: sweep ${plan.name} has units 0 … ${units.length - 1}`);
  }
  const ids = units[index];
  const claimed = await patchRuns(plan, ids, (run) => {
    if (run.state === 'done') return;
    Object.assign(run, {
      state: 'running', attempts: run.attempts + 1, started_at: new Date().toISOString(), finished_at: null, exit_code: null,
      placement: options.placement,
    });
  });
  const [run] = claimed.runs.filter((r) => ids.includes(r.id));
  if (run.state === 'done') {
    log(`sweep ${plan.name}: unit ${index} (${run.id}) is already done`);
    return { runs: ids, state: 'done', exitCode: 0 };
  }

  const before = await options.completion(run);
  let code = 0;
  if (!before.complete) {
    if (before.step === null && (await clearUnsavedRun(run.out))) log(`sweep ${plan.name}: ${run.id} had no checkpoint yet; starting it afresh`);
    log(`sweep ${plan.name}: unit ${index} (${run.id}) ${before.step !== null ? `resuming from step ${before.step}` : 'starting'}${options.placement ? ` on ${options.placement}` : ''}`);
    code = await options.launch(before.step !== null ? [...run.argv, '--resume'] : run.argv, 0);
  }
  const after = await options.completion(run);
  const state: UnitOutcome['state'] = code !== 0 ? 'failed' : after.complete ? 'done' : 'pending';
  await patchRuns(plan, ids, (r) => Object.assign(r, { state, exit_code: code, finished_at: new Date().toISOString(), step: after.step }));
  log(`sweep ${plan.name}: unit ${index} (${run.id}) ${state}${code !== 0 ? ` (exit ${code})` : ''}${after.step !== null ? ` at step ${after.step}` : ''}`);
  return { runs: ids, state, exitCode: code };
}
