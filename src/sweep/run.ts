// Running a sweep: the units of its manifest that hold runs not yet settled, each handed to a launcher (a child
// `babyssa sweep-unit` process, see launch.ts and units.ts), which resumes its runs by itself. After a unit
// exits, every one of its runs is read back from its own folder (checkpoints, final probe, stopped.json), so one
// run's NaN or failure is that run's state alone. Several slots run units in parallel when asked; a Slurm array
// task attempts its one unit the same way (attemptUnit). sweep.json is written under its lock, one unit's record
// at a time (manifest-lock.ts), so processes driving different units of one sweep keep each other's records.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listCheckpointSteps } from '../io/checkpoint.js';
import { hasProbeResults } from '../probe/output.js';
import { readStopRecord, type StopRecord } from '../train/stop-record.js';
import { mergeManifest, plannedRuns, type RunState, type SweepManifest, type SweepPlan, type SweepRun, type SweepUnit } from './manifest.js';
import { recordUnit, updateManifest } from './manifest-lock.js';

/** Starts one unit's child process and resolves with its exit code; `slot` (0 … parallel−1) names it in the log. */
export type RunLauncher = (argv: string[], slot: number) => Promise<number>;

/** What a run folder says of its run: the highest checkpoint, whether the run is complete, and its stop record. */
export interface RunProgress {
  step: number | null;
  complete: boolean;
  stop: StopRecord | null;
}
export type CompletionCheck = (run: SweepRun) => Promise<RunProgress>;

/**
 * A run is complete when its highest checkpoint reaches the steps it was configured for (`targetSteps`, else its
 * config.resolved.json's) and, with `finalProbe`, that step has been probed.
 */
export function checkpointCompletion(targetSteps: number | null, finalProbe = false): CompletionCheck {
  return async (run) => {
    const steps = await listCheckpointSteps(run.out);
    const step = steps.length > 0 ? steps[steps.length - 1] : null;
    let target = targetSteps;
    if (target === null) {
      const resolved = await readFile(join(run.out, 'config.resolved.json'), 'utf8').then((t) => JSON.parse(t) as { steps?: number }, () => null);
      target = resolved?.steps ?? null;
    }
    const trained = step !== null && target !== null && step >= target;
    return { step, complete: trained && (!finalProbe || (await hasProbeResults(run.out, step))), stop: await readStopRecord(run.out) };
  };
}

export interface SweepOutcome {
  manifest: SweepManifest;
  ran: string[];
  skipped: string[];
  /** True when a unit stopped early (interrupt or time limit): later units were not started. */
  stoppedEarly: boolean;
}

export interface UnitContext {
  launch: RunLauncher;
  completion: CompletionCheck;
  log?: (line: string) => void;
  /** Where a slot's units run (a GPU of this host, a Slurm task), recorded on the unit; null: the sweep's own process. */
  placementOf?: (slot: number) => string | null;
}

export interface SweepOptions extends UnitContext {
  /** Concurrent units. */
  parallel: number;
  /** Polled between units: true stops the sweep after the units in flight. */
  stopRequested?: () => boolean;
}

/** done and stopped runs are settled: no unit trains them again. */
export const settled = (state: RunState) => state === 'done' || state === 'stopped';

/** A run's state from its folder after its unit ran (exit code `code`), or before (code null). */
function stateOf(progress: RunProgress, code: number | null): RunState {
  if (progress.complete) return 'done';
  if (progress.stop?.reason === 'non-finite') return 'stopped';
  if (progress.stop || (code !== null && code !== 0)) return 'failed';
  return 'pending';
}

export interface UnitAttempt {
  /** The runs the unit was launched to train; empty when every run was settled already. */
  ran: SweepRun[];
  /** The unit's exit code, or null when it was not launched. */
  code: number | null;
  /** Every run of the unit is settled (done, or stopped on a NaN). */
  settled: boolean;
}

/**
 * One attempt at `unit` of `manifest` on `slot`: reads every member's folder; unless all are settled, launches the
 * unit's command and reads them again. The unit's record goes to sweep.json before the launch and after.
 */
