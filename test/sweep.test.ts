// The sweep's bookkeeping with a fake unit process: units planned once, resumed, retried; each run's state read
// back from its own folder (a NaN stops that run alone; an error of its own is retried).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MANIFEST, plannedRuns, type SweepManifest, type SweepPlan } from '../src/sweep/manifest.js';
import { checkpointCompletion, runSweep, type RunLauncher } from '../src/sweep/run.js';
import { modelConfigFor, resolveTrainConfig } from '../src/config/resolve.js';
import { maxGroupSize } from '../src/engine/webgpu/sizes.js';
import { requestWebGpu } from '../src/engine/webgpu-runtime.js';
import { webGpuForTests } from './webgpu-env.js';
import { autoLockstepSize, lockstepSize, splitIntoUnits } from '../src/sweep/units.js';
import { fakeUnit, STEPS, writeCheckpoint, type Behaviour } from './sweep-fixtures.js';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'babyssa-sweep-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const plan = (lockstep = 1): SweepPlan => ({
  name: 'demo', dir: join(dir, 'demo'), variants: ['softmax', 'ssa-1.5'], seeds: [0, 1], pretrainFlags: ['--steps', String(STEPS), '--preset', 'tiny'],
  lockstep, finalProbe: false,
});

const manifest = (): SweepManifest => JSON.parse(readFileSync(join(dir, 'demo', MANIFEST), 'utf8'));
const options = (launch: RunLauncher) => ({ launch, completion: checkpointCompletion(STEPS), parallel: 1 });

