// One Slurm array task (sweep-task): one attempt at one unit, recorded in sweep.json under the lock while other
// tasks record theirs; what it exits with and when it requeues itself; and a local sweep afterwards that sees
// what the tasks finished. The unit is the fake one of sweep-fixtures.ts.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MANIFEST, mergeManifest, type SweepManifest, type SweepPlan } from '../src/sweep/manifest.js';
import { updateManifest } from '../src/sweep/manifest-lock.js';
import { checkpointCompletion, runSweep, type RunLauncher } from '../src/sweep/run.js';
import { runTask, slurmPlacement, taskJobId, type TaskOptions } from '../src/sweep/slurm-task.js';
import { fakeUnit, STEPS, type Behaviour } from './sweep-fixtures.js';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'babyssa-task-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Four runs in two lockstep units of two: [softmax-seed0, softmax-seed1], [ssa-1.5-seed0, ssa-1.5-seed1]. */
const plan = (): SweepPlan => ({
  name: 'demo', dir: join(dir, 'demo'), variants: ['softmax', 'ssa-1.5'], seeds: [0, 1], pretrainFlags: ['--steps', String(STEPS)], lockstep: 2, finalProbe: false,
});
const manifest = (): SweepManifest => JSON.parse(readFileSync(join(dir, 'demo', MANIFEST), 'utf8'));
const SLURM = { SLURM_JOB_ID: '41', SLURM_ARRAY_JOB_ID: '37', SLURM_ARRAY_TASK_ID: '1', SLURMD_NODENAME: 'node07' };
const emit = () => updateManifest(plan().dir, (existing) => mergeManifest(existing, plan()));

function task(launch: RunLauncher, extra: Partial<TaskOptions> = {}): TaskOptions & { lines: string[]; requeued: number } {
  const lines: string[] = [];
  const options = {
    launch, log: (line: string) => lines.push(line), gpu: null, terminated: () => false, env: SLURM, lines, requeued: 0,
    requeue: () => {
      options.requeued++;
      return true;
    },
    ...extra,
  };
  return options;
}

describe('a Slurm array task', () => {
  it('attempts its unit through the unit command, records where it ran; a finished unit exits at once', async () => {
    await emit();
    const calls: string[][] = [];
    const options = task(fakeUnit(calls));
    expect(await runTask(join(dir, 'demo'), 1, options)).toEqual({ exitCode: 0, requeued: false });
    expect(calls).toEqual([['ssa-1.5-seed0', 'ssa-1.5-seed1']]);
    expect(manifest().units[1]).toMatchObject({ state: 'done', attempts: 1, exit_code: 0, placement: 'slurm job 41 (array 37_1) on node07' });
    expect(manifest().runs.map((r) => r.state)).toEqual(['pending', 'pending', 'done', 'done']);

    expect((await runTask(join(dir, 'demo'), 1, options)).exitCode).toBe(0);
    expect(calls).toHaveLength(1);
    expect(options.lines.at(-1)).toBe('sweep demo: unit 1 is already done');
    expect(options.requeued).toBe(0);
  });

  it.each<[string, Behaviour, Partial<TaskOptions>, number, number]>([
    ['stopped early (the signal before the time limit): requeues itself', 'interrupt', {}, 0, 1],
    ['stopped early, requeue refused: exits 1 so compare + report waits', 'interrupt', { requeue: () => false }, 1, 0],
    ['stopped on SIGTERM (scancel, a hard requeue): resumable, left to Slurm', 'interrupt', { terminated: () => true }, 0, 0],
    ['a run failed on an error of its own: the unit exit code', 'error', {}, 2, 0],
    ['a crash of the whole unit: its exit code', 'crash', {}, 1, 0],
    ['a run stopped on a NaN, the other done: settled, exits 0', 'nan', {}, 0, 0],
  ])('%s', async (_, behaviour, extra, code, requeues) => {
    await emit();
    const options = task(fakeUnit([], (out) => (out.endsWith('seed0') ? behaviour : 'ok')), extra);
    expect(await runTask(join(dir, 'demo'), 0, options)).toEqual({ exitCode: code, requeued: requeues === 1 });
    expect(options.requeued).toBe(requeues);
  });

  it('refuses a unit the sweep does not have, and a sweep never emitted', async () => {
    await expect(runTask(join(dir, 'demo'), 0, task(fakeUnit([])))).rejects.toThrow(/no sweep.json in .*--emit slurm/);
    await emit();
    await expect(runTask(join(dir, 'demo'), 2, task(fakeUnit([])))).rejects.toThrow(/has units 0 … 1, not 2/);
  });

  it('tasks at once keep each other\'s records; a local sweep afterwards sees what they finished', async () => {
    await emit();
    const slow: RunLauncher = async (argv, slot) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return fakeUnit([])(argv, slot);
    };
    const outcomes = await Promise.all([0, 1].map((unit) => runTask(join(dir, 'demo'), unit, task(slow))));
    expect(outcomes.map((o) => o.exitCode)).toEqual([0, 0]);
    expect(manifest().units.map((u) => [u.state, u.attempts])).toEqual([['done', 1], ['done', 1]]);
    expect(manifest().runs.every((r) => r.state === 'done' && r.attempts === 1)).toBe(true);

    const local = await runSweep(plan(), { launch: fakeUnit([]), completion: checkpointCompletion(STEPS), parallel: 1 });
    expect(local).toMatchObject({ ran: [], skipped: ['softmax-seed0', 'softmax-seed1', 'ssa-1.5-seed0', 'ssa-1.5-seed1'] });
  });

  it('updateManifest loses no update among concurrent writers', async () => {
    await emit();
    await Promise.all(Array.from({ length: 20 }, () => updateManifest(plan().dir, (m) => {
      m!.runs[0].attempts += 1;
      return m!;
    })));
    expect(manifest().runs[0].attempts).toBe(20);
  });

  it('names the Slurm job a task runs in, and nothing outside Slurm', () => {
    expect(slurmPlacement(SLURM)).toBe('slurm job 41 (array 37_1) on node07');
    expect(slurmPlacement({})).toBeNull();
  });

  it('names itself to scontrol as <array>_<task>: the first task\'s bare job id is the whole array\'s', () => {
    expect(taskJobId({ SLURM_JOB_ID: '37', SLURM_ARRAY_JOB_ID: '37', SLURM_ARRAY_TASK_ID: '0' })).toBe('37_0');
    expect(taskJobId({ SLURM_JOB_ID: '41' })).toBe('41');
    expect(taskJobId({})).toBeNull();
  });
});