export async function attemptUnit(manifest: SweepManifest, unit: SweepUnit, slot: number, context: UnitContext): Promise<UnitAttempt> {
  const log = context.log ?? (() => {});
  const members = unit.runs.map((id) => manifest.runs.find((r) => r.id === id)!);
  const refresh = async (code: number | null): Promise<boolean> => {
    for (const run of members) {
      if (settled(run.state)) continue;
      const progress = await context.completion(run);
      Object.assign(run, { step: progress.step, stop: progress.stop, state: stateOf(progress, code) });
      if (code !== null) Object.assign(run, { exit_code: code, finished_at: new Date().toISOString() });
    }
    return members.every((r) => settled(r.state));
  };
  if (await refresh(null)) {
    unit.state = 'done';
    await recordUnit(manifest, unit);
    return { ran: [], code: null, settled: true };
  }
  const training = members.filter((r) => !settled(r.state));
  const started = new Date().toISOString();
  const placement = context.placementOf?.(slot) ?? null;
  Object.assign(unit, { state: 'running', attempts: unit.attempts + 1, started_at: started, finished_at: null, exit_code: null, placement });
  for (const run of training) Object.assign(run, { state: 'running', attempts: run.attempts + 1, started_at: started, finished_at: null, exit_code: null });
  await recordUnit(manifest, unit);
  const where = training.map((r) => (r.step !== null ? `${r.id} from step ${r.step}` : r.id)).join(', ');
  log(`sweep ${manifest.name}: unit ${unit.index} (slot ${slot}${placement ? `, ${placement}` : ''}): ${where}`);
  const code = await context.launch(unit.argv, slot);
  const done = await refresh(code);
  Object.assign(unit, {
    exit_code: code, finished_at: new Date().toISOString(),
    state: done ? 'done' : training.some((r) => r.state === 'failed') ? 'failed' : 'pending',
  });
  for (const run of training) {
    const detail = run.state === 'stopped' || (run.state === 'failed' && run.stop) ? `: ${run.stop!.message}` : run.state === 'failed' ? ` (unit exit ${code})` : '';
    log(`sweep ${manifest.name}: ${run.id} ${run.state}${run.step !== null ? ` at step ${run.step}` : ''}${detail}`);
  }
  await recordUnit(manifest, unit);
  return { ran: training, code, settled: done };
}

export async function runSweep(plan: SweepPlan, options: SweepOptions): Promise<SweepOutcome> {
  const log = options.log ?? (() => {});
  const wanted = new Set(plannedRuns(plan).map((r) => r.id));
  let queue: SweepUnit[] = [];
  // Merged and marked under the lock, so a record another process wrote meanwhile is kept.
  const manifest = await updateManifest(plan.dir, (onDisk) => {
    const merged = mergeManifest(onDisk, plan);
    merged.pid = process.pid;
    const byId = new Map(merged.runs.map((r) => [r.id, r]));
    // A run marked done or stopped stays so; anything else (pending, failed, or running when a sweep was killed) is retried.
    queue = merged.units.filter((u) => u.runs.some((id) => wanted.has(id) && !settled(byId.get(id)!.state)));
    for (const unit of queue) {
      unit.state = 'pending';
      for (const id of unit.runs) if (!settled(byId.get(id)!.state)) byId.get(id)!.state = 'pending';
    }
    return merged;
  });
  if (plan.lockstep !== manifest.lockstep) log(`sweep ${plan.name}: its units keep the grouping they were planned with (up to ${manifest.lockstep} runs each)`);
  const ran: string[] = [];
  let stoppedEarly = false;

  const worker = async (slot: number): Promise<void> => {
    for (let unit = queue.shift(); unit; unit = queue.shift()) {
      if (stoppedEarly || options.stopRequested?.()) {
        stoppedEarly = true;
        return;
      }
      const attempt = await attemptUnit(manifest, unit, slot, options);
      ran.push(...attempt.ran.map((r) => r.id));
      // A unit exits 0 when interrupted or out of time: its runs are resumable, and the user asked to stop.
      if (attempt.code === 0 && !attempt.settled) stoppedEarly = true;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.parallel) }, (_, slot) => worker(slot)));
  const final = await updateManifest(plan.dir, (onDisk) => ({ ...(onDisk ?? manifest), pid: null }));
  const skipped = final.runs.filter((r) => wanted.has(r.id) && settled(r.state) && !ran.includes(r.id)).map((r) => r.id);
  return { manifest: final, ran, skipped, stoppedEarly };
}
