// The training loop end to end on the cpu backend: resume ≡ uninterrupted, clean stops, metrics.
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveTrainConfig } from '../src/config/resolve.js';
import { loadCheckpoint, loadTrainerState } from '../src/io/checkpoint.js';
import { pretrain } from '../src/train/loop.js';
import { currentRunConfig } from '../src/train/resume-changes.js';

let dir: string;
let corpus: string;
const tokenizer = 'corpora/default-tokenizer.json';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'babyssa-pretrain-'));
  corpus = join(dir, 'corpus.txt');
  const lines = (await readFile('corpora/default.txt', 'utf8')).split('\n').slice(0, 400);
  await writeFile(corpus, lines.join('\n') + '\n');
});

function config(out: string, extra: Record<string, unknown> = {}) {
  return resolveTrainConfig({ backend: 'cpu', corpus, tokenizer, out, steps: 40, batchSize: 4, warmupSteps: 5, saveEvery: 0, logEvery: 5, ...extra });
}

async function metricLosses(runDir: string): Promise<number[]> {
  const lines = (await readFile(join(runDir, 'metrics.jsonl'), 'utf8')).trim().split('\n');
  return lines.map((l) => (JSON.parse(l) as { loss: number }).loss);
}

describe('pretrain', () => {
  it.each([
    ['softmax', {}],
    ['ssa with trainable n and b per head', { attention: 'ssa', ssaNTrainable: true, ssaBTrainable: true, ssaGranularity: 'head' }],
  ])('%s: 20 steps + --resume 20 equals 40 straight (loss and every weight)', async (name, attention) => {
    const straight = join(dir, `straight-${name.length}`);
    const split = join(dir, `split-${name.length}`);
    const a = await pretrain(config(straight, attention), { argv: [] });
    const first = await pretrain(config(split, attention), { argv: [], interruptAfterStep: 20 });
    expect(first.stoppedBy).toBe('interrupt');
    expect(first.step).toBe(20);
    const b = await pretrain(config(split, { ...attention, resume: true }), { argv: [] });
    expect(b.step).toBe(40);
    expect(Math.abs(b.lastLoss - a.lastLoss)).toBeLessThanOrEqual(1e-6);
    expect(await metricLosses(split)).toEqual(await metricLosses(straight));
    const wa = (await loadCheckpoint(straight)).weights;
    const wb = (await loadCheckpoint(split)).weights;
    for (const [param, tensor] of wa) expect(wb.get(param)!.data, param).toEqual(tensor.data);
    const sa = await loadTrainerState(join(straight, 'step-40'));
    const sb = await loadTrainerState(join(split, 'step-40'));
    expect(sb.trainer.rngState).toEqual(sa.trainer.rngState);
    expect(sb.trainer.dataCursor).toEqual(sa.trainer.dataCursor);
    expect(await readdir(split)).toEqual(expect.arrayContaining(['step-20', 'step-40', 'config.resolved.json', 'argv.txt', 'metrics.jsonl']));
  });

  it('refuses to overwrite a run without --resume and to resume an empty folder', async () => {
    const out = join(dir, 'once');
    const config2 = (extra: Record<string, unknown>) => config(out, { warmupSteps: 0, ...extra });
    await pretrain(config2({ steps: 2 }), { argv: [] });
    await expect(pretrain(config2({ steps: 2 }), { argv: [] })).rejects.toThrow(/already holds a run; pass --resume/);
    await expect(pretrain(config(join(dir, 'empty'), { resume: true }), { argv: [] })).rejects.toThrow(/--resume: no complete checkpoint/);
    await expect(pretrain(config2({ steps: 2, resume: true }), { argv: [] })).rejects.toThrow(/already at step 2/);
    await expect(pretrain(config2({ steps: 4, resume: true, attention: 'ssa' }), { argv: [] })).rejects.toThrow(/was started with attention=softmax/);
  });

  it.each([
    ['lr', { lr: 5e-4 }, 'lr=0.001, not 0.0005'],
    ['batchSize', { batchSize: 2 }, 'batchSize=4, not 2'],
    ['corpus', { corpus: 'OTHER_CORPUS' }, 'corpus='],
    ['tokenizer', { tokenizer: 'OTHER_TOKENIZER' }, 'tokenizer=corpora/default-tokenizer.json'],
  ])('--resume refuses a different %s, and takes it with --allow-config-change, recorded', async (key, change, said) => {
    const out = join(dir, `changed-${key}`);
    const other = { corpus: join(dir, 'other-corpus.txt'), tokenizer: join(dir, 'other-tokenizer.json') };
    await writeFile(other.corpus, (await readFile(corpus, 'utf8')).split('\n').reverse().join('\n'));
    await writeFile(other.tokenizer, await readFile(tokenizer, 'utf8'));
    const given = Object.fromEntries(Object.entries(change).map(([k, v]) => [k, v === 'OTHER_CORPUS' ? other.corpus : v === 'OTHER_TOKENIZER' ? other.tokenizer : v]));
    const base = { warmupSteps: 0, steps: 2 };
    await pretrain(config(out, base), { argv: [] });
    await expect(pretrain(config(out, { ...base, steps: 4, resume: true, ...given }), { argv: [] }))
      .rejects.toThrow(new RegExp(`was trained with ${said.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*pass --allow-config-change`));
    const resumed = await pretrain(config(out, { ...base, steps: 4, resume: true, allowConfigChange: true, ...given }), { argv: [] });
    expect(resumed.step).toBe(4);
    const recorded = (await readFile(join(out, 'resume-changes.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    expect(recorded).toHaveLength(2);
    expect(recorded).toEqual(expect.arrayContaining([{ step: 2, key, from: expect.anything(), to: given[key] }, { step: 2, key: 'steps', from: 2, to: 4 }]));
    // A plain resume afterwards (settings layered from the run's record, as the CLI does) keeps the changed setting.
    const { out: _out, resume: _resume, allowConfigChange: _allow, ...current } = (await currentRunConfig(out))!;
    expect(current[key]).toEqual(given[key]);
    await expect(pretrain(resolveTrainConfig({ out, resume: true, steps: 6 }, undefined, current), { argv: [] })).resolves.toMatchObject({ step: 6 });
  });

  it('stops on a non-finite loss, names the step, and names no checkpoint whose weights gave it (--lr 1e15 --save-every 1)', async () => {
    const out = join(dir, 'nan');
    await expect(pretrain(config(out, { lr: 1e15, steps: 30, warmupSteps: 0, saveEvery: 1 }), { argv: [] }))
      .rejects.toThrow(/loss became NaN at step 2; training stopped \(its weights came from step-1, now set aside as step-1\.diverged\)\. Last good checkpoint: none$/);
    expect(await readdir(out)).toEqual(expect.arrayContaining(['step-1.diverged', 'stopped.json']));
  });
});
