// A sweep is a grid of pretraining runs (variant × seed), trained in units of up to K runs each (units.ts). Its
// manifest checkpoints/<sweep>/sweep.json records each run's argv and state and each unit's members, so re-running
// the same command resumes unfinished units and never redoes finished runs. It is written atomically after every
// change, under its lock, by the processes that drive its units (the sweep, or Slurm array tasks: manifest-lock.ts).
// Units are planned once, when their runs enter the manifest, and never regrouped.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { writeFileAtomic } from '../core/files.js';
import { attentionFlags, parseVariant, variantName } from '../model/attention.js';
import type { StopRecord } from '../train/stop-record.js';
import { splitIntoUnits, unitArgv } from './units.js';

/** 2: units (runs trained together), run states `stopped`, `stop`, `lockstep`, `final_probe`. */
export const SWEEP_SCHEMA_VERSION = 2;
export const MANIFEST = 'sweep.json';

/** failed: retried on the next invocation; stopped: the run stopped alone on a non-finite loss (not retried: a resumed run repeats it). */
export type RunState = 'pending' | 'running' | 'done' | 'failed' | 'stopped';

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
  /** Index of the unit that trains it. */
  unit: number;
  /** The run folder's stopped.json when it stopped alone (NaN or an error of its own), else null. */
  stop: StopRecord | null;
}

/** One child process: its runs (trained as one group) and its command line, the same on every attempt. */
export interface SweepUnit {
  index: number;
  runs: string[];
  argv: string[];
  state: RunState;
  attempts: number;
  exit_code: number | null;
  started_at: string | null;
  finished_at: string | null;
  /** Where its latest attempt ran, when not simply in the sweep's process: a GPU of this host, a Slurm task. */
  placement?: string | null;
}

export interface SweepManifest {
  schema_version: number;
  name: string;
  dir: string;
  /** Flags passed through to every run (same on every invocation of the sweep). */
  pretrain_flags: string[];
  /** Process id of the sweep that last ran, to refuse two sweeps driving the same runs. */
  pid: number | null;
  /** Most runs per unit when the newest units were planned. */
  lockstep: number;
  /** Whether a run is done only once its final checkpoint is probed (units probe it). */
  final_probe: boolean;
  runs: SweepRun[];
  units: SweepUnit[];
}

export interface SweepPlan {
  name: string;
  dir: string;
  variants: string[];
  seeds: number[];
  pretrainFlags: string[];
  /** Most runs per unit (`--lockstep` resolved; 1 = off). */
  lockstep: number;
  finalProbe: boolean;
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
        argv: ['pretrain', ...attentionFlags(settings), '--seed', String(seed), '--out', out, ...plan.pretrainFlags],
        state: 'pending', attempts: 0, exit_code: null, started_at: null, finished_at: null, step: null, unit: -1, stop: null,
      });
    }
  }
  return runs;
}

export async function readManifest(dir: string): Promise<SweepManifest | null> {
  const path = join(dir, MANIFEST);
  const text = await readFile(path, 'utf8').catch(() => null);
  if (text === null) return null;
  let json: SweepManifest;
  try {
    json = JSON.parse(text) as SweepManifest;
  } catch {
    throw new UserError(`${path} is not valid JSON; fix or delete it`);
  }
  return json.schema_version === 1 ? fromSchema1(json) : json;
}

/** A schema-1 manifest (one process per run) as schema 2: each run its own unit. */
function fromSchema1(old: SweepManifest): SweepManifest {
  const runs = old.runs.map((run, index) => ({ ...run, unit: index, stop: null }));
  const units = runs.map((run, index) => newUnit(old.dir, index, [run]));
  units.forEach((unit, i) => {
    Object.assign(unit, { state: runs[i].state, attempts: runs[i].attempts, exit_code: runs[i].exit_code });
  });
  return { ...old, schema_version: SWEEP_SCHEMA_VERSION, lockstep: 1, final_probe: false, runs, units };
}

function newUnit(dir: string, index: number, runs: SweepRun[]): SweepUnit {
  for (const run of runs) run.unit = index;
  return {
    index, runs: runs.map((r) => r.id), argv: unitArgv(dir, index), state: 'pending', attempts: 0, exit_code: null, started_at: null, finished_at: null,
  };
}

/** Units for runs that have none yet, numbered after the existing ones. */
function planUnits(dir: string, existing: number, runs: SweepRun[], size: number): SweepUnit[] {
  return splitIntoUnits(runs, size).map((members, i) => newUnit(dir, existing + i, members));
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

/** The existing manifest with any new runs of this plan added (in new units); refuses a plan whose run flags differ. */
export function mergeManifest(existing: SweepManifest | null, plan: SweepPlan): SweepManifest {
  const planned = plannedRuns(plan);
  if (!existing) {
    return {
      schema_version: SWEEP_SCHEMA_VERSION, name: plan.name, dir: plan.dir, pretrain_flags: plan.pretrainFlags, pid: null,
      lockstep: plan.lockstep, final_probe: plan.finalProbe, runs: planned, units: planUnits(plan.dir, 0, planned, plan.lockstep),
    };
  }
  if (existing.pretrain_flags.join('\u0000') !== plan.pretrainFlags.join('\u0000')) {
    throw new UserError(
      `sweep ${plan.name} was started with pretrain flags [${existing.pretrain_flags.join(' ')}], now [${plan.pretrainFlags.join(' ')}]; ` +
        'use the same flags to continue it, or another --name',
    );
  }
  if (alive(existing.pid) && existing.units.some((u) => u.state === 'running')) {
    throw new UserError(`sweep ${plan.name} is being run by process ${existing.pid}; wait for it or stop it first`);
  }
  const known = new Set(existing.runs.map((r) => r.id));
  const added = planned.filter((r) => !known.has(r.id));
  const units = [...existing.units, ...planUnits(existing.dir, existing.units.length, added, plan.lockstep)];
  return { ...existing, lockstep: added.length > 0 ? plan.lockstep : existing.lockstep, final_probe: plan.finalProbe, runs: [...existing.runs, ...added], units };
}
