import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHECKPOINT_FILES } from '../src/io/checkpoint.js';
import { MANIFEST, plannedRuns, type SweepManifest, type SweepPlan } from '../src/sweep/manifest.js';
import { checkpointCompletion, runSweep, type RunLauncher } from '../src/sweep/run.js';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'babyssa-sweep-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const STEPS = 4;
const plan = (): SweepPlan => ({ name: 'demo', dir: join(dir, 'demo'), variants: ['softmax', 'ssa-1.5'], seeds: [0, 1], pretrainFlags: ['--steps', String(STEPS), '--preset', 'tiny'] });

function writeCheckpoint(out: string, step: number): void {
  const stepDir = join(out, `step-${step}`);
  mkdirSync(stepDir, { recursive: true });
  for (const file of CHECKPOINT_FILES) writeFileSync(join(stepDir, file), '{}');
}

/**
 * A fake `babyssa pretrain`: trains by writing checkpoints 2 steps per call up to --steps (so a run needs two
 * calls unless resumed), and can be told to crash or to "be killed" with the parent.
 */
function fakePretrain(calls: string[][], behaviour: (out: string) => 'ok' | 'crash' | 'kill-parent' | 'interrupt' = () => 'ok'): RunLauncher {
  return async (argv) => {
    calls.push(argv);
    const out = argv[argv.indexOf('--out') + 1];
    const what = behaviour(out);
    if (what === 'kill-parent') throw new Error('sweep killed');
    if (what === 'crash') return 1;
    const resumed = argv.includes('--resume');
    writeCheckpoint(out, resumed ? STEPS : STEPS / 2);
    if (what === 'interrupt') return 0;
    if (!resumed) writeCheckpoint(out, STEPS);
    return 0;
  };
}

const manifest = (): SweepManifest => JSON.parse(readFileSync(join(dir, 'demo', MANIFEST), 'utf8'));
const options = (launch: RunLauncher) => ({ launch, completion: checkpointCompletion(STEPS), parallel: 1 });

describe('sweep', () => {
  it('plans variant × seed runs with the variant flags, seed and --out', () => {
    const runs = plannedRuns(plan());
    expect(runs.map((r) => r.id)).toEqual(['softmax-seed0', 'softmax-seed1', 'ssa-1.5-seed0', 'ssa-1.5-seed1']);
    expect(runs[2].argv).toEqual(['pretrain', '--attention', 'ssa', '--ssa-n', '1.5', '--no-ssa-n-trainable', '--ssa-b', '0.8', '--no-ssa-b-trainable',
      '--ssa-granularity', 'layer', '--seed', '0', '--out', join(dir, 'demo', 'ssa-1.5-seed0'), '--steps', '4', '--preset', 'tiny']);
  });

  it('runs every run once and a second invocation redoes nothing', async () => {
    const calls: string[][] = [];
    const first = await runSweep(plan(), options(fakePretrain(calls)));
    expect(first.ran).toHaveLength(4);
    expect(manifest().runs.every((r) => r.state === 'done' && r.step === STEPS && r.attempts === 1)).toBe(true);
    const second = await runSweep(plan(), options(fakePretrain(calls)));
    expect(second.ran).toEqual([]);
    expect(second.skipped).toHaveLength(4);
    expect(calls).toHaveLength(4);
  });

  it('after the sweep is killed mid-run, re-running resumes that run with --resume and skips finished ones', async () => {
    const calls: string[][] = [];
    // Run 3 gets a partial checkpoint, then the whole sweep dies (manifest says "running").
    const dying = fakePretrain(calls, (out) => (out.endsWith('ssa-1.5-seed0') ? 'kill-parent' : 'ok'));
    const killing: RunLauncher = async (argv, slot) => {
      const out = argv[argv.indexOf('--out') + 1];
      if (out.endsWith('ssa-1.5-seed0')) writeCheckpoint(out, STEPS / 2);
      return dying(argv, slot);
    };
    await expect(runSweep(plan(), options(killing))).rejects.toThrow('sweep killed');
    expect(manifest().runs.map((r) => r.state)).toEqual(['done', 'done', 'running', 'pending']);

    const again: string[][] = [];
    const outcome = await runSweep(plan(), options(fakePretrain(again)));
    expect(again.map((argv) => argv[argv.indexOf('--out') + 1].split('/').pop())).toEqual(['ssa-1.5-seed0', 'ssa-1.5-seed1']);
    expect(again[0]).toContain('--resume');
    expect(again[1]).not.toContain('--resume');
    expect(outcome.skipped).toEqual(['softmax-seed0', 'softmax-seed1']);
    expect(manifest().runs.every((r) => r.state === 'done')).toBe(true);
    expect(manifest().runs[2].attempts).toBe(2);
  });

  it('marks a crashed run failed and retries it next time; an interrupted run stops the sweep as pending', async () => {
    const calls: string[][] = [];
    await runSweep(plan(), options(fakePretrain(calls, (out) => (out.endsWith('softmax-seed1') ? 'crash' : 'ok'))));
    expect(manifest().runs.map((r) => [r.state, r.exit_code])).toEqual([['done', 0], ['failed', 1], ['done', 0], ['done', 0]]);

    const interrupted = await runSweep(plan(), options(fakePretrain([], () => 'interrupt')));
    expect(interrupted.stoppedEarly).toBe(true);
    expect(manifest().runs[1].state).toBe('pending');

    const last = await runSweep(plan(), options(fakePretrain([])));
    expect(last.ran).toEqual(['softmax-seed1']);
    expect(manifest().runs[1].state).toBe('done');
  });

  it('refuses to continue with different pretrain flags, and adds new seeds to an existing sweep', async () => {
    await runSweep(plan(), options(fakePretrain([])));
    await expect(runSweep({ ...plan(), pretrainFlags: ['--steps', '9'] }, options(fakePretrain([])))).rejects.toThrow(/use the same flags/);
    const more = await runSweep({ ...plan(), seeds: [0, 1, 2] }, options(fakePretrain([])));
    expect(more.ran).toEqual(['softmax-seed2', 'ssa-1.5-seed2']);
    expect(manifest().runs).toHaveLength(6);
  });

  it('runs slots in parallel when asked', async () => {
    const slots: number[] = [];
    const launch: RunLauncher = async (argv, slot) => {
      slots.push(slot);
      await new Promise((r) => setTimeout(r, 5));
      return fakePretrain([])(argv, slot);
    };
    await runSweep(plan(), { ...options(launch), parallel: 2 });
    expect(new Set(slots)).toEqual(new Set([0, 1]));
    expect(manifest().runs.every((r) => r.state === 'done')).toBe(true);
  });
});
