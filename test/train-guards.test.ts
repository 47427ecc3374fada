// The loop's guards (issue 13): only good checkpoints are named and resumed from, divergence is flagged without
// stopping the run, old checkpoints are pruned, and run folders are locked against a second writer.
import { cp, mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { resolveTrainConfig } from '../src/config/resolve.js';
import type { Engine } from '../src/engine/types.js';
import { listCheckpointSteps, loadTrainerState } from '../src/io/checkpoint.js';
import { DIVERGED_STEPS, DivergenceWatch } from '../src/train/divergence.js';
import { LOCK_FILE, lockRunFolder } from '../src/train/lock.js';
import { type PretrainResult, pretrain } from '../src/train/loop.js';
import { stepsToPrune } from '../src/train/retention.js';
import { readStopRecord } from '../src/train/stop-record.js';

/** SSA n marks a poisoned engine: 3 turns its weights to NaN before its 4th step, 4 right after its 3rd. */
const NAN_BEFORE_STEP_4 = 3;
const NAN_AFTER_STEP_3 = 4;

vi.mock('../src/engine/index.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../src/engine/index.js')>();
  return {
    ...original,
    createEngine: async (options: Parameters<typeof original.createEngine>[0]): Promise<Engine> => {
      const engine = await original.createEngine(options);
      const marker = options.config.attention.ssaN;
      if (options.config.attention.scoring !== 'ssa' || (marker !== NAN_BEFORE_STEP_4 && marker !== NAN_AFTER_STEP_3)) return engine;
      const poison = async () => {
        const weights = await engine.readWeights();
        for (const tensor of weights.values()) tensor.data.fill(NaN);
        await engine.loadWeights(weights);
      };
      const trainStep = engine.trainStep.bind(engine);
      let steps = 0;
      engine.trainStep = async (batch, stepOptions) => {
        steps++;
        if (marker === NAN_BEFORE_STEP_4 && steps === 4) await poison();
        const result = await trainStep(batch, stepOptions);
        if (marker === NAN_AFTER_STEP_3 && steps === 3) await poison();
        return result;
      };
      return engine;
    },
  };
});

let dir: string;
let corpus: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'babyssa-guards-'));
  corpus = join(dir, 'corpus.txt');
  const lines = (await readFile('corpora/default.txt', 'utf8')).split('\n').slice(0, 200);
  await writeFile(corpus, lines.join('\n') + '\n');
});

function config(out: string, extra: Record<string, unknown> = {}) {
  return resolveTrainConfig({ backend: 'wasm', corpus, tokenizer: 'corpora/default-tokenizer.json', out, steps: 6, batchSize: 4, warmupSteps: 0, saveEvery: 1, logEvery: 1, ...extra });
}

describe('good checkpoints', () => {
  it('sets aside the checkpoint whose weights gave a NaN loss and names the one before it', async () => {
    const out = join(dir, 'nan-loss');
    await expect(pretrain(config(out, { attention: 'ssa', ssaN: NAN_BEFORE_STEP_4 }), { argv: [] }))
      .rejects.toThrow(`loss became NaN at step 4; training stopped (its weights came from step-3, now set aside as step-3.diverged). Last good checkpoint: ${join(out, 'step-2')}`);
    expect(await listCheckpointSteps(out)).toEqual([1, 2]);
    expect(await readdir(out)).toContain('step-3.diverged');
    expect(await readStopRecord(out)).toMatchObject({ reason: 'non-finite', step: 4, last_good_checkpoint: join(out, 'step-2') });
  });

  it('never saves non-finite weights: the step is not written and the last finite one is named', async () => {
    const out = join(dir, 'nan-weights');
    await expect(pretrain(config(out, { attention: 'ssa', ssaN: NAN_AFTER_STEP_3 }), { argv: [] }))
      .rejects.toThrow(`weights became non-finite by step 3 (not saved); training stopped. Last good checkpoint: ${join(out, 'step-2')}`);
    expect(await listCheckpointSteps(out)).toEqual([1, 2]);
  });
});

describe('a run that stopped before its first checkpoint', () => {
  it('restarts afresh, saying so, when run again plainly or with --resume', async () => {
    const out = join(dir, 'early-nan');
    await expect(pretrain(config(out, { lr: 1e15 }), { argv: [] })).rejects.toThrow(/loss became NaN at step 2; .*Last good checkpoint: none$/);
    await cp(out, `${out}-copy`, { recursive: true });
    for (const [folder, resume] of [[out, false], [`${out}-copy`, true]] as const) {
      const lines: string[] = [];
      const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
        lines.push(String(chunk));
        return true;
      });
      try {
        await pretrain(config(folder, { steps: 2, resume }), { argv: [] });
      } finally {
        spy.mockRestore();
      }
      expect(lines).toContainEqual(expect.stringMatching(/holds a run that stopped before its first checkpoint; starting it afresh/));
      expect(await listCheckpointSteps(folder)).toEqual([1, 2]);
      expect(await readdir(folder)).not.toContain('stopped.json');
    }
    await expect(pretrain(config(join(dir, 'never-started'), { resume: true }), { argv: [] })).rejects.toThrow(/--resume: no complete checkpoint in/);
  });
});

