// The training loop driving a group of runs through the plain adapter (cpu backend): each member writes exactly
// the run folder it writes trained alone, resumes as a group, and a member forced to NaN stops alone.
import { mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { resolveTrainConfig } from '../src/config/resolve.js';
import type { Engine } from '../src/engine/types.js';
import { CHECKPOINT_FILES, loadCheckpoint, loadTrainerState } from '../src/io/checkpoint.js';
import { checkGroupStarts } from '../src/train/group-check.js';
import { pretrain, pretrainGroup } from '../src/train/loop.js';
import type { RunStart } from '../src/train/setup.js';
import { readStopRecord, writeStopRecord } from '../src/train/stop-record.js';

/** SSA n = 3 marks the member whose weights the engine turns to NaN after its third step. */
const POISONED_N = 3;

vi.mock('../src/engine/index.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../src/engine/index.js')>();
  return {
    ...original,
    createEngine: async (options: Parameters<typeof original.createEngine>[0]): Promise<Engine> => {
      const engine = await original.createEngine(options);
      if (options.config.attention.ssaN !== POISONED_N) return engine;
      const trainStep = engine.trainStep.bind(engine);
      let steps = 0;
      engine.trainStep = async (batch, stepOptions) => {
        if (++steps === 4) {
          const weights = await engine.readWeights();
          for (const tensor of weights.values()) tensor.data.fill(NaN);
          await engine.loadWeights(weights);
        }
        return trainStep(batch, stepOptions);
      };
      return engine;
    },
  };
});

let dir: string;
let corpus: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'babyssa-group-'));
  corpus = join(dir, 'corpus.txt');
  const lines = (await readFile('corpora/default.txt', 'utf8')).split('\n').slice(0, 200);
  await writeFile(corpus, lines.join('\n') + '\n');
});

const MEMBERS = [
  { attention: 'softmax', seed: 0 },
  { attention: 'ssa', ssaN: 2, seed: 1 },
  { attention: 'ssa', ssaNTrainable: true, ssaBTrainable: true, ssaGranularity: 'head', seed: 2 },
];

function config(out: string, member: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return resolveTrainConfig({
    backend: 'wasm', corpus, tokenizer: 'corpora/default-tokenizer.json', out, steps: 6, batchSize: 4, warmupSteps: 2, saveEvery: 3, logEvery: 2,
    ...member, ...extra,
  });
}

const timeless = (text: string) => text.trim().split('\n').map((l) => ({ ...JSON.parse(l), elapsed_s: 0, tokens_per_s: 0 }) as object);

async function expectSameRun(actual: string, expected: string, step = 6): Promise<void> {
  expect(timeless(await readFile(join(actual, 'metrics.jsonl'), 'utf8'))).toEqual(timeless(await readFile(join(expected, 'metrics.jsonl'), 'utf8')));
  const [a, b] = [(await loadCheckpoint(join(actual, `step-${step}`))).weights, (await loadCheckpoint(join(expected, `step-${step}`))).weights];
  for (const [name, tensor] of b) expect(a.get(name)!.data, name).toEqual(tensor.data);
  const [sa, sb] = [await loadTrainerState(join(actual, `step-${step}`)), await loadTrainerState(join(expected, `step-${step}`))];
  expect(sa.trainer.rngState).toEqual(sb.trainer.rngState);
  expect(sa.trainer.dataCursor).toEqual(sb.trainer.dataCursor);
  expect((await readdir(actual)).sort()).toEqual((await readdir(expected)).sort());
}

