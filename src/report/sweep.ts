// A sweep is a grid of pretraining runs (variant × seed), each a child `babyssa pretrain` process. The manifest
// checkpoints/<sweep>/sweep.json (written atomically after every change) records each run's argv and state,
// so re-running the same command resumes unfinished runs (with --resume when they have a checkpoint) and
// never redoes finished ones. Several slots run in parallel when asked (they share the machine and its GPU).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { writeFileAtomic } from '../core/files.js';
import { listCheckpointSteps } from '../io/checkpoint.js';
import { parseVariant, variantName, variantPretrainFlags } from '../model/attention.js';

export const SWEEP_SCHEMA_VERSION = 1;
export const MANIFEST = 'sweep.json';

export type RunState = 'pending' | 'running' | 'done' | 'failed';

export interface SweepRun {
  id: string;
  variant: string;
  seed: number;
  out: string;
  /** `babyssa` arguments of the run, without the --resume a continuation adds. */
  argv: string[];
  state: RunState;
  attempts: number;
  exit_code: number | null;
  started_at: string | null;
  finished_at: string | null;
  /** Highest complete checkpoint step when last seen. */
  step: number | null;
}

export interface SweepManifest {
  schema_version: number;
  name: string;
  dir: string;
  /** Flags passed through to every run (same on every invocation of the sweep). */
  pretrain_flags: string[];
  /** Process id of the sweep that last ran, to refuse two sweeps driving the same runs. */
  pid: number | null;
  runs: SweepRun[];
}

export interface SweepPlan {
  name: string;
  dir: string;
  variants: string[];
  seeds: number[];
  pretrainFlags: string[];
}

/** Starts one run's child process and resolves with its exit code; `slot` (0 … parallel−1) names it in the log. */
export type RunLauncher = (argv: string[], slot: number) => Promise<number>;
/** Whether a run folder holds the final checkpoint of its run, and the highest step it holds. */
export type CompletionCheck = (run: SweepRun) => Promise<{ step: number | null; complete: boolean }>;

export function runId(variant: string, seed: number): string {
  return `${variant}-seed${seed}`;
}

export function plannedRuns(plan: SweepPlan): SweepRun[] {
  const runs: SweepRun[] = [];
  for (const variant of plan.variants) {
    const settings = parseVariant(variant);
    const canonical = variantName(settings);
    for (const seed of plan.seeds) {
      const out = join(plan.dir, runId(canonical, seed));
      runs.push({
        id: runId(canonical, seed), variant: canonical, seed, out,
        argv: ['pretrain', ...variantPretrainFlags(settings), '--seed', String(seed), '--out', out, ...plan.pretrainFlags],
        state: 'pending', attempts: 0, exit_code: null, started_at: null, finished_at: null, step: null,
      });
    }
  }
  return runs;
}

export async function readManifest(dir: string): Promise<SweepManifest | null> {
  const path = join(dir, MANIFEST);
  const text = await readFile(path, 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    return JSON.parse(text) as SweepManifest;
  } catch {
    throw new UserError(`${path} is not valid JSON; fix or delete it`);
  }
}

export async function writeManifest(manifest: SweepManifest): Promise<void> {
  await writeFileAtomic(join(manifest.dir, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
}

function alive(pid: number | null): boolean {
  if (pid === null || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The existing manifest with any new runs of this plan added; refuses a plan whose run flags differ. */
export function mergeManifest(existing: SweepManifest | null, plan: SweepPlan): SweepManifest {
  const planned = plannedRuns(plan);
  if (!existing) return { schema_version: SWEEP_SCHEMA_VERSION, name: plan.name, dir: plan.dir, pretrain_flags: plan.pretrainFlags, pid: null, runs: planned };
  if (existing.pretrain_flags.join('\u0000') !== plan.pretrainFlags.join('\u0000')) {
    throw new UserError(
      `sweep ${plan.name} was started with pretrain flags [${existing.pretrain_flags.join(' ')}], now [${plan.pretrainFlags.join(' ')}]; ` +
        'use the same flags to continue it, or another --name',
    );
  }
  if (alive(existing.pid) && existing.runs.some((r) => r.state === 'running')) {
    throw new UserError(`sweep ${plan.name} is being run by process ${existing.pid}; wait for it or stop it first`);
  }
  const known = new Set(existing.runs.map((r) => r.id));
  return { ...existing, runs: [...existing.runs, ...planned.filter((r) => !known.has(r.id))] };
}

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
