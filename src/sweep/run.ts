// Running a sweep: the units of its manifest that hold runs not yet settled, each handed to a launcher (a child
// `babyssa sweep-unit` process, see launch.ts and units.ts), which resumes its runs by itself. After a unit
// exits, every one of its runs is read back from its own folder (checkpoints, final probe, stopped.json), so one
// run's NaN or failure is that run's state alone. Several slots run units in parallel when asked.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listCheckpointSteps } from '../io/checkpoint.js';
import { hasProbeResults } from '../probe/output.js';
import { readStopRecord, type StopRecord } from '../train/stop-record.js';
import { mergeManifest, plannedRuns, readManifest, writeManifest, type RunState, type SweepManifest, type SweepPlan, type SweepRun, type SweepUnit } from './manifest.js';

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

export interface SweepOptions {
  launch: RunLauncher;
  completion: CompletionCheck;
  /** Concurrent units. */
  parallel: number;
  log?: (line: string) => void;
  /** Polled between units: true stops the sweep after the units in flight. */
  stopRequested?: () => boolean;
}

/** done and stopped runs are settled: no unit trains them again. */
const settled = (state: RunState) => state === 'done' || state === 'stopped';

/** A run's state from its folder after its unit ran (exit code `code`), or before (code null). */
function stateOf(progress: RunProgress, code: number | null): RunState {
  if (progress.complete) return 'done';
  if (progress.stop?.reason === 'non-finite') return 'stopped';
  if (progress.stop || (code !== null && code !== 0)) return 'failed';
  return 'pending';
}

export async function runSweep(plan: SweepPlan, options: SweepOptions): Promise<SweepOutcome> {
  const log = options.log ?? (() => {});
  const manifest = mergeManifest(await readManifest(plan.dir), plan);
  manifest.pid = process.pid;
  if (plan.lockstep !== manifest.lockstep) log(`sweep ${plan.name}: its units keep the grouping they were planned with (up to ${manifest.lockstep} runs each)`);
  const byId = new Map(manifest.runs.map((r) => [r.id, r]));
  const membersOf = (unit: SweepUnit) => unit.runs.map((id) => byId.get(id)!);
  const wanted = new Set(plannedRuns(plan).map((r) => r.id));
  const ran: string[] = [];
  const skipped = manifest.runs.filter((r) => wanted.has(r.id) && settled(r.state)).map((r) => r.id);
  let stoppedEarly = false;
  // A run marked done or stopped stays so; anything else (pending, failed, or running when a sweep was killed) is retried.
  const queue = manifest.units.filter((u) => membersOf(u).some((r) => wanted.has(r.id) && !settled(r.state)));
  for (const unit of queue) {
    unit.state = 'pending';
    for (const run of membersOf(unit)) if (!settled(run.state)) run.state = 'pending';
  }
  await writeManifest(manifest);

  /** Reads every member's folder; returns whether the whole unit is settled. */
  const refresh = async (unit: SweepUnit, code: number | null): Promise<boolean> => {
    for (const run of membersOf(unit)) {
      if (settled(run.state)) continue;
      const progress = await options.completion(run);
      Object.assign(run, { step: progress.step, stop: progress.stop, state: stateOf(progress, code) });
      if (code !== null) Object.assign(run, { exit_code: code, finished_at: new Date().toISOString() });
    }
    return membersOf(unit).every((r) => settled(r.state));
  };
  const worker = async (slot: number): Promise<void> => {
    for (let unit = queue.shift(); unit; unit = queue.shift()) {
      if (stoppedEarly || options.stopRequested?.()) {
        stoppedEarly = true;
        return;
      }
      if (await refresh(unit, null)) {
        unit.state = 'done';
        skipped.push(...membersOf(unit).filter((r) => wanted.has(r.id)).map((r) => r.id));
        await writeManifest(manifest);
        continue;
      }
      const training = membersOf(unit).filter((r) => !settled(r.state));
      const started = new Date().toISOString();
      Object.assign(unit, { state: 'running', attempts: unit.attempts + 1, started_at: started, finished_at: null, exit_code: null });
      for (const run of training) Object.assign(run, { state: 'running', attempts: run.attempts + 1, started_at: started, finished_at: null, exit_code: null });
      await writeManifest(manifest);
      const where = training.map((r) => (r.step !== null ? `${r.id} from step ${r.step}` : r.id)).join(', ');
      log(`sweep ${plan.name}: unit ${unit.index} (slot ${slot}): ${where}`);
      const code = await options.launch(unit.argv, slot);
      ran.push(...training.map((r) => r.id));
      const done = await refresh(unit, code);
      const states = training.map((r) => r.state);
      Object.assign(unit, {
        exit_code: code, finished_at: new Date().toISOString(),
        state: done ? 'done' : states.includes('failed') ? 'failed' : 'pending',
      });
      // A unit exits 0 when interrupted or out of time: its runs are resumable, and the user asked to stop.
      if (code === 0 && !done) stoppedEarly = true;
      for (const run of training) {
        const detail = run.state === 'stopped' || (run.state === 'failed' && run.stop) ? `: ${run.stop!.message}` : run.state === 'failed' ? ` (unit exit ${code})` : '';
        log(`sweep ${plan.name}: ${run.id} ${run.state}${run.step !== null ? ` at step ${run.step}` : ''}${detail}`);
      }
      await writeManifest(manifest);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.parallel) }, (_, slot) => worker(slot)));
  manifest.pid = null;
  await writeManifest(manifest);
  return { manifest, ran, skipped, stoppedEarly };
}
