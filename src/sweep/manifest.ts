// A sweep is a grid of pretraining runs (variant × seed). Its manifest checkpoints/<sweep>/sweep.json (written
// atomically after every change) records each run's argv and state, so re-running the same command resumes
// unfinished runs and never redoes finished ones.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { writeFileAtomic } from '../core/files.js';
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
