// Running a sweep: the runs of its manifest that are not done, each handed to a launcher (a child `babyssa
// pretrain` process, see launch.ts), resumed with --resume when they have a checkpoint. Several slots run in
// parallel when asked (they share the machine and its GPU).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listCheckpointSteps } from '../io/checkpoint.js';
import { mergeManifest, plannedRuns, readManifest, writeManifest, type SweepManifest, type SweepPlan, type SweepRun } from './manifest.js';

/** Starts one run's child process and resolves with its exit code; `slot` (0 … parallel−1) names it in the log. */
export type RunLauncher = (argv: string[], slot: number) => Promise<number>;
/** Whether a run folder holds the final checkpoint of its run, and the highest step it holds. */
export type CompletionCheck = (run: SweepRun) => Promise<{ step: number | null; complete: boolean }>;

/** A run is complete when its highest checkpoint reaches the steps it was configured for. */
export function checkpointCompletion(targetSteps: number | null): CompletionCheck {
  return async (run) => {
    const steps = await listCheckpointSteps(run.out);
    const step = steps.length > 0 ? steps[steps.length - 1] : null;
    let target = targetSteps;
    if (target === null) {
      const resolved = await readFile(join(run.out, 'config.resolved.json'), 'utf8').then((t) => JSON.parse(t) as { steps?: number }, () => null);
      target = resolved?.steps ?? null;
    }
    return { step, complete: step !== null && target !== null && step >= target };
  };
}

export interface SweepOutcome {
  manifest: SweepManifest;
  ran: string[];
  skipped: string[];
  /** True when a run stopped early (interrupt or time limit): later runs were not started. */
  stoppedEarly: boolean;
}

export interface SweepOptions {
  launch: RunLauncher;
  completion: CompletionCheck;
  /** Concurrent runs, one per GPU adapter. */
  parallel: number;
  log?: (line: string) => void;
  /** Polled between runs: true stops the sweep after the runs in flight. */
  stopRequested?: () => boolean;
}

export async function runSweep(plan: SweepPlan, options: SweepOptions): Promise<SweepOutcome> {
  const log = options.log ?? (() => {});
  const manifest = mergeManifest(await readManifest(plan.dir), plan);
  manifest.pid = process.pid;
  const wanted = new Set(plannedRuns(plan).map((r) => r.id));
  const ran: string[] = [];
  const skipped: string[] = [];
  let stoppedEarly = false;
  // A run marked done stays done; anything else (pending, failed, or running when a sweep was killed) is retried.
  const queue = manifest.runs.filter((r) => wanted.has(r.id) && r.state !== 'done');
  skipped.push(...manifest.runs.filter((r) => wanted.has(r.id) && r.state === 'done').map((r) => r.id));
  for (const run of queue) run.state = 'pending';
  await writeManifest(manifest);

  const worker = async (slot: number): Promise<void> => {
    for (let run = queue.shift(); run; run = queue.shift()) {
      if (stoppedEarly || options.stopRequested?.()) {
        stoppedEarly = true;
        return;
      }
      const before = await options.completion(run);
      if (before.complete) {
        Object.assign(run, { state: 'done', step: before.step });
        skipped.push(run.id);
        await writeManifest(manifest);
        continue;
      }
      const argv = before.step !== null ? [...run.argv, '--resume'] : run.argv;
      Object.assign(run, { state: 'running', attempts: run.attempts + 1, started_at: new Date().toISOString(), finished_at: null, exit_code: null });
      await writeManifest(manifest);
      log(`sweep ${plan.name}: ${run.id} ${before.step !== null ? `resuming from step ${before.step}` : 'starting'} (slot ${slot})`);
      const code = await options.launch(argv, slot);
      const after = await options.completion(run);
      ran.push(run.id);
      Object.assign(run, { exit_code: code, finished_at: new Date().toISOString(), step: after.step });
      if (code === 0 && after.complete) run.state = 'done';
      else if (code === 0) {
        // pretrain exits 0 when interrupted or out of time: the run is resumable, and the user asked to stop.
        run.state = 'pending';
        stoppedEarly = true;
      } else run.state = 'failed';
      log(`sweep ${plan.name}: ${run.id} ${run.state}${code !== 0 ? ` (exit ${code})` : ''}${after.step !== null ? ` at step ${after.step}` : ''}`);
      await writeManifest(manifest);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.parallel) }, (_, slot) => worker(slot)));
  manifest.pid = null;
  await writeManifest(manifest);
  return { manifest, ran, skipped, stoppedEarly };
}