describe('divergence', () => {
  it.each([
    ['a spike that recovers', [...Array(DIVERGED_STEPS - 1).fill(100), 1, ...Array(DIVERGED_STEPS - 1).fill(100)], null],
    ['a loss that stays above 2 ln V', [1, ...Array(DIVERGED_STEPS).fill(100)], DIVERGED_STEPS + 1],
    ['a loss just below the bound', Array(2 * DIVERGED_STEPS).fill(2 * Math.log(40) - 0.01), null],
  ])('%s', (_name, losses, flaggedAt) => {
    const watch = new DivergenceWatch(40);
    const flags = losses.flatMap((loss, i) => (watch.add(i + 1, loss) ? [i + 1] : []));
    expect(flags).toEqual(flaggedAt === null ? [] : [flaggedAt]);
    expect(watch.divergedAt).toBe(flaggedAt);
  });

  it('--lr 1000: warns once, marks metrics and trainer state, and trains on', async () => {
    const out = join(dir, 'diverged');
    const lines: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
        lines.push(String(chunk));
        return true;
      });
    let result: PretrainResult | undefined;
    try {
      result = await pretrain(config(out, { lr: 1000, steps: DIVERGED_STEPS + 10, saveEvery: 0, logEvery: 10 }), { argv: [] });
    } finally {
      spy.mockRestore();
    }
    if (!result) throw new Error('pretrain returned nothing');
    const done = result;
    expect(done.stoppedBy).toBe('done');
    expect(done.divergedAt).not.toBeNull();
    expect(lines.filter((l) => l.includes('this run has diverged'))).toHaveLength(1);
    const metrics = (await readFile(join(out, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { step: number; diverged: boolean });
    expect(metrics.filter((m) => m.diverged).map((m) => m.step)).toEqual(metrics.filter((m) => m.step >= (done.divergedAt ?? Infinity)).map((m) => m.step));
    const { trainer } = await loadTrainerState(join(out, `step-${DIVERGED_STEPS + 10}`));
    expect(trainer.divergence?.diverged_at).toBe(done.divergedAt);
  });
});

describe('a stop at a probe step', () => {
  it('probes that step before it stops, so the resumed run has every probe an uninterrupted one has', async () => {
    const out = join(dir, 'stop-at-probe');
    const probed: number[] = [];
    const probe = async (step: number) => {
      probed.push(step);
      return [undefined];
    };
    await pretrain(config(out, { probeEvery: 2 }), { argv: [], interruptAfterStep: 2, probe });
    await pretrain(config(out, { probeEvery: 2, resume: true }), { argv: [], probe });
    expect(probed).toEqual([2, 4, 6]);
  });
});

describe('checkpoint retention', () => {
  it.each([
    [[1, 2, 3, 4, 5, 6], 2, [2], [1, 3, 4]],
    [[1, 2, 3], 0, [], []],
    [[1, 2, 3], 5, [], []],
    [[10, 20, 30, 40], 1, [10, 30], [20]],
  ])('steps %j, keep last %d and pinned %j: prune %j', (steps, keepLast, pinned, pruned) => {
    expect(stepsToPrune(steps, keepLast, pinned)).toEqual(pruned);
  });

  it('keeps the newest --keep-last checkpoints and the --keep-steps ones while training', async () => {
    const out = join(dir, 'retention');
    await pretrain(config(out, { keepLast: 2, keepSteps: [2] }), { argv: [] });
    expect(await listCheckpointSteps(out)).toEqual([2, 5, 6]);
  });

  it('a resumed run goes on saving after retention has deleted the checkpoint it resumed from', async () => {
    const out = join(dir, 'retention-resumed');
    await pretrain(config(out, { keepLast: 1 }), { argv: [], interruptAfterStep: 2 });
    // step-2's tokenizer.json is the resumed run's; step-3's save prunes step-2, and step-4 must still save.
    await pretrain(config(out, { keepLast: 1, resume: true }), { argv: [] });
    expect(await listCheckpointSteps(out)).toEqual([6]);
  });
});

describe('run folder lock', () => {
  /** The pid of a process that has exited. */
  const deadPid = () => spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
  const holder = (fields: Record<string, unknown>) => JSON.stringify({ pid: process.pid, host: hostname(), proc_start: null, started_at: 'then', ...fields });

  it.each([
    ['a live holder on this host', () => holder({ pid: process.ppid }), /is being trained by process \d+ on .*; wait for it, stop it, or choose another --out/],
    ['a holder on another host', () => holder({ host: 'elsewhere' }), /is locked by process \d+ on elsewhere .*if no babyssa runs there any more, delete .*\.lock/],
    ['this very process', () => holder({}), /already being trained by this process/],
  ])('refuses %s', async (name, lock, message) => {
    const runDir = join(dir, `lock-${name.length}`);
    await mkdir(runDir, { recursive: true });
    await writeFile(join(runDir, LOCK_FILE), lock());
    await expect(lockRunFolder(runDir, () => undefined)).rejects.toThrow(message);
  });

  it.each([
    ['a dead process', () => holder({ pid: Number(deadPid()) })],
    ['a recycled pid (same pid, another start time)', () => holder({ pid: process.ppid, proc_start: '1' })],
    ['a lock cut short while written', () => '{"pid": 1'],
  ])('takes over the lock of %s, saying so, and removes its half-written steps', async (name, lock) => {
    const runDir = join(dir, `stale-${name.length}`);
    await mkdir(join(runDir, '.step-7.123.tmp'), { recursive: true });
    await writeFile(join(runDir, LOCK_FILE), lock());
    const lines: string[] = [];
    const taken = await lockRunFolder(runDir, (line) => lines.push(line));
    expect(lines).toEqual([expect.stringMatching(/taking over the lock of .*, which is no longer running/)]);
    expect(JSON.parse(await readFile(join(runDir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    expect(await readdir(runDir)).toEqual([LOCK_FILE]);
    await taken.release();
    expect(await readdir(runDir)).toEqual([]);
  });
});
