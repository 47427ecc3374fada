// One sweep unit run alone (what a Slurm array task does), the manifest lock that lets tasks share sweep.json,
// and the run folder that holds a run but no checkpoint yet.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHECKPOINT_FILES } from '../src/io/checkpoint.js';
import { MANIFEST, mergeManifest, type SweepManifest, type SweepPlan } from '../src/sweep/manifest.js';
import { checkpointCompletion, runSweep, type RunLauncher } from '../src/sweep/run.js';
import { updateManifest } from '../src/sweep/manifest-lock.js';
import { planUnits, runSweepUnit } from '../src/sweep/unit.js';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'babyssa-unit-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const STEPS = 4;
const plan = (): SweepPlan => ({ name: 'demo', dir: join(dir, 'demo'), variants: ['softmax', 'ssa-1.5'], seeds: [0, 1], pretrainFlags: ['--steps', String(STEPS)] });
const manifest = (): SweepManifest => JSON.parse(readFileSync(join(dir, 'demo', MANIFEST), 'utf8'));
const outOf = (argv: string[]) => argv[argv.indexOf('--out') + 1];

function writeCheckpoint(out: string, step: number): void {
  const stepDir = join(out, `step-${step}`);
  mkdirSync(stepDir, { recursive: true });
  for (const file of CHECKPOINT_FILES) writeFileSync(join(stepDir, file), '{}');
}

/** A fake `pretrain`: refuses a folder that holds a run unless --resume (as the real one does), then trains. */
function fakePretrain(calls: string[][], behaviour: 'ok' | 'crash' | 'interrupt' = 'ok'): RunLauncher {
  return async (argv) => {
    calls.push(argv);
    const out = outOf(argv);
    if (!argv.includes('--resume')) {
      try {
        readFileSync(join(out, 'config.resolved.json'));
        return 2;
      } catch {
        mkdirSync(out, { recursive: true });
        writeFileSync(join(out, 'config.resolved.json'), '{}');
      }
    }
    if (behaviour === 'crash') return 1;
    writeCheckpoint(out, behaviour === 'interrupt' ? STEPS / 2 : STEPS);
    return 0;
  };
}

const options = (launch: RunLauncher) => ({ launch, completion: checkpointCompletion(STEPS), placement: 'slurm job 9 (array 5_1) on node1' });

describe('sweep units', () => {
  it('numbers one unit per run, in plan order', () => {
    expect(planUnits(plan())).toEqual([['softmax-seed0'], ['softmax-seed1'], ['ssa-1.5-seed0'], ['ssa-1.5-seed1']]);
  });

  it('runs its unit alone, records where, and a second start of a finished unit launches nothing', async () => {
    const calls: string[][] = [];
    const outcome = await runSweepUnit(plan(), 1, options(fakePretrain(calls)));
    expect(outcome).toEqual({ runs: ['softmax-seed1'], state: 'done', exitCode: 0 });
    expect(calls.map(outOf)).toEqual([join(dir, 'demo', 'softmax-seed1')]);
    expect(calls[0]).not.toContain('--resume');
    expect(manifest().runs.map((r) => r.state)).toEqual(['pending', 'done', 'pending', 'pending']);
    expect(manifest().runs[1]).toMatchObject({ attempts: 1, step: STEPS, exit_code: 0, placement: 'slurm job 9 (array 5_1) on node1' });

    const again = await runSweepUnit(plan(), 1, options(fakePretrain(calls)));
    expect(again.state).toBe('done');
    expect(calls).toHaveLength(1);
  });

  it('resumes from a checkpoint; restarts afresh a run folder that holds a run but no checkpoint', async () => {
    const calls: string[][] = [];
    const resumed = join(dir, 'demo', 'softmax-seed0');
    await fakePretrain([], 'interrupt')(['pretrain', '--out', resumed], 0);
    const unsaved = join(dir, 'demo', 'ssa-1.5-seed0');
    mkdirSync(unsaved, { recursive: true });
    writeFileSync(join(unsaved, 'config.resolved.json'), '{}');

    expect((await runSweepUnit(plan(), 0, options(fakePretrain(calls)))).state).toBe('done');
    expect((await runSweepUnit(plan(), 2, options(fakePretrain(calls)))).state).toBe('done');
    expect(calls[0]).toContain('--resume');
    expect(calls[1]).not.toContain('--resume');
  });

  it('records a crash as failed with its exit code and an early stop as pending', async () => {
    expect(await runSweepUnit(plan(), 0, options(fakePretrain([], 'crash')))).toMatchObject({ state: 'failed', exitCode: 1 });
    expect(await runSweepUnit(plan(), 3, options(fakePretrain([], 'interrupt')))).toMatchObject({ state: 'pending', exitCode: 0 });
    expect(manifest().runs.map((r) => [r.state, r.attempts])).toEqual([['failed', 1], ['pending', 0], ['pending', 0], ['pending', 1]]);
    await expect(runSweepUnit(plan(), 4, options(fakePretrain([])))).rejects.toThrow('--unit 4: sweep demo has units 0 … 3');
  });

  it('four units at once all land in sweep.json (every update under the lock)', async () => {
    const slow: RunLauncher = async (argv, slot) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return fakePretrain([])(argv, slot);
    };
    const outcomes = await Promise.all([0, 1, 2, 3].map((unit) => runSweepUnit(plan(), unit, options(slow))));
    expect(outcomes.map((o) => o.state)).toEqual(['done', 'done', 'done', 'done']);
    expect(manifest().runs.every((r) => r.state === 'done' && r.attempts === 1)).toBe(true);
  });

  it('updateManifest loses no update among concurrent writers', async () => {
    await updateManifest(plan().dir, (m) => mergeManifest(m, plan()));
    await Promise.all(Array.from({ length: 20 }, () => updateManifest(plan().dir, (m) => {
      m!.runs[0].attempts += 1;
      return m!;
    })));
    expect(manifest().runs[0].attempts).toBe(20);
  });

  it('a local sweep restarts a run killed before its first checkpoint instead of failing on its folder', async () => {
    const out = join(dir, 'demo', 'softmax-seed0');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'config.resolved.json'), '{}');
    const outcome = await runSweep(plan(), { launch: fakePretrain([]), completion: checkpointCompletion(STEPS), parallel: 1 });
    expect(outcome.manifest.runs.map((r) => r.state)).toEqual(['done', 'done', 'done', 'done']);
  });
});