describe('a group of runs', () => {
  const alone = (i: number) => join(dir, `alone-${i}`);
  const grouped = (name: string, i: number) => join(dir, name, `member-${i}`);

  it('writes for each member the run folder it writes trained alone, and resumes as a group', async () => {
    for (const [i, member] of MEMBERS.entries()) await pretrain(config(alone(i), member), { argv: ['alone'] });
    const { members } = await pretrainGroup(MEMBERS.map((m, i) => config(grouped('straight', i), m)), { argv: MEMBERS.map(() => ['alone']) });
    expect(members.map((m) => [m.step, m.stoppedBy])).toEqual(MEMBERS.map(() => [6, 'done']));
    for (const i of MEMBERS.keys()) await expectSameRun(grouped('straight', i), alone(i));
    const state = await loadTrainerState(join(grouped('straight', 1), 'step-6'));
    expect(state.trainer.group).toEqual(['../member-0', '.', '../member-2']);

    const split = MEMBERS.map((m, i) => config(grouped('split', i), m));
    const first = await pretrainGroup(split, { argv: MEMBERS.map(() => ['alone']), interruptAfterStep: 3 });
    expect(first.members.map((m) => [m.step, m.stoppedBy])).toEqual(MEMBERS.map(() => [3, 'interrupt']));
    // Resumed with a member left out, or with one it was not saved with: one line each.
    const resumed = split.map((c) => ({ ...c, resume: true }));
    await expect(pretrainGroup(resumed.slice(0, 2), { argv: [[], []] })).rejects.toThrow(/saved at step 3 with member-0, member-1, member-2; member-2 is missing/);
    await pretrain(config(join(dir, 'stranger'), MEMBERS[0], { seed: 5 }), { argv: [], interruptAfterStep: 3 });
    await expect(pretrainGroup([...resumed, config(join(dir, 'stranger'), MEMBERS[0], { seed: 5, resume: true })], { argv: [[], [], [], []] }))
      .rejects.toThrow(/stranger was not in that group/);
    await pretrainGroup(resumed, { argv: MEMBERS.map(() => ['alone']) });
    for (const i of MEMBERS.keys()) {
      const weights = (await loadCheckpoint(join(grouped('split', i), 'step-6'))).weights;
      for (const [name, tensor] of (await loadCheckpoint(join(grouped('straight', i), 'step-6'))).weights) expect(weights.get(name)!.data, name).toEqual(tensor.data);
    }
  });

  it('refuses members that differ in a shared setting or stand at different steps', async () => {
    const a = config(join(dir, 'mixed', 'a'), MEMBERS[0]);
    await expect(pretrainGroup([a, config(join(dir, 'mixed', 'b'), MEMBERS[1], { lr: 0.5 })], { argv: [[], []] })).rejects.toThrow(/share every setting but attention, seed and --out: b has lr=0.5/);
    await expect(pretrainGroup([a, a], { argv: [[], []] })).rejects.toThrow(/named twice/);
    await expect(pretrainGroup([config(join(dir, 'stranger'), MEMBERS[0], { seed: 5, resume: true }), config(join(dir, 'fresh'), MEMBERS[1])], { argv: [[], []] }))
      .rejects.toThrow(/must be at one step: stranger at 3, fresh at 0/);
  });

  it('stops a member forced to NaN alone, records why, and leaves the others as they are without it', async () => {
    const poisoned = { attention: 'ssa', ssaN: POISONED_N, seed: 3 };
    const out = (i: number) => join(dir, 'nan', `member-${i}`);
    const { members } = await pretrainGroup([config(out(0), MEMBERS[0]), config(out(1), poisoned)], { argv: [['alone'], ['alone']] });
    expect(members.map((m) => m.stoppedBy)).toEqual(['done', 'stopped']);
    const stop = await readStopRecord(out(1));
    expect(stop).toMatchObject({ reason: 'non-finite', step: 4, last_good_checkpoint: null });
    expect(stop!.message).toMatch(/loss became NaN at step 4; training stopped \(its weights came from step-3, now set aside as step-3\.diverged\)\. Last good checkpoint: none/);
    expect(await readdir(out(1))).not.toContain('step-6');
    await expectSameRun(out(0), alone(0));
    await expect(pretrain(config(join(dir, 'nan-alone'), poisoned), { argv: [] })).rejects.toThrow(/loss became NaN at step 4/);
  });
});

describe('resuming a group with another member list', () => {
  /** A run folder whose newest complete checkpoint is `step`, optionally stopped on a NaN. */
  async function runFolder(name: string, step: number, stopped = false): Promise<string> {
    const runDir = join(dir, 'lists', name);
    await mkdir(join(runDir, `step-${step}`), { recursive: true });
    for (const file of CHECKPOINT_FILES) await writeFile(join(runDir, `step-${step}`, file), '{}');
    if (stopped) await writeStopRecord(runDir, { reason: 'non-finite', step: step + 1, message: 'NaN', last_good_checkpoint: null });
    return runDir;
  }
  const start = (runDir: string, step: number, group: string[]) =>
    ({ runDir, tokenizerHash: 'same', resumed: { step, trainer: { group: group.map((g) => relative(runDir, join(dir, 'lists', g)) || '.') } } }) as unknown as RunStart;

  it.each([
    ['without a member that has since stopped on a NaN', { c: [3, true] }, null],
    ['without a member that has moved on to a later step', { c: [6, false] }, null],
    ['without a member still at that step', { c: [3, false] }, (t: string) => `a-${t} was saved at step 3 with a-${t}, b-${t}, c-${t}; c-${t} is missing (it is still at that step)`],
  ] as const)('%s', async (_name, others, error) => {
    const tag = `${others.c[0]}-${others.c[1]}`;
    const [a, b] = [await runFolder(`a-${tag}`, 3), await runFolder(`b-${tag}`, 3)];
    await runFolder(`c-${tag}`, others.c[0], others.c[1]);
    const group = [`a-${tag}`, `b-${tag}`, `c-${tag}`];
    const check = checkGroupStarts([start(a, 3, group), start(b, 3, group)]);
    if (error) await expect(check).rejects.toThrow(error(tag));
    else await expect(check).resolves.toBeUndefined();
  });
});