describe('sweep units', () => {
  it('plans variant × seed runs with the variant flags, seed and --out', () => {
    const runs = plannedRuns(plan());
    expect(runs.map((r) => r.id)).toEqual(['softmax-seed0', 'softmax-seed1', 'ssa-1.5-seed0', 'ssa-1.5-seed1']);
    expect(runs[2].argv).toEqual(['pretrain', '--attention', 'ssa', '--ssa-n', '1.5', '--no-ssa-n-trainable', '--ssa-b', '0.8', '--no-ssa-b-trainable',
      '--ssa-granularity', 'layer', '--seed', '0', '--out', join(dir, 'demo', 'ssa-1.5-seed0'), '--steps', '4', '--preset', 'tiny']);
  });

  it.each([
    [10, 1, [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]],
    [4, 4, [4]],
    [15, 9, [8, 7]],
    [15, 4, [4, 4, 4, 3]],
    [3, 9, [3]],
  ])('%d runs, at most %d per unit: units of %j', (runs, size, sizes) => {
    expect(splitIntoUnits(Array.from({ length: runs }, (_, i) => i), size).map((u) => u.length)).toEqual(sizes);
  });

  it.each([['off', 1], ['4', 4]])('--lockstep %s is %d per unit', (value, size) => expect(lockstepSize(value)).toBe(size));

  it('--lockstep auto: off on the tfjs engine; on the fused engine as many runs as fit, at most the sweep\'s', async () => {
    expect(await autoLockstepSize(resolveTrainConfig({ engine: 'tfjs', backend: 'cpu' }), 4)).toBe(1);
    if (!(await webGpuForTests())) return;
    const fused = resolveTrainConfig({ engine: 'fused', backend: 'webgpu', preset: 'tiny', batchSize: 4 });
    const fits = maxGroupSize((await requestWebGpu())!.device.limits, modelConfigFor(fused), { batch: 4, seq: fused.maxLength });
    expect(await autoLockstepSize(fused, 1000)).toBe(Math.min(1000, fits));
    expect(await autoLockstepSize(fused, 2)).toBe(Math.min(2, fits));
  });
  it('refuses a --lockstep that is not auto, off or a positive integer', () => expect(() => lockstepSize('0')).toThrow(/--lockstep must be auto, off or a positive integer/));

  it('runs every unit once, each one command line; a second invocation redoes nothing', async () => {
    const calls: string[][] = [];
    const first = await runSweep(plan(4), options(fakeUnit(calls)));
    expect(calls).toEqual([['softmax-seed0', 'softmax-seed1', 'ssa-1.5-seed0', 'ssa-1.5-seed1']]);
    expect(first.ran).toHaveLength(4);
    expect(manifest().units).toEqual([expect.objectContaining({ index: 0, argv: ['sweep-unit', join(dir, 'demo'), '0'], state: 'done', attempts: 1 })]);
    expect(manifest().runs.every((r) => r.state === 'done' && r.step === STEPS && r.unit === 0)).toBe(true);
    const second = await runSweep(plan(4), options(fakeUnit(calls)));
    expect(second.ran).toEqual([]);
    expect(second.skipped).toHaveLength(4);
    expect(calls).toHaveLength(1);
  });

  it('after the sweep is killed mid-unit, re-running resumes that unit and skips finished ones', async () => {
    const killing = fakeUnit([], (out) => (out.endsWith('ssa-1.5-seed0') ? 'kill-parent' : 'ok'));
    await expect(runSweep(plan(), options(killing))).rejects.toThrow('sweep killed');
    expect(manifest().runs.map((r) => r.state)).toEqual(['done', 'done', 'running', 'pending']);
    writeCheckpoint(join(dir, 'demo', 'ssa-1.5-seed0'), STEPS / 2);

    const again: string[][] = [];
    const outcome = await runSweep(plan(), options(fakeUnit(again)));
    expect(again).toEqual([['ssa-1.5-seed0'], ['ssa-1.5-seed1']]);
    expect(outcome.skipped).toEqual(['softmax-seed0', 'softmax-seed1']);
    expect(manifest().runs.every((r) => r.state === 'done')).toBe(true);
    expect(manifest().runs[2].attempts).toBe(2);
  });

  it('a crashed unit fails its runs, retried next time; an interrupted unit stops the sweep as pending', async () => {
    await runSweep(plan(), options(fakeUnit([], (out) => (out.endsWith('softmax-seed1') ? 'crash' : 'ok'))));
    expect(manifest().runs.map((r) => [r.state, r.exit_code])).toEqual([['done', 0], ['failed', 1], ['done', 0], ['done', 0]]);

    const interrupted = await runSweep(plan(), options(fakeUnit([], () => 'interrupt')));
    expect(interrupted.stoppedEarly).toBe(true);
    expect(manifest().runs[1].state).toBe('pending');

    const last = await runSweep(plan(), options(fakeUnit([])));
    expect(last.ran).toEqual(['softmax-seed1']);
    expect(manifest().runs[1].state).toBe('done');
  });

  it('a run that stops on a NaN stops alone and is not retried; one stopped by an error of its own is retried', async () => {
    const calls: string[][] = [];
    const behaviour = (out: string): Behaviour => (out.endsWith('softmax-seed1') ? 'nan' : out.endsWith('ssa-1.5-seed0') ? 'error' : 'ok');
    await runSweep(plan(4), options(fakeUnit(calls, behaviour)));
    expect(manifest().runs.map((r) => r.state)).toEqual(['done', 'stopped', 'failed', 'done']);
    expect(manifest().runs[1].stop).toMatchObject({ reason: 'non-finite', message: 'nan at step 1' });
    expect(manifest().units[0].state).toBe('failed');

    rmSync(join(dir, 'demo', 'ssa-1.5-seed0', 'stopped.json'));
    await runSweep(plan(4), options(fakeUnit(calls)));
    expect(calls).toHaveLength(2);
    expect(manifest().runs.map((r) => r.state)).toEqual(['done', 'stopped', 'done', 'done']);
  });

  it('with final probing, a run is done only once its final step is probed', async () => {
    await runSweep({ ...plan(), finalProbe: true }, { ...options(fakeUnit([])), completion: checkpointCompletion(STEPS, true) });
    // Trained but not probed: the unit exited 0 short of done, as an interrupted one does.
    expect(manifest().runs.map((r) => r.state)).toEqual(['pending', 'pending', 'pending', 'pending']);
    for (const run of manifest().runs) {
      const summary = join(dir, 'demo', 'results', run.id, `step-${STEPS}`, 'suite', 'summary.json');
      mkdirSync(join(summary, '..'), { recursive: true });
      writeFileSync(summary, '{}');
    }
    await runSweep({ ...plan(), finalProbe: true }, { ...options(fakeUnit([])), completion: checkpointCompletion(STEPS, true) });
    expect(manifest().runs.every((r) => r.state === 'done')).toBe(true);
  });

  it('refuses to continue with different pretrain flags; new seeds join the sweep in new units', async () => {
    await runSweep(plan(2), options(fakeUnit([])));
    await expect(runSweep({ ...plan(2), pretrainFlags: ['--steps', '9'] }, options(fakeUnit([])))).rejects.toThrow(/use the same flags/);
    const calls: string[][] = [];
    const more = await runSweep({ ...plan(2), seeds: [0, 1, 2] }, options(fakeUnit(calls)));
    expect(calls).toEqual([['softmax-seed2', 'ssa-1.5-seed2']]);
    expect(more.ran).toEqual(['softmax-seed2', 'ssa-1.5-seed2']);
    expect(manifest().units.map((u) => u.runs)).toEqual([['softmax-seed0', 'softmax-seed1'], ['ssa-1.5-seed0', 'ssa-1.5-seed1'], ['softmax-seed2', 'ssa-1.5-seed2']]);
  });

  it('reads a schema-1 manifest as one unit per run', async () => {
    const runs = plannedRuns(plan()).map(({ unit: _unit, stop: _stop, ...run }, i) => ({ ...run, state: i === 0 ? 'done' : 'pending' }));
    mkdirSync(join(dir, 'demo'), { recursive: true });
    writeFileSync(join(dir, 'demo', MANIFEST), JSON.stringify({ schema_version: 1, name: 'demo', dir: join(dir, 'demo'), pretrain_flags: plan().pretrainFlags, pid: null, runs }));
    writeCheckpoint(join(dir, 'demo', 'softmax-seed0'), STEPS);
    const calls: string[][] = [];
    await runSweep(plan(4), options(fakeUnit(calls)));
    expect(calls).toEqual([['softmax-seed1'], ['ssa-1.5-seed0'], ['ssa-1.5-seed1']]);
    expect(manifest()).toMatchObject({ schema_version: 2, lockstep: 1 });
  });

  it('runs units in parallel slots when asked', async () => {
    const slots: number[] = [];
    const launch: RunLauncher = async (argv, slot) => {
      slots.push(slot);
      await new Promise((r) => setTimeout(r, 5));
      return fakeUnit([])(argv, slot);
    };
    await runSweep(plan(), { ...options(launch), parallel: 2 });
    expect(new Set(slots)).toEqual(new Set([0, 1]));
    expect(manifest().runs.every((r) => r.state === 'done')).toBe(true);
  });
});
